"""Extraction: one log file in; its steps and the failures found in them out."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ci_agent.fix.extractor import Sink
from ci_agent.fix.extractors import default_extractors
from ci_agent.fix.logs import BLOCK_SIZE
from ci_agent.fix.model import Failure
from ci_agent.fix.scan import DEFAULT_WINDOW, Scanner
from ci_agent.fix.steps import StepLog

__all__ = ["Extraction", "extract"]


@dataclass(frozen=True)
class Extraction:
    """What one log holds: its steps and the failures found, in log order."""

    path: Path
    size: int
    steps: tuple[StepLog, ...]
    failures: tuple[Failure, ...]
    dropped: int = 0

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
) -> Extraction:
    """Read the log at ``path`` once, streaming, and return what failed in it.

    ``roots`` are directories whose prefix is stripped from absolute paths (the runner's
    workspace is recognised without help); ``window`` is how many bytes above each error
    marker are searched with every extractor's anchors; ``block_size`` is how much is read at
    a time (memory is about two blocks).
    """
    size = path.stat().st_size
    sink = Sink(roots)
    scanner = Scanner(default_extractors(), sink, window=window)
    scanner.scan(path, size, block_size)
    failures = sorted(sink.failures, key=lambda failure: failure.offset)
    return Extraction(path, size, tuple(scanner.steps.steps), tuple(failures), sink.dropped)
