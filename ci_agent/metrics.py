"""Per-run counters: durations, GitHub API calls, LLM tokens and cost."""

from __future__ import annotations

import time
from _thread import allocate_lock
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the snapshot's classes load when one is taken (the JSON envelope, -vv)
    from ci_agent.metrics_snapshot import MetricsSnapshot

__all__ = ["Metrics"]


class Metrics:
    """Counters for one run, shared by the layers that do the work; thread-safe."""

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self._clock = clock
        # The lock itself, not the threading module: a run that starts no thread (most
        # commands) does not import it.
        self._lock = allocate_lock()
        self._durations: dict[str, float] = {}
        self._api_calls: Counter[str] = Counter()
        self._rate_remaining: int | None = None
        self._llm_requests = 0
        self._tokens_in = 0
        self._tokens_out = 0
        self._cost = 0.0

    @contextmanager
    def timed(self, name: str) -> Iterator[None]:
        """Add the wall time of the block to the duration named ``name``."""
        start = self._clock()
        try:
            yield
        finally:
            elapsed = self._clock() - start
            with self._lock:
                self._durations[name] = self._durations.get(name, 0.0) + elapsed

    def count_api_call(self, endpoint: str, remaining: int | None = None) -> None:
        """Record one GitHub request and the quota left after it."""
        with self._lock:
            self._api_calls[endpoint] += 1
            if remaining is not None:
                self._rate_remaining = remaining

    def count_llm(self, tokens_in: int, tokens_out: int, cost: float) -> None:
        """Record one LLM request's usage."""
        with self._lock:
            self._llm_requests += 1
            self._tokens_in += tokens_in
            self._tokens_out += tokens_out
            self._cost += cost

    @property
    def tokens(self) -> int:
        """Input plus output tokens so far."""
        return self._tokens_in + self._tokens_out

    @property
    def cost(self) -> float:
        """Cost in US dollars so far."""
        return self._cost

    def snapshot(self) -> MetricsSnapshot:
        """The counters at this moment (the JSON envelope's ``metrics`` is its JSON form)."""
        from ci_agent.metrics_snapshot import ApiCalls, LLMUsage, MetricsSnapshot

        with self._lock:
            return MetricsSnapshot(
                {k: round(v, 3) for k, v in sorted(self._durations.items())},
                ApiCalls(
                    sum(self._api_calls.values()),
                    dict(sorted(self._api_calls.items())),
                    self._rate_remaining,
                ),
                LLMUsage(self._llm_requests, self._tokens_in, self._tokens_out, self._cost),
            )
