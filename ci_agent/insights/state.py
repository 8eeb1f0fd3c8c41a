"""The saved state between dashboard runs: a hidden HTML comment at the end of the dashboard
issue's body (JSON, zlib-compressed, base64: no ``--`` can end the comment early), or, when it
would not fit beside the dashboard, a JSON artifact the comment names with its SHA-256.

The state is only read from the dashboard issue ci-agent wrote; anything that does not decode
or has another version is CA610 (a warning): the history is read again in full.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import tempfile
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ci_agent.errors import CiAgentError, fail
from ci_agent.forge.run_protocol import ArtifactStore
from ci_agent.insights.ledger import VERSION

__all__ = [
    "STATE_ARTIFACT",
    "STATE_BUDGET",
    "Saved",
    "decode_state",
    "encode_state",
    "load_state",
    "state_comment",
]

# What the state may take of the issue body's 65,536 characters; the dashboard gets the rest.
STATE_BUDGET = 40_000
STATE_ARTIFACT = "ci-agent-insights-state"  # the artifact's name; its file is NAME.json
_COMMENT = re.compile(
    r"<!-- ci-agent-insights-state v(?P<v>\d+) "
    r"(?:inline (?P<data>[A-Za-z0-9+/=]+)|artifact (?P<sha>[0-9a-f]{64})) -->"
)


@dataclass(frozen=True)
class Saved:
    """The state found in a dashboard body: inline data, or the artifact's SHA-256."""

    data: dict[str, Any] | None
    artifact_sha256: str | None = None


def encode_state(data: Mapping[str, Any]) -> str:
    """The state as compact base64 text."""
    raw = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
    return base64.b64encode(zlib.compress(raw, 9)).decode("ascii")


def decode_state(text: str) -> dict[str, Any]:
    """The state from :func:`encode_state`'s text; CA610 when it does not decode."""
    try:
        data = json.loads(zlib.decompress(base64.b64decode(text, validate=True)))
    except (ValueError, zlib.error) as exc:
        raise fail("CA610", problem=f"it does not decode: {exc}") from None
    return _checked(data)


def _checked(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict) or data.get("v") != VERSION:
        found = data.get("v") if isinstance(data, dict) else type(data).__name__
        raise fail("CA610", problem=f"version {found}, this ci-agent reads {VERSION}")
    return data


def state_comment(data: Mapping[str, Any]) -> tuple[str, bytes | None]:
    """The comment to end the body with, and the artifact bytes when it is too large inline."""
    text = encode_state(data)
    if len(text) <= STATE_BUDGET:
        return f"<!-- ci-agent-insights-state v{VERSION} inline {text} -->", None
    raw = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
    digest = hashlib.sha256(raw).hexdigest()
    return f"<!-- ci-agent-insights-state v{VERSION} artifact {digest} -->", raw


def find_saved(body: str) -> Saved | None:
    """The state comment of a dashboard body; None when there is none."""
    found = None
    for match in _COMMENT.finditer(body):
        found = match  # the last one is ours: it ends the body
    if found is None:
        return None
    if int(found["v"]) != VERSION:
        raise fail("CA610", problem=f"version {found['v']}, this ci-agent reads {VERSION}")
    if found["data"]:
        return Saved(decode_state(found["data"]))
    return Saved(None, found["sha"])


def load_state(body: str, store: ArtifactStore) -> dict[str, Any] | None:
    """The saved state of a dashboard body (inline, or from the newest artifact whose JSON has
    the recorded SHA-256); None when there is none. CA610 when it cannot be used."""
    saved = find_saved(body)
    if saved is None:
        return None
    if saved.data is not None:
        return saved.data
    for artifact in store.artifacts(STATE_ARTIFACT):
        if artifact.expired:
            continue
        with tempfile.TemporaryDirectory(prefix="ci-agent-insights-state-") as temp:
            try:
                path = store.download_artifact(artifact, Path(temp) / "state.zip")
                raw = _member(path, f"{STATE_ARTIFACT}.json")
            except CiAgentError as exc:
                if exc.code in ("CA305", "CA503"):
                    continue
                raise
        if raw is not None and hashlib.sha256(raw).hexdigest() == saved.artifact_sha256:
            try:
                return _checked(json.loads(raw))
            except ValueError as exc:
                raise fail("CA610", problem=f"the artifact is not JSON: {exc}") from None
    raise fail("CA610", problem="no state artifact with the recorded SHA-256 is left")


def _member(path: Path, name: str) -> bytes | None:
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.read(name) if name in archive.namelist() else None
    except zipfile.BadZipFile:
        return None
