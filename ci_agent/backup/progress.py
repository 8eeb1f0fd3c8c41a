"""Progress on the terminal for the backup jobs: a byte counter, or a spinner naming stages."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ci_agent.backup.context import JobContext

__all__ = ["bar", "stages"]


@contextmanager
def bar(ctx: JobContext, total: int, description: str) -> Iterator[Callable[[int], None]]:
    """A byte counter of ``total`` bytes."""
    with ctx.term.progress(total, description) as counter:
        yield counter.advance


@contextmanager
def stages(ctx: JobContext, description: str) -> Iterator[Callable[[str], None]]:
    """A spinner naming the current stage on a terminal; the stages as lines elsewhere."""
    with ctx.term.progress(None, description) as spinner:

        def stage(message: str) -> None:
            spinner.describe(message)
            if ctx.term.in_actions or not ctx.term.err.isatty():
                ctx.term.info(message)

        yield stage
