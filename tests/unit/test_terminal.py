"""Terminal: messages on stderr, the result on stdout, colour only on a TTY outside Actions,
Actions log groups, and progress bars only where someone can see them."""

from __future__ import annotations

import io
import json

import pytest

from ci_agent.errors import fail
from ci_agent.redact import Redactor
from ci_agent.terminal import Terminal, _isatty

ESC = "\x1b["


class FakeTTY(io.StringIO):
    """A StringIO that claims to be a terminal."""

    def isatty(self) -> bool:
        return True


class BrokenStream(io.StringIO):
    def isatty(self) -> bool:
        raise ValueError("I/O operation on closed file")


def make(
    *,
    tty: bool = False,
    color: bool = True,
    quiet: bool = False,
    verbosity: int = 0,
    in_actions: bool = False,
    secrets: tuple[str, ...] = (),
) -> tuple[Terminal, io.StringIO, io.StringIO]:
    out = FakeTTY() if tty else io.StringIO()
    err = FakeTTY() if tty else io.StringIO()
    term = Terminal(
        out,
        err,
        redact=Redactor(secrets),
        color=color,
        quiet=quiet,
        verbosity=verbosity,
        in_actions=in_actions,
        secrets=secrets,
    )
    return term, out, err


def test_colour_needs_a_tty() -> None:
    assert make(tty=False)[0].color is False
    assert make(tty=True)[0].color is True


def test_colour_is_off_in_actions_and_on_request() -> None:
    assert make(tty=True, in_actions=True)[0].color is False
    assert make(tty=True, color=False)[0].color is False


def test_isatty_tolerates_odd_streams() -> None:
    assert _isatty(BrokenStream()) is False
    assert _isatty(object()) is False  # type: ignore[arg-type]
    assert _isatty(FakeTTY()) is True


def test_error_without_colour() -> None:
    term, out, err = make()
    term.error(fail("CA106", name="--output", value="yaml", allowed="text, json"))
    assert out.getvalue() == ""
    assert err.getvalue() == (
        "error[CA106]: '--output' has the invalid value 'yaml'\n"
        "  hint: Use one of: text, json.\n"
        "  see: ci-agent explain CA106\n"
    )


def test_error_with_colour() -> None:
    term, _, err = make(tty=True)
    term.error(fail("CA114", given="X"))
    text = err.getvalue()
    assert ESC in text
    assert "CA114" in text
    assert "see: ci-agent explain CA114" in text


def test_messages_are_redacted() -> None:
    term, out, err = make(secrets=("tok-12345",), verbosity=1)
    term.info("info tok-12345")
    term.detail("detail tok-12345")
    term.warn("warn tok-12345")
    term.error(fail("CA601", problem="tok-12345", suggestion="use tok-12345"))
    assert "tok-12345" not in err.getvalue()
    assert err.getvalue().count("***") == 5
    assert out.getvalue() == ""


def test_info_is_silenced_by_quiet() -> None:
    term, _, err = make(quiet=True)
    term.info("hello")
    term.detail("detail", level=0)
    assert err.getvalue() == ""
    term.warn("careful")
    term.error(fail("CA114", given="X"))
    assert err.getvalue().startswith("warning: careful\n")
    assert "error[CA114]" in err.getvalue()


def test_info_goes_to_stderr() -> None:
    term, out, err = make()
    term.info("hello")
    assert (out.getvalue(), err.getvalue()) == ("", "hello\n")


@pytest.mark.parametrize(("verbosity", "shown"), [(0, []), (1, ["one"]), (2, ["one", "two"])])
def test_detail_depends_on_verbosity(verbosity: int, shown: list[str]) -> None:
    term, _, err = make(verbosity=verbosity)
    term.detail("one")
    term.detail("two", level=2)
    assert err.getvalue().splitlines() == shown


def test_detail_is_dim_with_colour() -> None:
    term, _, err = make(tty=True, verbosity=1)
    term.detail("one")
    assert err.getvalue().startswith(ESC)


def test_warn() -> None:
    term, _, err = make()
    term.warn("disk nearly full")
    assert err.getvalue() == "warning: disk nearly full\n"
    term, _, err = make(tty=True)
    term.warn("x")
    assert ESC in err.getvalue()


def test_result_goes_to_stdout_with_one_newline() -> None:
    term, out, err = make()
    term.result("a")
    term.result("b\n")
    term.result("")
    assert out.getvalue() == "a\nb\n"
    assert err.getvalue() == ""


def test_group_in_actions_wraps_the_messages_on_stderr() -> None:
    term, out, err = make(in_actions=True)
    with term.group("Diff"):
        term.info("inside")
    # stdout holds only the result, so a captured --output json stays one document.
    assert out.getvalue() == ""
    assert err.getvalue() == "::group::Diff\ninside\n::endgroup::\n"


def test_group_in_actions_closes_on_error() -> None:
    term, _, err = make(in_actions=True)
    with pytest.raises(RuntimeError), term.group("Diff"):
        raise RuntimeError("x")
    assert err.getvalue() == "::group::Diff\n::endgroup::\n"


def test_group_title_cannot_add_a_line() -> None:
    term, _, err = make(in_actions=True, secrets=("s3cr3t-value",))
    with term.group("a\n::add-mask::x s3cr3t-value"):
        pass
    assert err.getvalue().splitlines() == [
        "::add-mask::s3cr3t-value",
        "::group::a%0A::add-mask::x ***",
        "::endgroup::",
    ]


def test_in_actions_the_masks_come_first_and_once() -> None:
    term, out, err = make(in_actions=True, secrets=("tok-123456",))
    term.mask_secrets()
    term.info("uses tok-123456")
    term.result("done")
    assert err.getvalue() == "::add-mask::tok-123456\nuses ***\n"
    assert out.getvalue() == "done\n"


def test_in_actions_every_message_is_inert() -> None:
    term, out, err = make(in_actions=True, verbosity=2)
    term.info("a\n::error::x")
    term.detail("  ::add-mask::y", level=2)
    term.warn("w\r::stop-commands::t")
    term.error(fail("CA601", problem="##[set-output name=a;]b"))
    term.traceback("Traceback\n  ::warning::z\n")
    term.result("::notice::r")
    assert out.getvalue() == "\\::notice::r\n"
    lines = err.getvalue().splitlines()
    assert "\\::error::x" in lines and "  \\::add-mask::y" in lines
    assert "\\::stop-commands::t" in lines and "  \\::warning::z" in lines
    assert any("##\\[set-output name=a;]b" in line for line in lines)


def test_in_actions_a_json_result_keeps_its_value() -> None:
    term, out, _ = make(in_actions=True)
    term.output = "json"
    text = json.dumps({"message": "##[error]x", "lines": ["::error::y"]}, indent=2)
    term.result(text)
    assert "##[" not in out.getvalue()
    assert json.loads(out.getvalue()) == json.loads(text)


def test_outside_actions_text_is_unchanged() -> None:
    term, out, err = make(verbosity=2)
    term.info("::error::x")
    term.traceback("##[error]y\n")
    term.result("::add-mask::z")
    assert err.getvalue() == "::error::x\n##[error]y\n"
    assert out.getvalue() == "::add-mask::z\n"


def test_group_on_a_terminal_is_a_heading() -> None:
    term, out, err = make()
    with term.group("Diff"):
        pass
    assert out.getvalue() == ""
    assert err.getvalue() == "── Diff\n"
    term, _, err = make(quiet=True)
    with term.group("Diff"):
        pass
    assert err.getvalue() == ""


@pytest.mark.parametrize(
    "options",
    [
        {"tty": False},
        {"tty": True, "quiet": True},
        {"tty": True, "in_actions": True},
    ],
    ids=["pipe", "quiet", "actions"],
)
def test_progress_is_a_no_op_where_nobody_watches(options: dict[str, bool]) -> None:
    term, out, err = make(**options)
    with term.progress(10, "working") as progress:
        progress.advance()
        progress.advance(5)
    assert out.getvalue() == ""
    assert err.getvalue() == ""


def test_progress_on_a_terminal_uses_a_bar() -> None:
    term, out, _ = make(tty=True)
    with term.progress(3, "working") as progress:
        assert type(progress).__name__ == "_RichProgress"
        progress.advance()
        progress.advance(2)
        assert progress.bar.tasks[0].completed == 3  # type: ignore[attr-defined]
    assert out.getvalue() == ""


def test_progress_shows_on_a_tty_and_follows_the_stage() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    err = Tty()
    term = Terminal(io.StringIO(), err, redact=Redactor(), color=False)
    with term.progress(None, "reviewing") as bar:
        bar.describe("static:ruff: 3 file(s)")
        bar.advance()
    shown = err.getvalue()
    assert "reviewing" in shown
    assert "static:ruff: 3 file(s)" in shown


def test_progress_is_silent_with_quiet_even_on_a_tty() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    err = Tty()
    term = Terminal(io.StringIO(), err, redact=Redactor(), quiet=True)
    with term.progress(10, "work") as bar:
        bar.describe("x")
        bar.advance(5)
    assert err.getvalue() == ""
