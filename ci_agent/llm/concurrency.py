"""Run many LLM calls with at most N in flight, results in the order of the inputs.

Threads, not asyncio: the callers (review, tests, fix pipelines) are synchronous code, the
openai SDK's sync client is thread-safe and shares one connection pool, and the retry policy,
budget and metrics are already thread-safe. The work is waiting on the network, so the GIL
does not matter; asyncio would force an async API on every caller for no gain.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Generic, TypeVar

from ci_agent.errors import CiAgentError

__all__ = ["Outcome", "map_bounded"]

T = TypeVar("T")
I = TypeVar("I")  # noqa: E741 - the input type


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """One item's result: its value, or the coded error that stopped it (CA405, CA402, ...)."""

    value: T | None = None
    error: CiAgentError | None = None

    @property
    def ok(self) -> bool:
        """True when the call returned a value."""
        return self.error is None


def map_bounded(
    call: Callable[[I], T], items: Iterable[I], max_concurrency: int
) -> list[Outcome[T]]:
    """Apply ``call`` to every item with at most ``max_concurrency`` running at once.

    A coded error (CiAgentError) becomes that item's Outcome, so one refused or failed
    request does not hide the others' results; any other exception cancels what has not
    started and propagates.
    """
    work = list(items)
    if max_concurrency < 1:
        raise ValueError("max_concurrency must be at least 1")
    if max_concurrency == 1 or len(work) <= 1:
        return [_run(call, item) for item in work]
    with ThreadPoolExecutor(max_workers=min(max_concurrency, len(work))) as pool:
        futures: list[Future[Outcome[T]]] = [pool.submit(_run, call, item) for item in work]
        try:
            return [future.result() for future in futures]
        except BaseException:
            for future in futures:
                future.cancel()
            raise


def _run(call: Callable[[I], T], item: I) -> Outcome[T]:
    try:
        return Outcome(value=call(item))
    except CiAgentError as error:
        return Outcome(error=error)
