"""Text sent to GitHub, a model or the terminal is valid UTF-8."""

from __future__ import annotations

import json

from ci_agent.sanitize import wire_text


def test_undecodable_bytes_become_replacement_characters() -> None:
    path = b"caf\xe9.py".decode("utf-8", "surrogateescape")
    assert wire_text(path) == "caf\ufffd.py"
    assert json.loads(json.dumps(wire_text(path))) == "caf\ufffd.py"
    wire_text(path).encode("utf-8")  # would raise on a lone surrogate


def test_valid_text_is_unchanged() -> None:
    assert wire_text("naïve ✓ @alice") == "naïve ✓ @alice"
