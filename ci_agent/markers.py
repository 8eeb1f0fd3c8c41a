"""Hidden markers that make every side effect idempotent: find what ci-agent posted before.

A comment, review or check run carries ``<!-- ci-agent:KIND:KEY -->``; a re-run looks for the
marker and updates or skips instead of posting again. Fingerprints name a finding by what it
says about which code, not by line number, so they survive rebases.

Markers are read only from the leading lines of a body, where ci-agent writes them: a marker
further down is content (quoted by a person, or written by a model into a code block) and
must never make ci-agent treat someone else's comment as its own.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = [
    "Marker",
    "find_markers",
    "fingerprint",
    "has_marker",
    "marker",
    "normalize_code",
    "parse_state",
    "state_marker",
]

_KIND = r"[a-z][a-z0-9-]{0,39}"
_KEY = r"[A-Za-z0-9._:/=,+-]{0,200}"
_MARKER = re.compile(rf"<!-- ci-agent:(?P<kind>{_KIND}):(?P<key>{_KEY}) -->")
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Marker:
    """A parsed marker."""

    kind: str
    key: str

    def __str__(self) -> str:
        return f"<!-- ci-agent:{self.kind}:{self.key} -->"


def marker(kind: str, key: str = "") -> str:
    """The marker text for ``kind`` and ``key``; refuses characters that could break out."""
    if not re.fullmatch(_KIND, kind) or not re.fullmatch(_KEY, key):
        raise ValueError(f"invalid marker {kind!r}:{key!r}")
    return str(Marker(kind, key))


def find_markers(body: str | None) -> list[Marker]:
    """The markers on the leading lines of ``body``, in order."""
    found: list[Marker] = []
    for line in (body or "").splitlines():
        matches = list(_MARKER.finditer(line))
        if not line.strip() or not matches or _MARKER.sub("", line).strip():
            break
        found += [Marker(m["kind"], m["key"]) for m in matches]
    return found


def has_marker(body: str | None, kind: str, key: str | None = None) -> bool:
    """Whether ``body`` carries a marker of ``kind`` (and ``key``, when given)."""
    return any(m.kind == kind and (key is None or m.key == key) for m in find_markers(body))


def state_marker(values: Mapping[str, str]) -> str:
    """A marker carrying small state, e.g. the last reviewed head SHA: ``state:head=abc``."""
    return marker("state", ",".join(f"{k}={v}" for k, v in sorted(values.items())))


def parse_state(body: str | None) -> dict[str, str]:
    """The key/value state stored by :func:`state_marker` (the last one wins)."""
    state: dict[str, str] = {}
    for found in find_markers(body):
        if found.kind == "state":
            for item in found.key.split(","):
                key, sep, value = item.partition("=")
                if sep:
                    state[key] = value
    return state


def normalize_code(text: str) -> str:
    """Code with all whitespace runs folded, so re-indentation keeps a fingerprint."""
    return _WHITESPACE.sub(" ", text).strip()


def fingerprint(parts: Iterable[str]) -> str:
    """A short stable hash of ``parts`` (e.g. path, normalised code, title)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    return digest.hexdigest()[:16]
