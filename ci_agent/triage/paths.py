"""Source paths as logs print them: made relative to the repository, library frames told apart."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from ci_agent.triage.model import Failure, Location

__all__ = ["is_library", "located", "relative"]

# The checkout directory of hosted runners (Linux, macOS, Windows), container jobs and
# self-hosted runners: <work>/<repository>/<repository>/.
_WORKSPACE = re.compile(
    r"^(?:/home/runner/work|/Users/runner/work|/__w|[A-Za-z]:[\\/]a|.*?[\\/]_work)"
    r"[\\/][^\\/]+[\\/][^\\/]+[\\/]"
)
_LIBRARY = re.compile(
    r"(?:^|[\\/])(?:site-packages|dist-packages|node_modules|hostedtoolcache|\.pyenv|\.venv|"
    r"\.tox|\.nox)[\\/]"
    r"|(?:^|[\\/])lib[\\/]python\d+(?:\.\d+)?[\\/]"
    r"|^<|^node:|^internal[\\/]|^/usr/(?:lib|include|local/lib)/"
)
_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")


def relative(path: str, roots: Sequence[str] = ()) -> str:
    """``path`` relative to the repository when it lies in a runner workspace or under a root."""
    text = path.strip().strip("'\"")
    match = _WORKSPACE.match(text)
    if match:
        text = text[match.end() :]
    else:
        for root in sorted(roots, key=len, reverse=True):
            base = root.rstrip("/\\")
            if base and text.startswith(base) and text[len(base) : len(base) + 1] in ("/", "\\"):
                text = text[len(base) + 1 :]
                break
    text = text.removeprefix("./")
    if "\\" in text and not _DRIVE.match(text):
        text = text.replace("\\", "/")
    return text


def is_library(path: str) -> bool:
    """Whether ``path`` belongs to an installed package, the standard library or a runtime."""
    return bool(_LIBRARY.search(path))


def located(failures: Iterable[Failure]) -> list[Location]:
    """The failures' locations in log order, those in the repository before those in installed
    packages or the standard library (where a failure had no frame of the project)."""
    found = [f.location for f in failures if f.location is not None]
    return sorted(found, key=lambda location: is_library(location.path))
