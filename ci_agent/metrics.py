"""Per-run counters: durations, GitHub API calls, LLM tokens and cost."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["Metrics"]


class Metrics:
    """Counters for one run, shared by the layers that do the work; thread-safe."""

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self._clock = clock
        self._lock = threading.Lock()
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

    def to_dict(self) -> dict[str, Any]:
        """The ``metrics`` object of the JSON envelope."""
        with self._lock:
            return {
                "durations_s": {k: round(v, 3) for k, v in sorted(self._durations.items())},
                "api_calls": {
                    "total": sum(self._api_calls.values()),
                    "by_endpoint": dict(sorted(self._api_calls.items())),
                    "rate_limit_remaining": self._rate_remaining,
                },
                "llm": {
                    "requests": self._llm_requests,
                    "tokens_in": self._tokens_in,
                    "tokens_out": self._tokens_out,
                    "cost_usd": round(self._cost, 6),
                },
            }
