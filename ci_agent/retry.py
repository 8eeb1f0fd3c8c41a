"""The one retry policy: how long to wait after a failed call, and when to give up.

Order of precedence for the wait, as GitHub documents for its rate limits:
``retry-after`` if the answer has it; else, when ``x-ratelimit-remaining`` is 0, until
``x-ratelimit-reset``; else a secondary rate limit waits at least a minute; else exponential
backoff with jitter, capped. The total wait of a run is bounded; time is injectable so tests
never sleep.
"""

from __future__ import annotations

import datetime
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

__all__ = [
    "Clock",
    "Failure",
    "RetryConfig",
    "RetryExhausted",
    "RetryPolicy",
    "SystemClock",
    "header",
]

T = TypeVar("T")

# GitHub: "If you exceed a secondary rate limit ... wait at least one minute before retrying."
SECONDARY_LIMIT_MIN_WAIT = 60.0


class Clock(Protocol):
    """Wall time (for reset epochs) and sleeping; a fake in tests."""

    def time(self) -> float:
        """Seconds since the epoch."""

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds``."""


class SystemClock:
    """The real clock."""

    def time(self) -> float:
        """Seconds since the epoch."""
        return time.time()

    def sleep(self, seconds: float) -> None:
        """Sleep for real."""
        time.sleep(seconds)


@dataclass(frozen=True)
class RetryConfig:
    """Limits of the policy; ``max_total_wait`` comes from Settings."""

    max_attempts: int = 6
    base_delay: float = 1.0
    max_delay: float = 60.0
    max_total_wait: float = 300.0
    jitter: float = 0.25


@dataclass(frozen=True)
class Failure:
    """A failed attempt as the policy sees it: status (None for network errors) and headers."""

    status: int | None
    headers: Mapping[str, str] = field(default_factory=dict)
    kind: str = "server"  # rate_limit | secondary | server | network | timeout | client
    detail: str = ""

    @property
    def retryable(self) -> bool:
        """Client errors (4xx other than rate limits) are final."""
        return self.kind != "client"


class RetryExhausted(Exception):  # a signal to the caller, who maps it to a coded error
    """The policy gave up; the caller turns this into its coded error."""

    def __init__(self, failure: Failure, attempts: int, waited: float, reason: str) -> None:
        super().__init__(reason)
        self.failure = failure
        self.attempts = attempts
        self.waited = waited
        self.reason = reason


def header(headers: Mapping[str, str], name: str) -> str | None:
    """Case-insensitive header lookup."""
    lower = name.lower()
    return next((v for k, v in headers.items() if k.lower() == lower), None)


class RetryPolicy:
    """Computes waits and runs operations with retries; thread-safe; one per run."""

    def __init__(
        self,
        config: RetryConfig | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config or RetryConfig()
        self.clock: Clock = clock or SystemClock()
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not security
        self._lock = threading.Lock()
        self.total_waited = 0.0

    def delay(self, failure: Failure, attempt: int) -> float:
        """Seconds to wait before attempt ``attempt + 1`` (``attempt`` counts from 1)."""
        headers = failure.headers
        retry_after = _parse_retry_after(header(headers, "retry-after"), self.clock.time())
        if retry_after is not None:
            return retry_after
        if (header(headers, "x-ratelimit-remaining") or "").strip() == "0":
            reset = _seconds(header(headers, "x-ratelimit-reset"))
            if reset is not None:
                return max(0.0, reset - self.clock.time()) + 1.0
        # Capped after the jitter, so no wait exceeds max_delay; the exponent is bounded
        # because 2 ** attempt overflows a float long before attempts run out.
        backoff = self.config.base_delay * 2.0 ** min(attempt - 1, 64)
        backoff *= 1 + self._rng.uniform(0, self.config.jitter)
        backoff = min(self.config.max_delay, backoff)
        if failure.kind == "secondary":
            return max(SECONDARY_LIMIT_MIN_WAIT, backoff)
        return backoff

    def run(self, operation: Callable[[], T], classify: Callable[[Exception], Failure | None]) -> T:
        """Call ``operation`` until it succeeds, the failure is final, or a bound is reached.

        ``classify`` maps an exception to a Failure, or None for exceptions that are not
        about the service (they propagate unchanged).
        """
        attempt = 0
        while True:
            attempt += 1
            try:
                return operation()
            except Exception as exc:
                failure = classify(exc)
                if failure is None:
                    raise
                self._wait_or_give_up(failure, attempt, exc)

    def _wait_or_give_up(self, failure: Failure, attempt: int, exc: Exception) -> None:
        if not failure.retryable:
            raise RetryExhausted(failure, attempt, self.total_waited, "not retryable") from exc
        if attempt >= self.config.max_attempts:
            raise RetryExhausted(failure, attempt, self.total_waited, "attempts exhausted") from exc
        wait = self.delay(failure, attempt)
        with self._lock:
            if self.total_waited + wait > self.config.max_total_wait:
                bound = self.config.max_total_wait
                reason = f"waiting {wait:.0f}s more would pass the {bound:.0f}s bound"
                raise RetryExhausted(failure, attempt, self.total_waited, reason) from exc
            self.total_waited += wait
        self.clock.sleep(wait)


def _seconds(value: str | None) -> float | None:
    """A finite, non-negative number of seconds in ASCII digits, else None."""
    text = (value or "").strip()
    if not text.isascii() or not text.replace(".", "", 1).isdigit():
        return None
    return float(text)


def _parse_retry_after(value: str | None, now: float) -> float | None:
    """``retry-after`` is delta-seconds or an HTTP date (always GMT, even without a zone)."""
    if not value or not value.strip():
        return None
    seconds = _seconds(value)
    if seconds is not None:
        return seconds
    try:
        import email.utils  # only for an HTTP-date Retry-After, rare; costly to import

        when = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # "-0000" and the asctime form parse as naive: they mean GMT
        when = when.replace(tzinfo=datetime.UTC)
    return max(0.0, when.timestamp() - now)
