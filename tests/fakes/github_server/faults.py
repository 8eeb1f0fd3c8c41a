"""Scripted faults: match requests by method and path pattern, for the next N or every one.

Kinds:

* ``status`` — answer ``status`` (500, 502, 503, 404, 422, ...) with GitHub's JSON body;
* ``secondary_rate_limit`` — 403 with the secondary-limit message, ``retry-after`` if given;
* ``primary_rate_limit`` — 403 with ``x-ratelimit-remaining: 0`` and a reset time;
* ``too_many_requests`` — 429 with the secondary-limit message, ``retry-after`` if given;
* ``reset`` — close the connection without an answer (the client sees a reset);
* ``slow`` — sleep ``delay`` seconds, then answer normally (combines with any other kind);
* ``apply_then_fail`` — perform the request (the write lands), then answer ``status`` (502).

Paths are matched without the ``/api/v3`` prefix, with ``fnmatch`` globs (``*`` also spans
``/``) or a compiled regex.
"""

from __future__ import annotations

import fnmatch
import re
import threading
from dataclasses import dataclass
from typing import Any

from .errors import RATE_LIMIT_DOCS, SECONDARY_DOCS, SECONDARY_MESSAGE, ApiError

_STATUS_MESSAGES = {
    400: "Bad Request",
    401: "Bad credentials",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    410: "Gone",
    422: "Validation Failed",
    500: "Server Error",
    502: "Server Error",
    503: "Service Unavailable",
    504: "We couldn't respond to your request in time. Sorry about that. Please try resubmitting"
    " your request and contact us if the problem persists.",
}
KINDS = (
    "status",
    "secondary_rate_limit",
    "primary_rate_limit",
    "too_many_requests",
    "reset",
    "slow",
    "apply_then_fail",
)


@dataclass
class Fault:
    """One scripted fault; ``times=None`` applies it to every matching request."""

    kind: str
    method: str = "*"
    path: str | re.Pattern[str] = "*"
    times: int | None = 1
    status: int = 500
    retry_after: int | None = None
    delay: float = 0.0
    reset_in: int = 60
    message: str | None = None
    hits: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {KINDS}")

    def matches(self, method: str, path: str) -> bool:
        """Whether this fault applies to ``method`` ``path`` (and has uses left)."""
        if self.times is not None and self.hits >= self.times:
            return False
        if self.method not in ("*", method.upper()):
            return False
        if isinstance(self.path, re.Pattern):
            return bool(self.path.search(path))
        return fnmatch.fnmatchcase(path, self.path)

    def error(self, request_id: str, reset_epoch: int, limit: int) -> ApiError:
        """The error this fault answers with (kinds other than ``reset`` and ``slow``)."""
        if self.kind in ("secondary_rate_limit", "too_many_requests"):
            headers = {} if self.retry_after is None else {"retry-after": str(self.retry_after)}
            text = self.message or SECONDARY_MESSAGE.format(request_id=request_id)
            status = 403 if self.kind == "secondary_rate_limit" else 429
            return ApiError(status, text, documentation_url=SECONDARY_DOCS, headers=headers)
        if self.kind == "primary_rate_limit":
            headers = {
                "x-ratelimit-remaining": "0",
                "x-ratelimit-used": str(limit),
                "x-ratelimit-reset": str(reset_epoch),
            }
            text = self.message or "API rate limit exceeded for user ID 41898282."
            return ApiError(403, text, documentation_url=RATE_LIMIT_DOCS, headers=headers)
        status = self.status
        text = self.message or _STATUS_MESSAGES.get(status, "Server Error")
        return ApiError(status, text)


class FaultPlan:
    """The faults a test scripted; consulted by the server for every request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        """Script ``fault`` (checked after those added before it)."""
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        """Forget all scripted faults."""
        with self._lock:
            self._faults.clear()

    def take(self, method: str, path: str) -> tuple[float, Fault | None]:
        """Consume what applies to this request: total delay, and the first other fault."""
        delay, chosen = 0.0, None
        with self._lock:
            for fault in self._faults:
                if not fault.matches(method, path):
                    continue
                if fault.kind == "slow":
                    fault.hits += 1
                    delay += fault.delay
                elif chosen is None:
                    fault.hits += 1
                    chosen = fault
        return delay, chosen

    # Conveniences: each returns the Fault so a test can read ``hits``.

    def status(self, method: str, path: str, status: int, **options: Any) -> Fault:
        """Answer ``status`` with GitHub's body (500, 502, 503, 404, 422, ...)."""
        return self.add(Fault("status", method, path, status=status, **options))

    def secondary_rate_limit(self, method: str, path: str, **options: Any) -> Fault:
        """403 secondary rate limit (pass ``retry_after=`` seconds to send ``retry-after``)."""
        return self.add(Fault("secondary_rate_limit", method, path, status=403, **options))

    def primary_rate_limit(self, method: str, path: str, **options: Any) -> Fault:
        """403 with ``x-ratelimit-remaining: 0``; ``reset_in`` seconds until the reset."""
        return self.add(Fault("primary_rate_limit", method, path, status=403, **options))

    def too_many_requests(self, method: str, path: str, **options: Any) -> Fault:
        """429 (pass ``retry_after=`` seconds to send ``retry-after``)."""
        return self.add(Fault("too_many_requests", method, path, status=429, **options))

    def reset(self, method: str, path: str, **options: Any) -> Fault:
        """Close the connection without answering."""
        return self.add(Fault("reset", method, path, **options))

    def slow(self, method: str, path: str, seconds: float, **options: Any) -> Fault:
        """Sleep ``seconds`` before answering (every matching request unless ``times``)."""
        options.setdefault("times", None)
        return self.add(Fault("slow", method, path, delay=seconds, **options))

    def apply_then_fail(self, method: str, path: str, status: int = 502, **options: Any) -> Fault:
        """Perform the request, then answer ``status`` instead of the real answer."""
        return self.add(Fault("apply_then_fail", method, path, status=status, **options))
