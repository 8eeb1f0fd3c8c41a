"""Extraction: one log file in; its steps and the failures found in them out."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from ci_agent.record import Record, fill, replace
from ci_agent.triage.extractor import Sink
from ci_agent.triage.extractors import default_extractors
from ci_agent.triage.extractors.pytest import ROOTDIR
from ci_agent.triage.logs import BLOCK_SIZE, clean, read_blocks
from ci_agent.triage.model import Failure, Kind, Location
from ci_agent.triage.paths import is_library
from ci_agent.triage.scan import DEFAULT_WINDOW, Scanner
from ci_agent.triage.steps import CRASH_CODES, RUNNER, StepFile, StepLog

__all__ = ["Extraction", "extract"]

_ROOTDIR = b"rootdir: "
_ABSOLUTE = re.compile(r"^(?:/|[A-Za-z]:[\\/])")


class Extraction(Record):
    """What one log holds: its steps and the failures found, in log order."""

    __slots__ = FIELDS = ("path", "size", "steps", "failures", "dropped", "errored")

    path: Path
    size: int
    steps: tuple[StepLog, ...]
    failures: tuple[Failure, ...]
    dropped: int
    errored: bool  # the runner marked an error (``##[error]``): in a run's archive, it failed

    def __init__(  # noqa: PLR0917  (positional, as the dataclass's were)
        self,
        path: Path,
        size: int,
        steps: tuple[StepLog, ...],
        failures: tuple[Failure, ...],
        dropped: int = 0,
        errored: bool = True,
    ) -> None:
        fill(self, path, size, steps, failures, dropped, errored)

    def failed_steps(self) -> tuple[StepLog, ...]:
        """The steps that failed (the runner's error markers; else the log's last step)."""
        return tuple(step for step in self.steps if step.failed)

    def failures_in(self, steps: tuple[StepLog, ...]) -> tuple[Failure, ...]:
        """The failures found in ``steps``."""
        numbers = {step.number for step in steps}
        return tuple(f for f in self.failures if f.step in numbers)

    def step(self, number: int) -> StepLog | None:
        """Step ``number`` of the log."""
        return next((s for s in self.steps if s.number == number), None)


def extract(
    path: Path,
    *,
    roots: tuple[str, ...] = (),
    window: int = DEFAULT_WINDOW,
    block_size: int = BLOCK_SIZE,
    steps: Sequence[StepFile] = (),
) -> Extraction:
    """Read the log at ``path`` once, streaming, and return what failed in it.

    ``roots`` are directories whose prefix is stripped from absolute paths (the runner's
    workspace is recognised without help); ``window`` is how many bytes above each error
    marker are searched with every extractor's anchors; ``block_size`` is how much is read at
    a time (memory is about two blocks); ``steps`` are where the log's steps start when it was
    joined from step files (they, not the runner's ``Run`` headers, make and name the steps).
    """
    size = path.stat().st_size
    sink = Sink(roots)
    scanner = Scanner(default_extractors(), sink, window=window, steps=steps)
    scanner.scan(path, size, block_size)
    failures = _without_told_crashes(sorted(sink.failures, key=lambda failure: failure.offset))
    if any(_absolute(f) for f in failures):
        failures = _relative_to_rootdirs(path, failures, sink, block_size)
    steps_seen = scanner.steps
    return Extraction(
        path, size, tuple(steps_seen.steps), tuple(failures), sink.dropped, steps_seen.errored
    )


def _without_told_crashes(failures: list[Failure]) -> list[Failure]:
    """Without the runner's "the process crashed" of a step whose crash a tool's output told
    (faulthandler's dump, pytest-xdist's report): the same crash, said with less; and without
    the runner's generic error of an ``##[error]`` line that a tool's extractor read (a line a
    problem matcher marked: the tool's failure says it)."""
    told = {f.step for f in failures if f.tool != RUNNER and "crashed" in f.message}
    read = {f.offset for f in failures if f.tool != RUNNER}
    return [
        f
        for f in failures
        if not (f.tool == RUNNER and f.code in CRASH_CODES and f.step in told)
        and not (f.tool == RUNNER and f.kind is Kind.ERROR and f.offset in read)
    ]


def _absolute(failure: Failure) -> bool:
    location = failure.location  # in the project (installed packages stay absolute)
    return (
        location is not None
        and _ABSOLUTE.match(location.path) is not None
        and not is_library(location.path)
    )


def _relative_to_rootdirs(
    path: Path, failures: list[Failure], sink: Sink, block_size: int
) -> list[Failure]:
    """Paths left absolute, made relative to pytest's ``rootdir`` lines found anywhere in the
    log (printed once, at a session's start: often far above the window an error marker
    opens). A second read, only when some path is still absolute."""
    before = len(sink.roots)
    for block in read_blocks(path, block_size):
        data = block.data
        at = data.find(_ROOTDIR, 0, block.end)
        while at >= 0:
            start = data.rfind(b"\n", 0, at) + 1
            stop = data.find(b"\n", at, block.end)
            found = ROOTDIR.match(clean(data[start : stop if stop >= 0 else block.end]))
            if found:
                sink.add_root(found.group(1))
            at = data.find(_ROOTDIR, at + 1, block.end)
    if len(sink.roots) == before:
        return failures
    return [
        replace(f, location=Location(sink.relative(f.location.path), f.location.line))
        if f.location is not None and _absolute(f)
        else f
        for f in failures
    ]
