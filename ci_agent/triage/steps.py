"""The steps of a job log, from the runner's markers: where each starts, which failed and how.

In a job log each step starts with ``##[group]Run <command>``, the group holding the step's
script and environment until ``##[endgroup]``; a failed step ends with ``##[error]Process
completed with exit code N.``; timeouts, cancellations and lost runners are ``##[error]`` lines
too. Lines after a failed step (post-job cleanup) belong to a step of their own. A log without
markers (a tool's own output) is one step. A log joined from a run-log archive's step files (or
split from ``gh run view --log-failed``) knows where each step starts and its name: there the
files, not the ``Run`` headers, make the steps (a composite action's inner ``Run`` headers stay
inside its step).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ci_agent.record import Record, fill
from ci_agent.triage.extractor import Cursor, Sink
from ci_agent.triage.model import Failure, Kind, Location
from ci_agent.triage.progress import running_test
from ci_agent.triage.signals import infrastructure_kind

__all__ = [
    "CRASH_CODES",
    "RUNNER",
    "TAIL_LINES",
    "StepFile",
    "StepLog",
    "Steps",
    "runner_kind",
    "tool_line",
]

TAIL_LINES = 40
RUNNER = "github-actions"
_RUN = "##[group]Run "
_COMPLETED = re.compile(r"^Process completed with exit code (-?\d+)")
_RUNNER_MESSAGES = (
    (
        re.compile(r"exceeded the maximum execution time|has timed out after|timed out after"),
        Kind.TIMEOUT,
    ),
    (
        re.compile(
            r"received a shutdown signal|lost communication with the server|"
            r"runner has been lost|hosted runner encountered an error"
        ),
        Kind.RUNNER_LOST,
    ),
    (
        re.compile(r"operation was canceled|operation was cancelled|run was canceled"),
        Kind.CANCELLED,
    ),
)
# What an exit code says: 128 + SIGKILL (the kernel's OOM killer), SIGTERM or SIGINT, or the
# time limit of coreutils' ``timeout`` (which ends the command with SIGTERM and exits 124).
_EXIT_CODES = {
    124: (Kind.TIMEOUT, "exit code 124: the command ran past the time limit `timeout` set"),
    130: (Kind.CANCELLED, "exit code 130: the process was interrupted (SIGINT)"),
    137: (Kind.OOM, "exit code 137: the process was killed (SIGKILL), usually out of memory"),
    143: (Kind.CANCELLED, "exit code 143: the process was terminated (SIGTERM)"),
}
# A crash no tool reported (faulthandler's dump is read elsewhere): a generic error, or a test
# failure when the test running then is known.
# Its code is the signal's name: a crash another extractor reported is left out for that one.
_CRASHES = {
    128 + number: (signal, f"exit code {128 + number}: the process crashed ({signal}: {what})")
    for number, signal, what in (
        (4, "SIGILL", "an illegal instruction"),
        (6, "SIGABRT", "it aborted"),
        (7, "SIGBUS", "a bus error"),
        (8, "SIGFPE", "an arithmetic error"),
        (11, "SIGSEGV", "a segmentation fault"),
    )
}
CRASH_CODES = frozenset(signal for signal, _ in _CRASHES.values())
_EXIT_CODES.update({code: (Kind.ERROR, text) for code, (_, text) in _CRASHES.items()})

# Kinds of a run stopped from outside, mid-test: the test running then is named.
_STOPPED = frozenset({Kind.TIMEOUT, Kind.CANCELLED, Kind.OOM, Kind.RUNNER_LOST})


class StepFile(Record):
    """Where a step starts in a log joined from its steps' files, its number and its name."""

    __slots__ = FIELDS = ("offset", "number", "name")

    offset: int
    number: int
    name: str

    def __init__(self, offset: int, number: int, name: str) -> None:
        fill(self, offset, number, name)


class StepLog(Record, frozen=False):
    """One step as the log shows it; ``body`` is where its output starts (after the header)."""

    __slots__ = FIELDS = ("number", "name", "offset", "body", "failed", "exit_code", "tail", "post")

    number: int
    name: str
    offset: int
    body: int
    failed: bool
    exit_code: int | None
    tail: tuple[str, ...]
    post: bool

    def __init__(  # noqa: PLR0917  (positional, as the dataclass's were)
        self,
        number: int,
        name: str,
        offset: int,
        body: int = 0,
        failed: bool = False,
        exit_code: int | None = None,
        tail: tuple[str, ...] = (),
        post: bool = False,
    ) -> None:
        fill(self, number, name, offset, body, failed, exit_code, tail, post)


def runner_kind(message: str) -> Kind | None:
    """The kind a runner ``##[error]`` message names: timeout, runner lost or cancellation."""
    for pattern, kind in _RUNNER_MESSAGES:
        if pattern.search(message):
            return kind
    return None


def tool_line(text: str) -> str | None:
    """The tool's line an ``##[error]`` marker carries (a problem matcher marks the lines it
    matches so: ``##[error]src/app.py:3: error: …``; an ``::error::`` command's message), or
    None for the runner's own messages (exit codes, time limits, cancellations)."""
    if not text.startswith("##[error]"):
        return None
    message = text.removeprefix("##[error]")
    if _COMPLETED.match(message) or runner_kind(message) is not None:
        return None
    return message


class Steps:
    """Follows the runner's markers through a log."""

    def __init__(self, files: Sequence[StepFile] = ()) -> None:
        self.files = tuple(files)
        first = files[0] if files else StepFile(0, 1, "Set up job")
        self.steps = [StepLog(first.number, first.name, 0, post=_is_post(first.name))]
        self.in_header = False
        self.grouped = bool(files)
        self.errored = False  # a runner's error marker was seen
        self._next = 1  # the next file to start a step

    def boundary(self, offset: int) -> bool:
        """At a line starting at ``offset``: True when a step file starts there (its step
        starts)."""
        files, started = self.files, False
        while self._next < len(files) and files[self._next].offset <= offset:
            step = files[self._next]
            self._next += 1
            if step.offset == offset:  # every file starts a line: none is passed over
                self.in_header = False
                post = _is_post(step.name)
                self.steps.append(StepLog(step.number, step.name, offset, body=offset, post=post))
                started = True
        return started

    def offsets(self, start: int, end: int) -> list[int]:
        """The offsets in ``[start, end)`` where a step file starts (past the first)."""
        return [f.offset for f in self.files[1:] if start <= f.offset < end]

    @property
    def current(self) -> StepLog:
        """The step the next line belongs to."""
        return self.steps[-1]

    def marker(self, text: str, cursor: Cursor, sink: Sink, *, header: bool = True) -> bool:
        """Handle a ``##[...]`` line; True when it starts a new step. A ``Run`` group that is
        not a step's ``header`` is a group of the step's output (see :mod:`.groups`)."""
        if text.startswith(_RUN):
            if not header:
                return False
            if self.files:  # the step began with its file: its script and environment follow
                self.in_header = True
                return False
            self.grouped = True
            self._start(text.removeprefix("##[group]").strip(), cursor.offset)
            self.in_header = True
            return True
        if text.startswith("##[endgroup]"):
            if self.in_header:
                self.in_header = False
                self.current.body = cursor.offset
            return False
        if text.startswith("##[error]"):
            self.in_header = False
            return self._error(text.removeprefix("##[error]").strip(), cursor, sink)
        return False

    def finish(self, cursor: Cursor) -> None:
        """At the end of the log: name a marker-less log, and make sure a step failed."""
        if not self.grouped:
            self.steps[0].name = "log"
        if any(step.failed for step in self.steps):
            return
        main = [step for step in self.steps if not step.post]
        last = main[-1] if main else self.steps[-1]
        last.failed = True
        last.tail = _tail(cursor, last)

    def _start(self, name: str, offset: int, *, post: bool = False) -> None:
        number = len(self.steps) + 1
        self.steps.append(StepLog(number, name, offset, body=offset, post=post))

    def _error(self, message: str, cursor: Cursor, sink: Sink) -> bool:
        step = self.current
        step.failed = self.errored = True
        if not step.tail:
            step.tail = _tail(cursor, step)
        completed = _COMPLETED.match(message)
        if completed is None:
            kind = runner_kind(message) or infrastructure_kind(message) or Kind.ERROR
            line = f"##[error]{message}"
            sink.add(_failure(kind, message, cursor, line, step.tail, crash=None))
            return False
        step.exit_code = int(completed.group(1))
        if step.exit_code in _EXIT_CODES:
            kind, explanation = _EXIT_CODES[step.exit_code]
            crash = _CRASHES.get(step.exit_code, (None, ""))[0]
            line = f"##[error]{message}"
            sink.add(_failure(kind, explanation, cursor, line, step.tail, crash=crash))
        if not step.post and not self.files:  # what follows is post-job cleanup, not this step
            self._start(f"after {step.name}", cursor.offset, post=True)
            return True
        return False


def _is_post(name: str) -> bool:
    """Whether a step named so runs after the job's own steps (a ``Post`` step, the end)."""
    return name.startswith("Post ") or name == "Complete job"


def _tail(cursor: Cursor, step: StepLog) -> tuple[str, ...]:
    lines = cursor.before(TAIL_LINES, since=max(step.body, step.offset))
    return tuple(line for line in lines if not line.startswith("##["))


def _failure(
    kind: Kind,
    message: str,
    cursor: Cursor,
    line: str,
    tail: tuple[str, ...],
    *,
    crash: str | None,
) -> Failure:
    """The runner's failure; a run that was stopped or crashed names the test running then
    (a crash is then that test's failure)."""
    running = running_test(tail) if kind in _STOPPED or crash else None
    if running is None:
        return Failure(
            kind,
            RUNNER,
            message,
            code=crash,
            context=(line,),
            step=cursor.step,
            offset=cursor.offset,
        )
    path, node = running
    test = node or f"a test of {path}"
    if crash:
        kind = Kind.TEST
    return Failure(
        kind,
        RUNNER,
        f"{message} (while {test} ran: its result never came)",
        test_id=node,
        location=Location(path) if path else None,
        code=crash,
        context=(*tail[-3:], line),
        step=cursor.step,
        offset=cursor.offset,
    )
