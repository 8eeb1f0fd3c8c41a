"""The probes run in the project's interpreter; here they run in-process on a real module to
check what they report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ci_agent.testgen.mutants import mutants
from ci_agent.testgen.probes import examples, ghostwrite

MODULE = """\
def clamp(value: int, low: int, high: int) -> int:
    if value < low:
        return low
    if value > high:
        return high
    return value


def ratio(a: float, b: float = 1.0) -> float:
    return a / b


def shout(text: str, *, times: int = 1) -> str:
    return (text.upper() + "!") * times


def spin(n: int) -> int:
    while n != 0:
        n = n
    return n


def items(values: list[int] | None) -> dict[str, int]:
    return {"n": len(values or [])}


async def later() -> None:
    return None


RULES: list[str] = ["a"]
SEEN = {"n": 0}


def register(rule: str) -> int:
    if rule == "":
        return -1
    if rule.startswith("a"):
        RULES.insert(0, rule)
    return len(RULES)


def stop(code: int) -> int:
    if code > 3:
        import os

        os._exit(code)
    return code + 1


def count(key: str) -> int:
    SEEN["n"] = SEEN["n"] + 1
    return SEEN["n"]
"""


@pytest.fixture
def module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    (tmp_path / "probed.py").write_text(MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "probed"
    sys.modules.pop("probed", None)


def _probe(tmp_path: Path, qualname: str, lines: set[int]) -> dict[str, object]:
    found = mutants(MODULE, lines, 10)
    ask, out = tmp_path / "ask.json", tmp_path / "out.json"
    source = MODULE
    ask.write_text(
        json.dumps(
            {
                "module": "probed",
                "qualname": qualname,
                "source": source,
                "mutants": [m.source for m in found],
            }
        )
    )
    assert examples.main(["probe", str(ask), str(out)]) == 0
    answer: dict[str, object] = json.loads(out.read_text())
    return answer


def test_cases_record_lines_results_and_the_mutants_they_kill(module: str, tmp_path: Path) -> None:
    answer = _probe(tmp_path, "clamp", {2, 3, 4, 5})
    assert answer["problem"] == "" and answer["names"] == ["value", "low", "high"]
    cases = answer["cases"]
    assert isinstance(cases, list) and cases
    assert any(c["lines"] == [2, 3] and c["kind"] == "returns" for c in cases)
    assert any(c["kills"] for c in cases)


def test_exceptions_defaults_and_keyword_only_parameters(module: str, tmp_path: Path) -> None:
    answer = _probe(tmp_path, "ratio", {10})
    assert any(c["value"] == "builtins.ZeroDivisionError" for c in answer["cases"])  # type: ignore[union-attr]
    answer = _probe(tmp_path, "shout", {14})
    assert answer["kinds"] == ["pos", "kw:times"]
    answer = _probe(tmp_path, "items", {22})
    assert answer["cases"]


def test_slow_calls_and_what_cannot_be_probed(module: str, tmp_path: Path) -> None:
    answer = _probe(tmp_path, "spin", {18})
    assert all(c["args"] == ["0"] for c in answer["cases"])  # type: ignore[union-attr]
    assert _probe(tmp_path, "later", set())["problem"] == "TypeError: not a plain function"
    assert _probe(tmp_path, "missing", set())["problem"].startswith("AttributeError")  # type: ignore[union-attr]


def test_the_ghostwriter_probe_reports_why_it_cannot_run(module: str, tmp_path: Path) -> None:
    out = tmp_path / "ghost.py"
    assert ghostwrite.main(["probe", "probed", "5", "clamp", str(out)]) == 0
    text = out.read_text()
    try:
        import hypothesis  # noqa: F401
    except ImportError:
        assert text.startswith("# problem: ModuleNotFoundError")
    else:  # pragma: no cover - where Hypothesis is installed
        assert "def test_fuzz_clamp" in text


def _probe_module(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    module: str,
    names: tuple[str, ...],
    *,
    source: str = "",
    mutants: tuple[str, ...] = (),
    **extra: object,
) -> list[dict[str, Any]]:
    """The answers of one probe process for ``names`` of the module ``tmp_path/module.py``
    (each request with ``source`` and ``mutants``; ``extra`` in the request file)."""
    monkeypatch.syspath_prepend(str(tmp_path))
    requests = [
        {"module": module, "qualname": n, "source": source, "mutants": list(mutants)} for n in names
    ]
    ask, out = tmp_path / "ask.json", tmp_path / "out.json"
    ask.write_text(json.dumps({"requests": requests, **extra}))
    try:
        assert examples.main(["probe", str(ask), str(out)]) == 0
    finally:
        sys.modules.pop(module, None)
    answers: list[dict[str, Any]] = json.loads(out.read_text())["answers"]
    return answers


def test_one_probe_process_serves_a_modules_functions_even_when_one_exits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "cli.py").write_text(
        "import sys\n\n\ndef run(flag: int) -> int:\n    sys.exit(2)\n\n\n"
        "def twice(x: int) -> int:\n    return 2 * x\n"
    )
    exited, doubled = _probe_module(tmp_path, monkeypatch, "cli", ("run", "twice"))
    # A call that exits is a case like any raise (argparse exits on a bad command line).
    assert not exited["problem"] and exited["cases"]
    assert {c["value"] for c in exited["cases"]} == {"builtins.SystemExit"}
    assert (
        not doubled["problem"]
        and {"1": "2"}.items() <= {c["args"][0]: c["value"] for c in doubled["cases"]}.items()
    )


def test_calls_that_change_the_module_s_globals_are_never_cases(
    module: str, tmp_path: Path
) -> None:
    # A test of such a call changes what every later test reads: it is dropped, and the
    # module's state is put back for the next call.
    answer = _probe(tmp_path, "register", {36, 37, 38, 39, 40})
    cases = answer["cases"]
    assert isinstance(cases, list) and cases
    assert {c["value"] for c in cases} == {"-1", "1"}, cases  # "" and a rule not added
    assert sys.modules["probed"].RULES == ["a"]
    assert _probe(tmp_path, "count", {44, 45})["cases"] == []
    assert sys.modules["probed"].SEEN == {"n": 0}


def test_a_call_that_would_end_the_process_drops_its_input_and_not_the_others(
    module: str, tmp_path: Path
) -> None:
    answer = _probe(tmp_path, "stop", {46, 47, 48, 49, 50, 51})
    assert answer["problem"] == ""
    values = {c["args"][0]: c["value"] for c in answer["cases"]}  # type: ignore[union-attr]
    assert values and all(int(arg) <= 3 for arg in values), values
    assert values.get("1") == "2"


def test_a_written_test_that_fails_on_the_unchanged_code_is_named_with_its_error() -> None:
    passing = "def test_one():\n    assert 1 + 1 == 2\n"
    assert ghostwrite.failing(passing, "ghost.py", 5) == ""
    failing = passing + "\n\ndef test_two():\n    assert int('') == 0\n"
    assert ghostwrite.failing(failing, "ghost.py", 5) == (
        "test_two: ValueError: invalid literal for int() with base 10: ''"
    )
    exiting = "import sys\n\n\ndef test_exit():\n    sys.exit(2)\n"
    assert ghostwrite.failing(exiting, "ghost.py", 5) == "test_exit: SystemExit: 2"
    # A test still running when the time is up is not known to fail: the funnel judges it.
    slow = "import time\n\n\ndef test_slow():\n    time.sleep(5)\n\n\n" + failing
    started = time.monotonic()
    assert ghostwrite.failing(slow, "ghost.py", 0.3) == ""
    assert time.monotonic() - started < 2
    assert ghostwrite.failing(failing, "ghost.py", 0) == ""
    # Each module runs in a child of its own: what one module's test changes, the next one's
    # does not meet (the ghostwriter's test of inflection's _irregular adds broken rules).
    changes = "import sys\n\n\ndef test_change():\n    sys.ghost_changed = True\n"
    reads = "import sys\n\n\ndef test_read():\n    assert not hasattr(sys, 'ghost_changed')\n"
    assert ghostwrite.failing(changes, "ghost.py", 5) == ""
    assert ghostwrite.failing(reads, "ghost.py", 5) == ""
    assert not hasattr(sys, "ghost_changed")


def test_a_module_that_hangs_at_import_costs_one_import_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Not each function's share of the probe's limit: the import alone has a test's limit.
    (tmp_path / "stuck.py").write_text(
        "import time\n\ntime.sleep(60)\n\n\ndef one(x):\n    return x\n\n\ndef two(x):\n"
        "    return x\n"
    )
    started = time.monotonic()
    answers = _probe_module(tmp_path, monkeypatch, "stuck", ("one", "two"), import_seconds=0.5)
    assert time.monotonic() - started < 10
    assert [a["problem"] for a in answers] == [
        "importing stuck did not finish within 0.5 s (test-generation.test-timeout)"
    ] * 2


def test_a_module_that_ends_the_process_at_import_is_named_with_how(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The probe process used to die with it, and the run said "the probe failed: no output".
    (tmp_path / "ender.py").write_text(
        "import os\n\n\ndef one(x):\n    return x\n\n\nos._exit(3)\n"
    )
    answers = _probe_module(tmp_path, monkeypatch, "ender", ("one",), import_seconds=5)
    assert [a["problem"] for a in answers] == [
        "importing ender ends the process (os._exit(3)): no test can import it"
    ]


LATER = """\
from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    Number = float | str


def show(value: float | None, format: str | Callable[[float], str] = "{:}") -> str:
    if value is None:
        return "none"
    return format.format(value) if isinstance(format, str) else format(value)


def ordinal(value: Number) -> str:
    return f"{value}th"
"""


def test_annotations_that_name_what_only_a_type_checker_imports_still_give_inputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One name imported under TYPE_CHECKING made every parameter of the function untyped and
    # the probe gave up on it ("no values for parameter value"), as on humanize's clamp.
    (tmp_path / "later.py").write_text(LATER)
    show, ordinal = _probe_module(tmp_path, monkeypatch, "later", ("show", "ordinal"), source=LATER)
    assert show["problem"] == "" and show["names"] == ["value", "format"]
    assert {c["value"] for c in show["cases"]} >= {"'none'"}
    assert ordinal["problem"] == "" and ordinal["cases"]


ENVIRON = """\
import os
import subprocess

PREFIX = os.environ.get("CI_AGENT_PROBE_AT_IMPORT", "")


def prefixed(text: str) -> str:
    return PREFIX + text


def token() -> str:
    return os.environ.get("CI_AGENT_PROBE_UNSET", "none")


SEEN = os.environ.get("CI_AGENT_PROBE_UNSET", "")  # read at import too: the test unsets it later


def path() -> int:
    return len(os.getenv("PATH", ""))
"""


def test_a_call_that_reads_the_environment_is_pinned_to_it_or_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # token() returned "none" because the sandbox has no token; the accepted test asserted so
    # and failed in a job that sets one. Now the test unsets what the call read; a call that
    # read a variable this machine sets (PATH) gives no case at all.
    from ci_agent.testgen.examples_engine import render_module

    monkeypatch.delenv("CI_AGENT_PROBE_UNSET", raising=False)
    monkeypatch.chdir(tmp_path)  # the project's code is the working copy's
    (tmp_path / "environ.py").write_text(ENVIRON)
    monkeypatch.delenv("CI_AGENT_PROBE_AT_IMPORT", raising=False)
    answers = _probe_module(tmp_path, monkeypatch, "environ", ("token", "path", "prefixed"))
    token, path, prefixed = answers

    assert [c["unset"] for c in token["cases"]] == [["CI_AGENT_PROBE_UNSET"]]
    assert path["problem"] == "" and path["cases"] == []
    # A value the module read at import: every result of prefixed changes once it is set.
    assert prefixed["problem"] == "" and prefixed["cases"] == []
    assert "CI_AGENT_PROBE_AT_IMPORT" in prefixed["pinned_by"] and "pinned_by" not in token
    assert "CI_AGENT_PROBE_AT_IMPORT" not in os.environ
    text = render_module("environ", "token", [], [], token["cases"])
    assert "def test_token_returns(expected, monkeypatch):\n" in text
    assert "    monkeypatch.delenv('CI_AGENT_PROBE_UNSET', raising=False)\n" in text


def _passes(where: Path, *args: str) -> None:
    """``python ARGS`` in ``where`` exits 0 (a real pytest or ruff run of a written test)."""
    run = subprocess.run(
        [sys.executable, *args], cwd=where, capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stdout + run.stderr


UNITS = """\
import enum


class Unit(enum.Enum):
    SECONDS = 1
    MINUTES = 60


def seconds(count: int, unit: Unit = Unit.MINUTES) -> int:
    return count * unit.value


def coarser(unit: Unit) -> Unit:
    return Unit.MINUTES if unit is Unit.SECONDS else unit
"""


def test_a_parameter_typed_with_an_enum_gets_its_members_and_the_test_names_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # humanize's enum-typed parameters had "no values": the members are the inputs now,
    # written as Unit.SECONDS with Unit imported; a returned member is asserted the same way.
    from ci_agent.testgen.examples_engine import render_module

    (tmp_path / "units.py").write_text(UNITS)
    flipped = UNITS.replace("if unit is Unit.SECONDS", "if unit is not Unit.SECONDS")
    # The mutant's module makes a Unit class of its own: an input is that class's member
    # there, so only the input the mutant changes tells it apart.
    seconds, coarser = _probe_module(
        tmp_path, monkeypatch, "units", ("seconds", "coarser"), mutants=(flipped,)
    )
    assert seconds["problem"] == "" and seconds["names"] == ["count", "unit"]
    assert {c["args"][1] for c in seconds["cases"]} == {"Unit.SECONDS", "Unit.MINUTES"}
    assert all(c["imports"] == ["Unit"] for c in seconds["cases"])
    cases = {c["args"][0]: c for c in coarser["cases"]}
    assert {k: (c["value"], c["kills"]) for k, c in cases.items()} == {
        "Unit.SECONDS": ("Unit.MINUTES", [0]),
        "Unit.MINUTES": ("Unit.MINUTES", []),
    }
    text = render_module("units", "coarser", ["unit"], ["pos"], list(cases.values()))
    assert "from units import Unit\n" in text and "(Unit.SECONDS, Unit.MINUTES),\n" in text
    (tmp_path / "test_units.py").write_text(text)
    _passes(tmp_path, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_units.py")


RAISING = """\
UNITS = {"cm": 1, "m": 100}


def scale(value: int, unit: str) -> int:
    if unit not in UNITS:
        raise ValueError(f"unknown unit: {unit!r}")
    return value * UNITS[unit]


def parse(text: str) -> int:
    return int(text)
"""


def test_a_raise_of_the_projects_own_code_pins_its_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A project whose ruff rules hold flake8-pytest-style's PT011 refused every examples test
    # of a ValueError (no match=), as humanize's did. The project's own message is pinned now;
    # the standard library's (int's), whose wording is Python's, is not.
    from ci_agent.testgen.examples_engine import render_module

    monkeypatch.chdir(tmp_path)  # the project's code is the working copy's
    (tmp_path / "raising.py").write_text(RAISING)
    scale, parse = _probe_module(tmp_path, monkeypatch, "raising", ("scale", "parse"))
    raised = [c for c in scale["cases"] if c["kind"] == "raises"]
    assert raised and all(c["message"].startswith("unknown unit: ") for c in raised)
    assert all(c["out"] == "" for c in raised)
    assert not [c for c in parse["cases"] if c["kind"] == "raises" and "message" in c]
    for name, answer in (("scale", scale), ("parse", parse)):
        text = render_module("raising", name, answer["names"], answer["kinds"], answer["cases"])
        (tmp_path / f"test_{name}.py").write_text(text)
    assert (
        "with pytest.raises(ValueError, match=match):" in (tmp_path / "test_scale.py").read_text()
    )
    assert "match=" not in (tmp_path / "test_parse.py").read_text()
    _passes(tmp_path, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_scale.py")
    _passes(tmp_path, "-m", "ruff", "check", "--select", "PT011", "--no-cache", "test_scale.py")


def test_a_long_message_is_pinned_by_its_start() -> None:
    # humanize's clamp raises a 110-character message: pinned whole, the row was a line of
    # 169 characters, refused at lint (E501) where PT011 had refused it before.
    import re

    from ci_agent.testgen.examples_engine import _pattern

    message = "Invalid format. Must be either a valid formatting string or a function."
    pattern = _pattern(message)
    assert len(pattern) <= 60 and pattern.startswith("r'^Invalid format\\. Must")
    assert re.search(eval(pattern), message)  # noqa: S307 - a repr the test just made
    assert _pattern("unknown unit: 'km'") == repr("^unknown unit: 'km'$")
    assert _pattern("no unit (km)") == "r'^no unit \\(km\\)$'"  # spaces stay as they are
