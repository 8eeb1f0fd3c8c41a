"""LocalCommands: what workflow commands become in a terminal."""

from __future__ import annotations

import io

import pytest

from ci_agent.runner.local import LocalCommands, format_local_annotation


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        ({}, "error: boom"),
        ({"file": "a.py"}, "a.py: error: boom"),
        ({"file": "a.py", "line": 3}, "a.py:3: error: boom"),
        ({"file": "a.py", "line": 3, "col": 7}, "a.py:3:7: error: boom"),
        ({"file": "a.py", "col": 7}, "a.py: error: boom"),
        ({"title": "Lint", "file": "a.py", "line": 1}, "a.py:1: error: Lint: boom"),
        ({"line": 3}, "error: boom"),
    ],
)
def test_format_local_annotation(props: dict[str, object], expected: str) -> None:
    assert format_local_annotation("error", "boom", **props) == expected  # type: ignore[arg-type]


def test_commands_print_plain_lines() -> None:
    out = io.StringIO()
    local = LocalCommands(out)
    local.debug("hidden")
    local.add_mask("secret")
    local.echo_on()
    local.echo_off()
    with local.group("Build"):
        local.warning("careful", file="b.py", line=2, col=1)
        local.notice("fyi")
    local.untrusted("::error::not a command")
    local.untrusted("ends\n")
    assert out.getvalue() == (
        "== Build ==\nb.py:2:1: warning: careful\nnotice: fyi\n::error::not a command\nends\n"
    )
    assert "secret" not in out.getvalue()


def test_debug_when_asked() -> None:
    out = io.StringIO()
    LocalCommands(out, show_debug=True).debug("details")
    assert out.getvalue() == "debug: details\n"
