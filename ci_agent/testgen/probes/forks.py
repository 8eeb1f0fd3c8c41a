"""pytest plugin of the mutant gate, loaded into the project's pytest: the tests are collected
once, then each job (a pack of mutants and the tests to run against it) runs in a child forked
from that process, with the mutated functions' code swapped in, so a mutant costs a fork and
its tests instead of a new interpreter, its imports and a collection.

A child swaps the code of functions only: a mutant that changes what runs at import (module or
class level code, default values, decorators) cannot be applied this way, and the child says
so (exit status 3, an ``unapplied`` record) for the funnel to run that pack in a process of its
own. The caller leaves out mutants of lines that ran outside any test (at import or
collection), whose effect a fork taken after collection would miss.

With ``"before": true`` in the plan, the children are forked before collection instead: each
child collects its job's tests itself, importing the mutated files' source through an import
hook, and ends as pytest ends (its exit status is pytest's). That is a fresh process's run
without the interpreter's start and pytest's plugins, for mutants a code swap cannot show.
A mutated file already imported before collection (by a conftest) cannot be shown this way.

The plan (JSON, its path in ``CI_AGENT_TESTGEN_FORKS``): ``{"jobs": [{"report": path, "tests":
[test ids], "limit": seconds per test, "timeout": seconds for the job, "sources": {path:
mutated source}}]}``. Each child writes the per-test report's events into its job's report;
the parent appends ``{"kind": "exit", "status": N}`` once the child has ended (N is its exit
status: 0 when every test passed, 1 when one failed, negative for a signal).
"""

from __future__ import annotations

import gc
import importlib.machinery
import json
import os
import signal
import sys
import time
import types
from pathlib import Path
from typing import Any

import pytest

__all__ = ["CANNOT_APPLY", "PLAN_VARIABLE", "pytest_runtestloop"]

PLAN_VARIABLE = "CI_AGENT_TESTGEN_FORKS"
REPORT_MODULE = "ci_agent_testgen_report"
CANNOT_APPLY = 3
_NEWLOCALS = 0x0002  # inspect.CO_NEWLOCALS: functions (lambdas, comprehensions) have it

Index = dict[str, tuple[str, dict[tuple[str, int], list[types.FunctionType]]]]


_FORKED: list[bool] = []  # holds True in a child forked before collection


@pytest.hookimpl(tryfirst=True)
def pytest_collection(session: pytest.Session) -> bool | None:
    """With a plan to fork before collection: fork each job's child here; the child goes on
    to collect and run its own tests, the parent collects nothing."""
    plan_path = os.environ.get(PLAN_VARIABLE, "")
    if not plan_path or _FORKED:
        return None
    plan = json.loads(Path(plan_path).read_text(encoding="utf-8"))
    if not plan.get("before"):
        return None
    loaded = {
        os.path.realpath(str(getattr(m, "__file__", "") or "")) for m in list(sys.modules.values())
    }
    for job in plan["jobs"]:
        mutated = {os.path.realpath(p): text for p, text in job["sources"].items()}
        if loaded & set(mutated):
            _record(job["report"], kind="unapplied", why="imported before collection")
            status = CANNOT_APPLY
        elif not hasattr(os, "fork"):
            _record(job["report"], kind="unapplied", why="this platform cannot fork")
            status = CANNOT_APPLY
        else:
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                _before(session, job, mutated)
                return None  # the child collects and runs its job's tests, then exits
            status = _wait(pid, float(job["timeout"]))
        _record(job["report"], kind="exit", status=status)
    session.items = []
    session.testscollected = 0
    return True


def _before(session: pytest.Session, job: dict[str, Any], mutated: dict[str, str]) -> None:
    _FORKED.append(True)
    _own_report(job)
    sys.meta_path.insert(0, _Finder(mutated))
    # Only this job's tests, as a process of its own would be given.
    session.config.args = [str(test) for test in job["tests"]]


class _Loader(importlib.machinery.SourceFileLoader):
    """Loads a mutated file's text instead of the file (never from a bytecode cache)."""

    text = ""

    def get_code(self, fullname: str) -> types.CodeType:
        """The mutated text, compiled under the file's name."""
        return compile(self.text, self.path, "exec", dont_inherit=True)


class _Finder:
    """Finds modules as the path finder does; a mutated file gets the mutated text."""

    def __init__(self, mutated: dict[str, str]) -> None:
        self.mutated = mutated

    def find_spec(
        self, fullname: str, path: Any = None, target: Any = None
    ) -> importlib.machinery.ModuleSpec | None:
        """The path finder's spec, with the mutated text's loader for a mutated file."""
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or not spec.origin:
            return None
        text = self.mutated.get(os.path.realpath(spec.origin))
        if text is None:
            return None
        loader = _Loader(fullname, spec.origin)
        loader.text = text
        spec.loader = loader
        return spec


def _own_report(job: dict[str, Any]) -> None:
    """The report plugin's module-level settings, made this job's."""
    report: Any = sys.modules[REPORT_MODULE]
    path = str(job["report"])
    limit = float(job["limit"])
    report._OUT = Path(path).open("a", encoding="utf-8")  # noqa: SIM115
    report._LIMIT = limit
    watch = Path(path + ".watchdog")
    report._WATCH = watch.open("w", encoding="utf-8") if limit > 0 else None


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> bool | None:
    """Run the plan's jobs, each in a forked child, instead of the session's tests."""
    plan_path = os.environ.get(PLAN_VARIABLE, "")
    if not plan_path or _FORKED:
        return None
    plan = json.loads(Path(plan_path).read_text(encoding="utf-8"))
    if plan.get("before"):
        return True
    items = {item.nodeid: item for item in session.items}
    index = _functions()
    for job in plan["jobs"]:
        selected = [items[test] for test in job["tests"] if test in items]
        if hasattr(os, "fork"):
            status = _fork(session, selected, job, index)
        else:
            _record(job["report"], kind="unapplied", why="this platform cannot fork")
            status = CANNOT_APPLY
        _record(job["report"], kind="exit", status=status)
    return True


def _record(path: str, **event: Any) -> None:
    with Path(path).open("a", encoding="utf-8") as out:
        out.write(json.dumps(event) + "\n")


def _fork(
    session: pytest.Session, selected: list[pytest.Item], job: dict[str, Any], index: Index
) -> int:
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        code = 70  # an error of this plugin in the child: the funnel runs the pack apart
        try:
            code = _child(session, selected, job, index)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    return _wait(pid, float(job["timeout"]))


def _wait(pid: int, timeout: float) -> int:
    """The child's exit status (negative: the signal that ended it)."""
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return _exit_code(status)
        if time.monotonic() > deadline:
            # The watchdog in the child should have ended a hung test; this is the backstop.
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return -signal.SIGKILL
        time.sleep(0.005)


def _exit_code(status: int) -> int:
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def _child(
    session: pytest.Session, selected: list[pytest.Item], job: dict[str, Any], index: Index
) -> int:
    report: Any = sys.modules[REPORT_MODULE]
    _own_report(job)
    problem = _apply(job["sources"], index)
    if problem:
        report._write(kind="unapplied", why=problem)
        return CANNOT_APPLY
    report._write(kind="collected", ids=[item.nodeid for item in selected])
    before = session.testsfailed
    for number, item in enumerate(selected):
        following = selected[number + 1] if number + 1 < len(selected) else None
        item.config.hook.pytest_runtest_protocol(item=item, nextitem=following)
        if session.shouldfail or session.shouldstop:
            break
    failed = session.testsfailed > before
    report._write(kind="end", status=int(failed))
    return 1 if failed else 0


def _functions() -> Index:
    """Every live function by the real path of its file, its name and its first line."""
    index: Index = {}
    for found in gc.get_objects():
        if not isinstance(found, types.FunctionType):
            continue
        code = found.__code__
        real = os.path.realpath(code.co_filename)
        entry = index.setdefault(real, (code.co_filename, {}))
        entry[1].setdefault((code.co_name, code.co_firstlineno), []).append(found)
    return index


def _apply(sources: dict[str, str], index: Index) -> str:
    """Swap in the mutated functions' code; why not, when the mutant is not inside one."""
    for relative, text in sources.items():
        real = os.path.realpath(relative)
        if real not in index:
            return f"no live function comes from {relative}"
        filename, functions = index[real]
        original = Path(real).read_text(encoding="utf-8")
        old = compile(original, filename, "exec", dont_inherit=True)
        new = compile(text, filename, "exec", dont_inherit=True)
        swaps: list[tuple[types.CodeType, types.CodeType]] = []
        problem = _pair(old, new, swaps)
        if problem:
            return problem
        for before, after in swaps:
            live = [
                f
                for f in functions.get((before.co_name, before.co_firstlineno), [])
                if f.__code__ == before
            ]
            if not live:
                return f"no live function runs {before.co_name} (line {before.co_firstlineno})"
            for function in live:
                try:
                    function.__code__ = after
                except ValueError as exc:  # its closure no longer fits
                    return f"{before.co_name}: {exc}"
                # A docstring is the code's first constant, copied to __doc__ at definition.
                if function.__doc__ is not None and before.co_consts[:1] == (function.__doc__,):
                    doc = after.co_consts[0] if after.co_consts else None
                    function.__doc__ = doc if isinstance(doc, str) else None
    return ""


def _pair(old: types.CodeType, new: types.CodeType, swaps: list[Any]) -> str:
    """Functions whose code differs; a change anywhere else (module or class bodies) is a
    change to what runs at import."""
    if old == new:
        return ""
    if old.co_flags & _NEWLOCALS:
        if (old.co_name, old.co_firstlineno) != (new.co_name, new.co_firstlineno):
            return f"{old.co_name} moved"
        swaps.append((old, new))
        return ""
    inner = [c for c in old.co_consts if isinstance(c, types.CodeType)]
    other = [c for c in new.co_consts if isinstance(c, types.CodeType)]
    if len(inner) != len(other) or _shell(old) != _shell(new):
        return f"the mutant changes code that runs at import ({old.co_name})"
    for a, b in zip(inner, other, strict=True):
        problem = _pair(a, b, swaps)
        if problem:
            return problem
    return ""


def _shell(code: types.CodeType) -> types.CodeType:
    """The code without its nested code objects and without positions (a function's end
    column, which its definition's position holds, may move with the mutant)."""
    consts = tuple(
        ("<code>", c.co_name, c.co_firstlineno) if isinstance(c, types.CodeType) else c
        for c in code.co_consts
    )
    return code.replace(co_consts=consts, co_linetable=b"")
