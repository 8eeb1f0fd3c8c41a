"""The release this installation was built from: version and commit, recorded in the wheel.

A commit cannot contain its own SHA, so the record is not in the repository: the wheel's build
hook (``hatch_build.py``) writes ``ci_agent/release.json`` when it builds a tagged release.
A checkout or a development build has no record.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["RECORD_NAME", "Release", "installed_release", "is_full_sha", "read_release"]

RECORD_NAME = "release.json"
_SHA = re.compile(r"[0-9a-f]{40}")


def is_full_sha(value: str) -> bool:
    """Whether ``value`` is a full 40-hex-digit commit SHA (lower case, as git prints it)."""
    return _SHA.fullmatch(value) is not None


@dataclass(frozen=True)
class Release:
    """A published release: its version (``1.2.3``) and the commit its tag points at."""

    version: str
    commit: str

    @property
    def tag(self) -> str:
        """The release's git tag, ``v1.2.3``."""
        return f"v{self.version}"


def read_release(path: Path) -> Release | None:
    """The record at ``path``, or None when it is missing or not a valid record."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    version, commit = data.get("version"), data.get("commit")
    if not isinstance(version, str) or not isinstance(commit, str) or not is_full_sha(commit):
        return None
    return Release(version, commit)


def installed_release() -> Release | None:
    """The record shipped inside this installation's package, if it was built as a release."""
    return read_release(Path(__file__).resolve().parent / RECORD_NAME)
