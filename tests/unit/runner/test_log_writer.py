"""The job log's one writer: hostile text in any position reaches the runner inert.

Each test reads what was written the way the runner does (tests/unit/runner/runner_log.py)
and checks that the only commands it would execute are ours.
"""

from __future__ import annotations

import io
import json
import random
import sys
import unicodedata

import pytest
from markdown_it import MarkdownIt

from ci_agent.errors import fail
from ci_agent.redact import Redactor
from ci_agent.runner import Runner
from ci_agent.runner.annotations import Annotation
from ci_agent.runner.inert import (
    RUNNER_LINE_BREAK,
    command_like,
    inert_json,
    inert_line,
    inert_text,
)
from ci_agent.runner.job_log import JobLog
from ci_agent.terminal import Terminal
from tests.unit.runner.runner_log import Command, RunnerLog, executed, parse_line

SECRET = "sk-live-0123456789abcdef"

# Each would be obeyed by the runner if printed as it is.
HOSTILE = [
    "::error::x",
    "::add-mask::secret",
    "   ::set-output name=status::ok",
    "\t::warning file=a.py::w",
    "::stop-commands::abc",
    "::ERROR::upper case",
    "text before ##[error]legacy form",
    "##[add-mask]secret",
    "###[set-output name=a;]b",
    ":\u200b:error::zero-width space inside",
    "\u200b::error::zero-width space before",
    "\u00a0\u2003::error::no-break and em spaces",
    "##\u00ad[error]soft hyphen",
    "\x00::debug::nul",
]
# Harmless alone, dangerous in company: a resume token after a pause, a quoted JSON key.
QUOTED = [*HOSTILE, "::stop-commands::abc\nsome text\n::abc::", '{"::error::key": 1}']


def test_the_model_obeys_every_hostile_line() -> None:
    """Guards the guard: each hostile line is a command to the runner model."""
    for line in HOSTILE:
        assert parse_line(line) is not None, line
    assert parse_line('  "::error::x": 1') is None  # a JSON key line starts with a quote


def test_the_model_follows_stop_commands_and_carriage_returns() -> None:
    log = RunnerLog()
    log.feed("::stop-commands::tok\n::error::paused\n::TOK::\nok\r::notice::after\n")
    assert log.executed == [
        Command("stop-commands", "tok"),
        Command("resume", "tok"),
        Command("notice", "after"),
    ]


@pytest.mark.parametrize("line", HOSTILE)
def test_a_hostile_line_is_escaped_visibly_and_inert(line: str) -> None:
    escaped = inert_line(line)
    assert escaped != line and "\\" in escaped
    assert parse_line(escaped) is None
    assert not command_like(escaped)


@pytest.mark.parametrize(
    "line",
    ["", "plain text", "a: b", "x::y", "# heading", "#[1]", "C# ## [not]", "url https://a::b"],
)
def test_a_harmless_line_is_left_as_it_is(line: str) -> None:
    assert inert_line(line) == line


def test_full_width_colons_are_escaped_too() -> None:
    assert command_like("\uff1a\uff1aerror::x")
    assert inert_line("\uff1a\uff1aerror::x") == "\\\uff1a\uff1aerror::x"


def test_a_carriage_return_starts_a_line() -> None:
    text = inert_text("progress 10%\r::error::x\r\n::notice::y\n")
    assert text == "progress 10%\n\\::error::x\n\\::notice::y\n"
    assert executed(text) == []


def test_markdown_renders_the_escapes_as_the_bare_characters() -> None:
    rendered = MarkdownIt().render(inert_text("::error::x ##[warning]y"))
    assert rendered == "<p>::error::x ##[warning]y</p>\n"


@pytest.mark.parametrize("ensure_ascii", [True, False])
def test_json_keeps_its_value(ensure_ascii: bool) -> None:
    value = {
        "::error::key": ["##[add-mask]v", "##\u200b[error]w", "###[x]"],
        "message": "line\n::set-output name=a::b",
        "full": "##\uff3bz]",
    }
    text = json.dumps(value, indent=2, ensure_ascii=ensure_ascii)
    inert = inert_json(text)
    assert json.loads(inert) == value
    assert executed(inert) == []


def test_json_that_is_not_json_is_still_inert() -> None:
    assert inert_json("::error::x\n") == "\\::error::x\n"


ALPHABET = [":", ":", "#", "#", "[", "]", " ", "\t", "\r", "\n", "a", "\u200b", "\u00ad", "\\"]
ALPHABET += ["\uff1a", "\uff03", "\u2a74", "\x00", "\u2003", "error", "add-mask", "stop-commands"]


def test_only_these_characters_normalise_to_a_hash_or_a_colon() -> None:
    """The pre-checks in ``command_like`` rely on these lists (checked on every code point)."""
    forms = {
        chr(code): unicodedata.normalize("NFKC", chr(code))
        for code in range(sys.maxunicode + 1)
        if not 0xD800 <= code <= 0xDFFF
    }
    assert {char for char, form in forms.items() if "#" in form} == {"#", "\ufe5f", "\uff03"}
    colons = {char for char, form in forms.items() if ":" in form}
    assert colons == {":", "\ufe13", "\ufe55", "\uff1a", "\u2a74"}


def test_random_text_never_carries_a_command() -> None:
    rng = random.Random(20261206)
    for _ in range(3000):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 24)))
        inert = inert_text(text)
        assert executed(inert) == [], repr(text)
        # Escaping only adds backslashes (and writes every line break as LF).
        lines = "\n".join(RUNNER_LINE_BREAK.split(text))
        assert inert.replace("\\", "") == lines.replace("\\", ""), repr(text)
        as_json = json.dumps({text: [text]}, ensure_ascii=rng.random() < 0.5)
        inert = inert_json(as_json)
        assert json.loads(inert) == {text: [text]}
        assert executed(inert) == [], repr(text)


def _actions_terminal(output: str = "text") -> tuple[Terminal, io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    term = Terminal(
        out,
        err,
        redact=Redactor([SECRET]),
        verbosity=2,
        in_actions=True,
        output=output,
        secrets=[SECRET],
    )
    return term, out, err


@pytest.mark.parametrize("hostile", QUOTED)
def test_every_terminal_position_is_inert(hostile: str) -> None:
    term, out, err = _actions_terminal()
    term.mask_secrets()
    with term.group(f"group {hostile}"):
        term.info(f"info\n{hostile}")
        term.detail(f"detail {hostile}\n{hostile}", level=2)
        term.warn(f"reason:\n{hostile}")
        term.error(fail("CA601", problem=f"model key {hostile!r}\n{hostile}"))
        term.traceback(f"Traceback (most recent call last):\n  {hostile}\nValueError: {hostile}\n")
    term.result(f"result\n{hostile}\n")
    assert executed(out.getvalue()) == []
    assert [c.name for c in executed(err.getvalue())] == ["add-mask", "group", "endgroup"]
    assert executed(err.getvalue())[0] == Command("add-mask", SECRET)
    # Still there for the reader, one backslash apart.
    assert hostile.splitlines()[-1].strip() in err.getvalue().replace("\\", "")


@pytest.mark.parametrize("hostile", QUOTED)
def test_a_json_result_in_actions_parses_and_is_inert(hostile: str) -> None:
    term, out, err = _actions_terminal("json")
    document = {"errors": [{"message": f"bad key {hostile}", "path": f"a\n{hostile}"}]}
    term.result(json.dumps(document, indent=2))
    assert json.loads(out.getvalue()) == document
    assert executed(out.getvalue()) == []
    assert [c.name for c in executed(err.getvalue())] == ["add-mask"]


def test_a_markdown_result_in_actions_is_inert() -> None:
    term, out, _ = _actions_terminal("markdown")
    term.result("## Findings\n\n- `::error::x` in ##[notice]y\n::add-mask::z\n")
    assert executed(out.getvalue()) == []
    assert out.getvalue().startswith("## Findings\n")


def test_the_log_masks_once_before_its_first_line() -> None:
    out, err = io.StringIO(), io.StringIO()
    log = JobLog(out, err, secrets=["first-secret", "multi\nline-secret"])
    log.write(out, "::error::x\n")
    log.write(err, "y\n")
    log.commands.notice("ours")
    assert out.getvalue() == "\\::error::x\n"
    assert err.getvalue().splitlines() == [
        "::add-mask::first-secret",
        "::add-mask::multi",
        "::add-mask::line-secret",
        "y",
        "::notice::ours",
    ]


def test_dropped_annotations_reach_the_log_inert(tmp_path: object) -> None:
    out = io.StringIO()
    environ = {"GITHUB_ACTIONS": "true", "RUNNER_TEMP": str(tmp_path)}
    runner = Runner(environ, out)
    items = [Annotation("error", f"e{i}\n::add-mask::x{i}", file="a.py") for i in range(12)]
    runner.annotate(items)
    commands = executed(out.getvalue())
    assert [c.name for c in commands] == ["error"] * 10
    assert "a.py: error: e11" in out.getvalue()
