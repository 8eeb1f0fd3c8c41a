"""The offline engine: probe the target on small inputs in the project's environment, keep
the inputs that run its missing lines and branches or tell its mutants apart, and write them
as a readable parametrised test of the values observed."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ci_agent.testgen.context import TargetContext
from ci_agent.testgen.engine import Proposal
from ci_agent.testgen.execute import Executor
from ci_agent.testgen.funnel import pytest_env
from ci_agent.testgen.mutants import mutants
from ci_agent.testgen.scratch import guard_dir, scratch_copy
from ci_agent.testgen.targets import Target
from ci_agent.testgen.verdict import Limits, Verdict

__all__ = ["ExamplesEngine", "choose_cases", "render_module"]

MAX_CASES = 12
PROBE = Path(__file__).resolve().parent / "probes" / "examples.py"


@dataclass(frozen=True)
class ExamplesEngine:
    """Observed-value tests for functions, constructors and methods, chosen by coverage and
    mutants; one probe process per module probes all its targets."""

    executor: Executor
    root: Path
    work: Path
    sources: Mapping[str, str]
    limits: Limits
    _answers: dict[str, dict[str, Any]] = field(default_factory=dict, compare=False, repr=False)
    # What is missing in each file: a case is kept for reaching any function of it (a call of
    # toposort_flatten runs toposort's lines too).
    _goals: dict[str, set[Any]] = field(default_factory=dict, compare=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)
    # Wall seconds of each module's probe processes (the run reports them among its phases).
    spent: dict[str, float] = field(default_factory=dict, compare=False, repr=False)

    @property
    def name(self) -> str:
        """``examples``."""
        return "examples"

    def prepare(self, targets: Sequence[Target]) -> None:
        """Probe the targets module by module now (``propose`` then finds the answers)."""
        modules: dict[str, list[Target]] = {}
        for target in targets:
            self._goals.setdefault(target.path, set()).update(_missing(target))
            if ".<locals>." not in target.qualname:
                modules.setdefault(target.module, []).append(target)
        for group in modules.values():
            with self._lock:
                self._probe([t for t in group if t.key not in self._answers])

    def propose(self, context: TargetContext, previous: Verdict | None) -> Proposal:
        """A module of examples for the target, or why there is none."""
        target = context.target
        if ".<locals>." in target.qualname:
            return Proposal(None, "a nested function cannot be called from a test")
        with self._lock:
            if target.key not in self._answers:
                self._probe([target])
            data = self._answers[target.key]
        if data.get("problem"):
            return Proposal(None, f"cannot probe {target.qualname}: {data['problem']}")
        goals = _missing(target) | self._goals.get(target.path, set())
        # A raise of a type the test cannot name (``re.error``) is not written: choosing it
        # could leave a module without a test.
        writable = [
            c
            for c in data["cases"]
            if c["kind"] != "raises"
            or str(c["value"]).rpartition(".")[0] in ("builtins", target.module)
        ]
        cases = choose_cases(writable, goals)
        if not cases and data.get("pinned_by"):
            names = ", ".join(data["pinned_by"])
            return Proposal(
                None, f"every result changes when {names} (read by the module's import) is set"
            )
        if not cases:
            return Proposal(None, "no deterministic input with an assertable result was found")
        if not {n for c in cases for n in (*c["lines"], *c["arcs"])} & goals:
            # Chosen for the mutants they tell apart, in code the suite runs already: the
            # coverage gate would refuse the module after its lint, alone and repeat runs.
            return Proposal(
                None, "no input found runs the missing lines or branches of the target's file"
            )
        return Proposal(
            render_module(
                target.module,
                target.qualname,
                data["names"],
                data["kinds"],
                cases,
                shape=data.get("shape", "function"),
                split=data.get("split", 0),
                argv=data.get("argv", False),
            )
        )

    def _probe(self, targets: Sequence[Target]) -> None:
        if not targets:
            return
        requests = []
        for target in targets:
            source = self.sources[target.path]
            found = mutants(
                source, set(range(target.start, target.end + 1)), self.limits.max_mutants * 2
            )
            requests.append(
                {
                    "module": target.module,
                    "qualname": target.qualname,
                    "source": "\n".join(source.splitlines()[target.start - 1 : target.end]),
                    "mutants": [m.source for m in found],
                }
            )
        # Named per call: targets checked at once share the work directory.
        stem = f"probe-{uuid.uuid4().hex}"
        ask, answer = self.work / f"{stem}.json", self.work / f"{stem}-answer.json"
        # The import has a test's limit of its own: a module that hangs there is said to in
        # that time, not after every function's share of the probe's limit.
        ask.write_text(
            json.dumps({"requests": requests, "import_seconds": self.limits.test_timeout}),
            encoding="utf-8",
        )
        limit = self.limits.test_timeout * 2 * len(targets)
        started = time.monotonic()
        with scratch_copy(self.root) as copy:
            ran = self.executor.python(
                [str(PROBE), str(ask), str(answer)],
                cwd=copy,
                timeout=limit,
                env=pytest_env(copy, guard_dir(self.work), self.limits),
            )
        key = f"probe of {targets[0].module}"
        self.spent[key] = self.spent.get(key, 0.0) + time.monotonic() - started
        ask.unlink(missing_ok=True)
        answers: list[dict[str, Any]] = []
        if answer.is_file():
            answers = json.loads(answer.read_text(encoding="utf-8")).get("answers", [])
            answer.unlink()
        failed = "the probe failed: " + (ran.output.strip()[-300:] or "no output")
        if ran.timed_out:
            failed = (
                f"the probe ran past its limit of {limit:.0f} s (twice test-timeout per "
                f"function): importing {targets[0].module} or calling its code did not finish"
            )
        for n, target in enumerate(targets):
            self._answers[target.key] = answers[n] if n < len(answers) else {"problem": failed}


def _missing(target: Target) -> set[Any]:
    """The target's missing lines and branches, spelled as the probe spells them."""
    return set(target.missing_lines) | {f"{a}->{b}" for a, b in target.missing_branches}


def choose_cases(cases: list[dict[str, Any]], goals: set[Any]) -> list[dict[str, Any]]:
    """Greedy cover: each next case adds the most missing lines, branches and killed mutants."""

    def reach(case: dict[str, Any]) -> set[Any]:
        found: set[Any] = set()
        for key in ("lines", "arcs"):
            found |= set(case[key]) & goals
        found |= {("mutant", k) for k in case["kills"]}
        return found

    chosen: list[dict[str, Any]] = []
    done: set[Any] = set()
    while len(chosen) < MAX_CASES:
        # Of the cases that gain as much, the plainest: short inputs without the module's
        # regular expressions and format strings, which a reader cannot tell the point of.
        best = max(cases, key=lambda c: (len(reach(c) - done), -_oddness(c)), default=None)
        if best is None or not reach(best) - done:
            break
        chosen.append(best)
        done |= reach(best)
    return chosen


_ODD = frozenset("\\()[]{}^$*+?|%")


def _oddness(case: dict[str, Any]) -> int:
    """How hard a case's inputs are to read: their length, and much more for each character
    of a regular expression or a format string."""
    written = "".join(case["args"])
    return len(written) + 10 * sum(ch in _ODD for ch in written)


# The names a written test uses besides its inputs.
_COLUMNS = frozenset(
    (
        "expected",
        "message",
        "match",
        "attributes",
        "output",
        "made",
        "monkeypatch",
        "capsys",
        "pytest",
        "sys",
    )
)


@dataclass(frozen=True)
class _Writer:
    """Writes one parametrised test: its columns, rows and body, with the fixtures the call
    needs (``monkeypatch`` for a command line, ``capsys`` for printed output)."""

    call: str
    argv: bool
    unset: tuple[str, ...] = ()  # environment variables the calls read and found unset

    def test(self, name: str, columns: list[str], rows: list[list[str]], body: str) -> str:
        """A test named ``name`` running ``body`` once per row."""
        fixtures = ["monkeypatch"] if self.argv or self.unset else []
        fixtures += ["capsys"] if "output" in columns else []
        setup = "".join(f"    monkeypatch.delenv({n!r}, raising=False)\n" for n in self.unset)
        setup += '    monkeypatch.setattr(sys, "argv", argv)\n' if self.argv else ""
        head = f"def {name}({', '.join([*columns, *fixtures])}):\n{setup}{body}"
        if not columns:
            return head
        if len(columns) == 1:
            lines = "".join(f"        {row[0]},\n" for row in rows)
            params = f'"{columns[0]}"'
        else:
            lines = "".join(f"        ({', '.join(row)}),\n" for row in rows)
            params = "(" + ", ".join(f'"{c}"' for c in columns) + ")"
        return f"@pytest.mark.parametrize(\n    {params},\n    [\n{lines}    ],\n)\n{head}"

    def returns(self, name: str, names: list[str], cases: list[dict[str, Any]]) -> str:
        """Returned literals (and what was printed, when anything was)."""
        printed = any(c.get("out") for c in cases)
        more = ["output"] if printed else []
        rows = [[*c["args"], c["value"], *([repr(c["out"])] if printed else [])] for c in cases]
        body = f"    assert {self.call} == expected\n"
        body += "    assert capsys.readouterr().out == output\n" if printed else ""
        return self.test(name, [*names, "expected", *more], rows, body)

    def states(self, name: str, names: list[str], cases: list[dict[str, Any]]) -> str:
        """An object's public attributes (and an exception's message) after the call."""
        printed = any(c.get("out") for c in cases)
        messages = all("message" in c["value"] for c in cases)
        columns = [*names, *(["message"] if messages else []), "attributes"]
        columns += ["output"] if printed else []
        rows = [
            [
                *c["args"],
                *([c["value"]["message"]] if messages else []),
                c["value"]["attributes"],
                *([repr(c["out"])] if printed else []),
            ]
            for c in cases
        ]
        body = f"    made = {self.call}\n"
        body += "    assert str(made) == message\n" if messages else ""
        if all(c["value"]["full"] for c in cases):
            body += "    assert vars(made) == attributes\n"
        else:  # only the public attributes whose values a test can spell
            body += "    assert {name: getattr(made, name) for name in attributes} == attributes\n"
        body += "    assert capsys.readouterr().out == output\n" if printed else ""
        return self.test(name, columns, rows, body)


_PATTERN = 60  # the longest match= pattern written: a longer one is the message's start
_SPECIAL = frozenset(".^$*+?{}[]\\|()")


def _pattern(message: str) -> str:
    """The ``match=`` pattern of ``message``, as source: all of it, or its start where the
    whole would make a line that a line-length rule (E501) refuses and no formatter splits."""
    whole = _source("^" + _escaped(message) + "$")
    if len(whole) <= _PATTERN:
        return whole
    cut = len(message)
    while cut > 1 and len(_source("^" + _escaped(message[:cut]))) > _PATTERN:
        cut -= 1
    return _source("^" + _escaped(message[:cut]))


def _escaped(text: str) -> str:
    # re.escape escapes spaces too: the pattern would be longer and harder to read.
    return "".join("\\" + c if c in _SPECIAL else c for c in text)


def _source(pattern: str) -> str:
    """``pattern`` as a raw string literal where one can hold it, else its repr."""
    if "'" not in pattern and not pattern.endswith("\\"):
        return f"r'{pattern}'"
    return repr(pattern)


def render_module(
    module: str,
    function: str,
    names: list[str],
    kinds: list[str],
    cases: list[dict[str, Any]],
    *,
    shape: str = "function",
    split: int = 0,
    argv: bool = False,
) -> str:
    """The test module: one parametrised test of returned values, one of the state of returned
    (or constructed) objects, one per exception type."""
    owner, _, attribute = function.rpartition(".")
    imports = {f"from {module} import {function.partition('.')[0]}"}
    # A parameter named like a column, a fixture or a name the test imports would shadow it
    # (an exception's ``message``): such inputs get a trailing underscore.
    taken = {*_COLUMNS, function.partition(".")[0]}
    taken |= {str(c["value"]).rpartition(".")[2] for c in cases if c["kind"] == "raises"}
    taken |= {name for c in cases for name in c.get("imports", ())}
    names = [f"{n}_" if n in taken else n for n in names]
    inputs = [(n, k) for n, k in zip(names, kinds, strict=True) if k != "argv"]

    def spell(part: list[tuple[str, str]]) -> str:
        return ", ".join(n if k == "pos" else f"{k[3:]}={n}" for n, k in part)

    if shape == "init":
        call = f"{owner}({spell(inputs)})"
    elif shape == "method":
        call = f"{owner}({spell(inputs[:split])}).{attribute}({spell(inputs[split:])})"
    else:
        call = f"{function}({spell(inputs)})"
    stem = "test_" + function.replace(".__init__", "").replace(".", "_")
    # Unset where they were observed: the test unsets them wherever it runs (a developer's
    # shell or a CI job may set them, a token for one).
    unset = tuple(sorted({n for c in cases for n in c.get("unset", ())}))
    writer = _Writer(call, argv, unset)
    blocks = []
    returns = [c for c in cases if c["kind"] == "returns"]
    written = returns + [c for c in cases if c["kind"] == "state"]
    if returns:
        blocks.append(writer.returns(f"{stem}_returns", names, returns))
    states = [c for c in cases if c["kind"] == "state"]
    named = f"{stem}_init" if shape == "init" else f"{stem}_state"
    errors = [c for c in states if "message" in c["value"]]
    others = [c for c in states if "message" not in c["value"]]
    if errors:
        blocks.append(writer.states(named, names, errors))
    if others:  # named apart when errors were seen too: each is asserted its own way
        blocks.append(writer.states(named + ("_attributes" if errors else ""), names, others))
    raised: dict[str, list[dict[str, Any]]] = {}
    for case in cases:
        if case["kind"] == "raises":
            raised.setdefault(str(case["value"]), []).append(case)
    for qualified, group in sorted(raised.items()):
        where, _, name = qualified.rpartition(".")
        if where not in ("builtins", module):
            continue
        if where == module:
            imports.add(f"from {module} import {name}")
        rows = [c["args"] for c in group]
        columns, pinned = names, ""
        if all(c.get("message") for c in group):
            # The project's own message, pinned whole: a test of a broad type (ValueError)
            # says which error it expects, as flake8-pytest-style's PT011 asks.
            columns, pinned = [*names, "match"], ", match=match"
            rows = [[*c["args"], _pattern(c["message"])] for c in group]
        body = f"    with pytest.raises({name}{pinned}):\n        {call}\n"
        blocks.append(writer.test(f"{stem}_raises_{name.lower()}", columns, rows, body))
        written += group
    # The enums the written cases name (an input or a returned member), from the module.
    imports |= {f"from {module} import {n}" for c in written for n in c.get("imports", ())}
    header = ("import sys\n\n" if argv else "") + "import pytest\n\n"
    return header + "\n".join(sorted(imports)) + "\n\n\n" + "\n\n".join(blocks)
