"""Workflow commands: escaping and the exact lines @actions/core would print."""

from __future__ import annotations

import io

import pytest

from ci_agent.runner.commands import (
    WorkflowCommands,
    escape_data,
    escape_property,
    format_command,
    to_command_value,
)


@pytest.fixture
def out() -> io.StringIO:
    return io.StringIO()


@pytest.fixture
def commands(out: io.StringIO) -> WorkflowCommands:
    return WorkflowCommands(out)


def lines(out: io.StringIO) -> list[str]:
    return out.getvalue().splitlines()


def test_escape_data_escapes_percent_first() -> None:
    # Escaping % last would turn the %0A we just wrote into %250A.
    assert escape_data("100%\r\n") == "100%25%0D%0A"
    assert escape_data("%0A") == "%250A"


def test_escape_data_leaves_separators() -> None:
    assert escape_data("a:b,c") == "a:b,c"


def test_escape_property_also_escapes_separators() -> None:
    assert escape_property("%a:b,c\r\n") == "%25a%3Ab%2Cc%0D%0A"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        ("text", "text"),
        (True, "true"),
        (False, "false"),
        (3, "3"),
        (1.5, "1.5"),
        ({"a": [1, "é"]}, '{"a":[1,"é"]}'),
        ([1, 2], "[1,2]"),
        ((1, None), "[1,null]"),
    ],
)
def test_to_command_value(value: object, expected: str) -> None:
    assert to_command_value(value) == expected


def test_format_command_without_properties() -> None:
    assert format_command("debug", None, "hi") == "::debug::hi"
    assert format_command("debug", {}, "hi") == "::debug::hi"


def test_format_command_with_properties_in_order() -> None:
    cmd = format_command("error", {"file": "a,b.py", "line": 3, "title": "x:y"}, "bad\nthing")
    assert cmd == "::error file=a%2Cb.py,line=3,title=x%3Ay::bad%0Athing"


def test_format_command_drops_empty_and_none_properties() -> None:
    assert format_command("warning", {"title": "", "file": None}, "m") == "::warning::m"
    assert format_command("warning", {"title": "", "line": 0}, "m") == "::warning line=0::m"


def test_format_command_without_name() -> None:
    assert format_command("", None, "m") == "::missing.command::m"


def test_debug(commands: WorkflowCommands, out: io.StringIO) -> None:
    commands.debug("step\n50%")
    assert out.getvalue() == "::debug::step%0A50%25\n"


@pytest.mark.parametrize("level", ["notice", "warning", "error"])
def test_annotation_without_properties(
    commands: WorkflowCommands, out: io.StringIO, level: str
) -> None:
    getattr(commands, level)("message")
    assert out.getvalue() == f"::{level}::message\n"


def test_annotation_with_all_properties(commands: WorkflowCommands, out: io.StringIO) -> None:
    commands.error(
        "Missing semicolon",
        title="Lint: E1",
        file="src/app.js",
        line=1,
        end_line=2,
        col=5,
        end_column=7,
    )
    assert out.getvalue() == (
        "::error title=Lint%3A E1,file=src/app.js,line=1,endLine=2,col=5,endColumn=7"
        "::Missing semicolon\n"
    )


def test_annotation_skips_none_properties(commands: WorkflowCommands, out: io.StringIO) -> None:
    commands.warning("w", file="a.py", line=None, title=None)
    commands.notice("n", title="t")
    assert lines(out) == ["::warning file=a.py::w", "::notice title=t::n"]


def test_add_mask_single_value(commands: WorkflowCommands, out: io.StringIO) -> None:
    commands.add_mask("s3cr3t%")
    assert out.getvalue() == "::add-mask::s3cr3t%25\n"


def test_add_mask_masks_each_line_and_skips_blank_ones(
    commands: WorkflowCommands, out: io.StringIO
) -> None:
    commands.add_mask("-----BEGIN KEY-----\r\nabc123\n\n   \nxyz  \n-----END KEY-----\n")
    assert lines(out) == [
        "::add-mask::-----BEGIN KEY-----",
        "::add-mask::abc123",
        "::add-mask::xyz",
        "::add-mask::-----END KEY-----",
    ]


def test_add_mask_of_empty_value_prints_nothing(
    commands: WorkflowCommands, out: io.StringIO
) -> None:
    commands.add_mask("")
    commands.add_mask("\n \n")
    assert out.getvalue() == ""


def test_groups(commands: WorkflowCommands, out: io.StringIO) -> None:
    commands.start_group("Build: step 1")
    commands.end_group()
    assert lines(out) == ["::group::Build: step 1", "::endgroup::"]


def test_group_context_manager_closes_on_error(
    commands: WorkflowCommands, out: io.StringIO
) -> None:
    with pytest.raises(RuntimeError), commands.group("g"):
        commands.debug("inside")
        raise RuntimeError
    assert lines(out) == ["::group::g", "::debug::inside", "::endgroup::"]


def test_echo(commands: WorkflowCommands, out: io.StringIO) -> None:
    commands.echo_on()
    commands.echo_off()
    assert lines(out) == ["::echo::on", "::echo::off"]


def test_untrusted_escapes_every_line_the_runner_would_obey(
    commands: WorkflowCommands, out: io.StringIO
) -> None:
    commands.untrusted("::set-env name=X::y\n  ::error::injected\rok ##[warning]w")
    assert out.getvalue() == "\\::set-env name=X::y\n  \\::error::injected\nok ##\\[warning]w\n"


def test_untrusted_keeps_a_final_newline(commands: WorkflowCommands, out: io.StringIO) -> None:
    commands.untrusted("line\n")
    assert out.getvalue() == "line\n"


def test_untrusted_empty_text(commands: WorkflowCommands, out: io.StringIO) -> None:
    commands.untrusted("")
    assert out.getvalue() == ""


def test_never_prints_set_output(commands: WorkflowCommands, out: io.StringIO) -> None:
    commands.debug("x")
    commands.error("y")
    commands.untrusted("z")
    assert "set-output" not in out.getvalue()
