"""Idempotency markers and fingerprints."""

from __future__ import annotations

import pytest

from ci_agent.markers import (
    Marker,
    find_markers,
    fingerprint,
    has_marker,
    marker,
    normalize_code,
    parse_state,
    state_marker,
)


def test_marker_round_trip() -> None:
    body = marker("summary", "pr-12") + "\n" + state_marker({"head": "abc123", "base": "def"})
    body += "\n\n## Review\ntext"
    assert find_markers(body) == [
        Marker("summary", "pr-12"),
        Marker("state", "base=def,head=abc123"),
    ]
    assert has_marker(body, "summary")
    assert has_marker(body, "summary", "pr-12")
    assert not has_marker(body, "summary", "pr-13")
    assert parse_state(body) == {"head": "abc123", "base": "def"}


def test_markers_below_the_top_are_content() -> None:
    spoofed = "A comment\n```\n<!-- ci-agent:summary:pr-12 -->\n```"
    assert find_markers(spoofed) == []
    assert not has_marker("please <!-- ci-agent:summary:x -->", "summary")
    assert find_markers(None) == []
    assert find_markers("") == []


@pytest.mark.parametrize(
    ("kind", "key"),
    [("Summary", "x"), ("summary", "a -->"), ("summary", "a b"), ("", "x"), ("x" * 41, "y")],
)
def test_invalid_markers_are_refused(kind: str, key: str) -> None:
    with pytest.raises(ValueError, match="invalid marker"):
        marker(kind, key)


def test_fingerprint_survives_reindentation_but_not_other_code() -> None:
    a = fingerprint(["src/app.py", normalize_code("    if x:\n        y()"), "Bug"])
    b = fingerprint(["src/app.py", normalize_code("if x:\n  y()"), "Bug"])
    c = fingerprint(["src/app.py", normalize_code("if x:\n  z()"), "Bug"])
    assert a == b != c
    assert len(a) == 16
    # Parts are separated, so moving text between parts changes the hash.
    assert fingerprint(["ab", "c"]) != fingerprint(["a", "bc"])
