"""Per-test outcomes of one pytest process: a small plugin loaded into batch runs writes one JSON
line per event (collected, started, result, finished), so the funnel knows which test of which
candidate failed, which one was running when the process died, and which never ran."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["REPORT_MODULE", "REPORT_PLUGIN", "TestOutcomes", "read_outcomes"]

REPORT_MODULE = "ci_agent_testgen_report"

# Runs inside the project's pytest (7 or later): only hooks and the standard library. Each line
# is flushed as it is written, so what happened before a crash or a timeout survives it. The
# watchdog (faulthandler) ends a test that runs past its limit, whatever code it is stuck in;
# the coverage context names the running test, as pytest-cov's --cov-context does.
REPORT_PLUGIN = """\
import faulthandler
import json
import os

_PATH = os.environ.get("CI_AGENT_TESTGEN_REPORT", "")
_LIMIT = float(os.environ.get("CI_AGENT_TESTGEN_TEST_LIMIT", "0") or 0)
_CONTEXTS = os.environ.get("CI_AGENT_TESTGEN_CONTEXTS") == "1"
_OUT = open(_PATH, "a", encoding="utf-8") if _PATH else None
# The watchdog writes its traceback here (pytest captures stderr, and the process then exits).
_WATCH = open(_PATH + ".watchdog", "w", encoding="utf-8") if _PATH and _LIMIT > 0 else None


def _write(**record):
    if _OUT is not None:
        _OUT.write(json.dumps(record) + "\\n")
        _OUT.flush()


def _context(name):
    if not _CONTEXTS:
        return
    try:
        import coverage

        current = coverage.Coverage.current()
        if current is not None:
            current.switch_context(name)
    except Exception:
        pass


def pytest_collectreport(report):
    if report.failed:
        _write(kind="collect-error", path=report.nodeid, text=str(report.longrepr)[-3000:])


def pytest_collection_finish(session):
    _write(kind="collected", ids=[item.nodeid for item in session.items])


def pytest_runtest_logstart(nodeid, location):
    _write(kind="start", id=nodeid)
    if _LIMIT > 0:
        faulthandler.dump_traceback_later(_LIMIT, exit=True, file=_WATCH)
    _context(nodeid)


def pytest_runtest_logreport(report):
    if report.failed or report.when == "call":
        text = report.longreprtext[-3000:] if report.failed else ""
        _write(
            kind="result",
            id=report.nodeid,
            when=report.when,
            outcome=report.outcome,
            seconds=report.duration,
            text=text,
        )


def pytest_runtest_logfinish(nodeid, location):
    if _LIMIT > 0:
        faulthandler.cancel_dump_traceback_later()
    _context("")
    _write(kind="finish", id=nodeid)


def pytest_sessionfinish(session, exitstatus):
    _write(kind="end", status=int(exitstatus))
"""


@dataclass(frozen=True)
class TestOutcomes:
    """What one process reported, test by test."""

    __test__ = False

    collected: tuple[str, ...] = ()
    failed: dict[str, str] = field(default_factory=dict)  # test id -> failure text
    finished: frozenset[str] = frozenset()
    collect_errors: dict[str, str] = field(default_factory=dict)  # file -> error text
    running: str | None = None  # started, never finished: the process died or hung in it
    seconds: dict[str, float] = field(default_factory=dict)  # test id -> call duration
    ended: bool = False  # the session finished (the process was not killed)
    hung: bool = False  # the watchdog ended the process: the running test passed its limit
    # A forked child of the mutant gate: its exit status as its parent saw it (None when the
    # parent never saw it end), and why its mutants could not be swapped in.
    exit: int | None = None
    unapplied: str = ""

    def passed(self, test: str) -> bool:
        """The test ran to its end and no phase of it failed."""
        return test in self.finished and test not in self.failed


def read_outcomes(path: Path) -> TestOutcomes:
    """The report file's events (an absent or partly written file gives what it holds) and
    whether the watchdog fired (its file beside the report holds a traceback)."""
    collected: list[str] = []
    failed: dict[str, str] = {}
    finished: set[str] = set()
    errors: dict[str, str] = {}
    seconds: dict[str, float] = {}
    started: str | None = None
    ended = False
    exit: int | None = None
    unapplied = ""
    text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
    watchdog = Path(f"{path}.watchdog")
    hung = watchdog.is_file() and watchdog.stat().st_size > 0
    for line in text.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue  # a line cut by the process's death
        if not isinstance(event, dict):
            continue
        kind = event.get("kind")
        if kind == "collected":
            collected = [str(i) for i in event.get("ids", [])]
        elif kind == "collect-error":
            errors[str(event.get("path", ""))] = str(event.get("text", ""))
        elif kind == "start":
            started = str(event.get("id"))
        elif kind == "result":
            test = str(event.get("id"))
            if event.get("outcome") == "failed":
                failed.setdefault(test, f"[{event.get('when')}] {event.get('text', '')}")
            if event.get("when") == "call":
                seconds[test] = float(event.get("seconds") or 0.0)
        elif kind == "finish":
            finished.add(str(event.get("id")))
            started = None
        elif kind == "end":
            ended = True
        elif kind == "exit":
            exit = int(event.get("status", -1))
        elif kind == "unapplied":
            unapplied = str(event.get("why", "")) or "not applied"
    return TestOutcomes(
        tuple(collected),
        failed,
        frozenset(finished),
        errors,
        started,
        seconds,
        ended,
        hung,
        exit,
        unapplied,
    )
