"""The offline engine: probe the target on small inputs in the project's environment, keep
the inputs that run its missing lines and branches or tell its mutants apart, and write them
as a readable parametrised test of the values observed."""

from __future__ import annotations

import json
import threading
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
    """Observed-value tests for plain functions, chosen by coverage and mutants; one probe
    process per module probes all its targets."""

    executor: Executor
    root: Path
    work: Path
    sources: Mapping[str, str]
    limits: Limits
    _answers: dict[str, dict[str, Any]] = field(default_factory=dict, compare=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    @property
    def name(self) -> str:
        """``examples``."""
        return "examples"

    def prepare(self, targets: Sequence[Target]) -> None:
        """Probe the targets module by module now (``propose`` then finds the answers)."""
        modules: dict[str, list[Target]] = {}
        for target in targets:
            if "." not in target.qualname:
                modules.setdefault(target.module, []).append(target)
        for group in modules.values():
            with self._lock:
                self._probe([t for t in group if t.key not in self._answers])

    def propose(self, context: TargetContext, previous: Verdict | None) -> Proposal:
        """A module of examples for the target, or why there is none."""
        target = context.target
        if "." in target.qualname:
            return Proposal(None, "the examples engine tests module-level functions only")
        with self._lock:
            if target.key not in self._answers:
                self._probe([target])
            data = self._answers[target.key]
        if data.get("problem"):
            return Proposal(None, f"cannot probe {target.qualname}: {data['problem']}")
        goals = set(target.missing_lines) | {f"{a}->{b}" for a, b in target.missing_branches}
        cases = choose_cases(data["cases"], goals)
        if not cases:
            return Proposal(None, "no deterministic input with an assertable result was found")
        return Proposal(
            render_module(target.module, target.qualname, data["names"], data["kinds"], cases)
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
        ask.write_text(json.dumps({"requests": requests}), encoding="utf-8")
        with scratch_copy(self.root) as copy:
            ran = self.executor.python(
                [str(PROBE), str(ask), str(answer)],
                cwd=copy,
                timeout=self.limits.test_timeout * 2 * len(targets),
                env=pytest_env(copy, guard_dir(self.work), self.limits),
            )
        ask.unlink(missing_ok=True)
        answers: list[dict[str, Any]] = []
        if answer.is_file():
            answers = json.loads(answer.read_text(encoding="utf-8")).get("answers", [])
            answer.unlink()
        failed = "the probe failed: " + (ran.output.strip()[-300:] or "no output")
        for n, target in enumerate(targets):
            self._answers[target.key] = answers[n] if n < len(answers) else {"problem": failed}


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
        best = max(cases, key=lambda c: len(reach(c) - done), default=None)
        if best is None or not reach(best) - done:
            break
        chosen.append(best)
        done |= reach(best)
    return chosen


def render_module(
    module: str, function: str, names: list[str], kinds: list[str], cases: list[dict[str, Any]]
) -> str:
    """The test module: one parametrised test of returned values, one per exception type."""
    call = ", ".join(n if k == "pos" else f"{n}={n}" for n, k in zip(names, kinds, strict=True))
    imports = {f"from {module} import {function}"}
    blocks = []
    returns = [c for c in cases if c["kind"] == "returns"]
    if returns:
        rows = "".join(f"        ({', '.join([*c['args'], c['value']])}),\n" for c in returns)
        params = ", ".join(f'"{n}"' for n in [*names, "expected"])
        blocks.append(
            f"@pytest.mark.parametrize(\n    ({params}),\n    [\n{rows}    ],\n)\n"
            f"def test_{function}_returns({', '.join([*names, 'expected'])}):\n"
            f"    assert {function}({call}) == expected\n"
        )
    raised: dict[str, list[dict[str, Any]]] = {}
    for case in cases:
        if case["kind"] == "raises":
            raised.setdefault(str(case["value"]), []).append(case)
    for qualified, group in sorted(raised.items()):
        owner, _, name = qualified.rpartition(".")
        if owner not in ("builtins", module):
            continue
        if owner == module:
            imports.add(f"from {module} import {name}")
        test = (
            f"def test_{function}_raises_{name.lower()}({', '.join(names)}):\n"
            f"    with pytest.raises({name}):\n        {function}({call})\n"
        )
        if not names:
            blocks.append(test)
            continue
        if len(names) == 1:
            rows = "".join(f"        {c['args'][0]},\n" for c in group)
            params = f'"{names[0]}"'
        else:
            rows = "".join(f"        ({', '.join(c['args'])}),\n" for c in group)
            params = "(" + ", ".join(f'"{n}"' for n in names) + ")"
        blocks.append(f"@pytest.mark.parametrize(\n    {params},\n    [\n{rows}    ],\n)\n{test}")
    header = "import pytest\n\n" + "\n".join(sorted(imports)) + "\n\n\n"
    return header + "\n\n".join(blocks)
