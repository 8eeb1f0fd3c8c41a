"""What a failed GitHub request means: a retry :class:`~ci_agent.retry.Failure`, then a coded
error once the policy gives up.

Three HTTP stacks report failures differently (PyGithub's ``GithubException`` over requests,
ghapi's ``fasttransport`` ``APIError`` over httpx2, and requests itself for downloads), so
:func:`observe` reads status, headers and message from any of them by shape, without importing
them. Rules, as GitHub documents them:

* 429 is always a rate limit; 403 only when GitHub says so (``x-ratelimit-remaining: 0``,
  a ``retry-after``, or the secondary-limit message) — any other 403 is a permission problem;
* 5xx, connection resets and timeouts are retried; for a write they are *ambiguous*: the
  request may have been applied, so it is re-sent only after checking that it did not land;
* other 4xx are final: 401 → CA303, 403 → CA304, 404/410 → CA305, the rest CA308.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ci_agent.errors import CiAgentError, fail
from ci_agent.retry import Failure, RetryExhausted, header

__all__ = [
    "HttpStatusError",
    "Observed",
    "StorageError",
    "coded_error",
    "failure_of",
    "is_anchor_rejection",
    "observe",
    "permission_for",
]

# Exception class names (anywhere in the MRO) of the three stacks, by what they mean.
_TIMEOUTS = frozenset({"Timeout", "TimeoutException", "TimeoutError", "ReadTimeout"})
_NETWORK = frozenset(
    {"ConnectionError", "TransportError", "ChunkedEncodingError", "ProtocolError", "NetworkError"}
)
_SECONDARY_WORDS = ("secondary rate limit", "abuse detection", "please wait a few minutes")
# How GitHub words a review rejected because of one inline comment's anchor.
_ANCHOR_WORDS = (
    "could not be resolved",
    "must be part of the diff",
    "pull_request_review_thread",
    "must precede the end line",
    "diff hunk",
)
# Path fragment of an endpoint template → the job permission that governs it.
_PERMISSIONS = (
    ("/actions/", "actions"),
    ("/check-runs", "checks"),
    ("/statuses", "statuses"),
    ("/deployments", "deployments"),
    ("/environments", "actions"),  # GitHub's docs: environments need actions: read
    ("/pulls", "pull-requests"),
    ("/issues", "issues"),
    ("/collaborators", "metadata"),
)


class HttpStatusError(Exception):
    """A non-success answer seen outside the client libraries (downloads)."""

    def __init__(self, status: int, headers: Mapping[str, str], message: str) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.headers = dict(headers)
        self.message = message


class StorageError(Exception):
    """A download's storage URL failed (expired, 5xx, cut short): fetch a fresh one and retry."""


@dataclass(frozen=True)
class Observed:
    """A failed attempt as read from any stack: ``kind`` is http, timeout or network."""

    kind: str
    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    message: str = ""

    @property
    def ambiguous(self) -> bool:
        """Whether a write may have been applied although the attempt failed."""
        return self.kind != "http" or (self.status or 0) >= 500

    @property
    def remaining(self) -> int | None:
        """``x-ratelimit-remaining`` of the answer, when it had one."""
        value = header(self.headers, "x-ratelimit-remaining")
        return int(value) if value and value.strip().isdigit() else None


def observe(exc: BaseException) -> Observed | None:
    """Status, headers and message of a failed request; None when ``exc`` is not one."""
    module = type(exc).__module__
    if module.startswith("github.") and isinstance(getattr(exc, "status", None), int):
        return Observed("http", exc.status, _lower(getattr(exc, "headers", None)), _text(exc))  # type: ignore[attr-defined]
    if isinstance(exc, HttpStatusError):
        return Observed("http", exc.status, _lower(exc.headers), exc.message)
    if module.startswith("fasttransport") and type(exc).__name__ == "APIError":
        response = getattr(exc, "response", None)
        if isinstance(getattr(exc, "status_code", None), int) and response is not None:
            raw = getattr(exc, "raw", None)
            message = _body_text(raw) if isinstance(raw, dict) else str(getattr(exc, "message", ""))
            return Observed("http", exc.status_code, _lower(response.headers), message)  # type: ignore[attr-defined]
        cause = getattr(exc, "raw", None)  # a transport failure keeps the httpx2 exception here
        return observe(cause) if isinstance(cause, BaseException) else None
    if isinstance(exc, StorageError):
        return Observed("network", message=str(exc))
    response = getattr(exc, "response", None)
    if response is not None and isinstance(getattr(response, "status_code", None), int):
        return Observed("http", response.status_code, _lower(response.headers), str(exc))
    names = {cls.__name__ for cls in type(exc).__mro__}
    if names & _TIMEOUTS:
        return Observed("timeout", message=str(exc) or type(exc).__name__)
    if names & _NETWORK:
        return Observed("network", message=str(exc) or type(exc).__name__)
    return None


def failure_of(seen: Observed) -> Failure:
    """The retry policy's view of an observed failure."""
    if seen.status is None:
        return Failure(None, {}, seen.kind, seen.message)
    message = seen.message.lower()
    secondary = any(word in message for word in _SECONDARY_WORDS)
    kind = "client"
    if seen.status == 429:
        kind = "secondary" if secondary else "rate_limit"
    elif seen.status == 403:
        if seen.remaining == 0:
            kind = "rate_limit"
        elif secondary or header(seen.headers, "retry-after") is not None:
            kind = "secondary"
    elif seen.status >= 500:
        kind = "server"
    return Failure(seen.status, dict(seen.headers), kind, seen.message)


def coded_error(exc: RetryExhausted, endpoint: str, url: str, now: float) -> CiAgentError:
    """The coded error for ``endpoint`` (``GET /repos/{owner}/...``) after the policy gave up."""
    failure, status = exc.failure, exc.failure.status
    context: dict[str, Any] = {"endpoint": endpoint, "status": status, "detail": failure.detail}
    if failure.kind in ("rate_limit", "secondary"):
        limit = header(failure.headers, "x-ratelimit-limit") or "?"
        reset = _reset_time(failure, now)
        message = None
        if failure.kind == "secondary":  # the content-creation or concurrency limit
            message = f"GitHub's secondary rate limit on {endpoint}: retry after {reset}"
        return fail("CA302", message, limit=limit, reset=reset, **context)
    if failure.kind in ("network", "timeout"):
        problem = f"{failure.detail} ({exc.attempts} attempts, {exc.reason})"
        return fail("CA301", url=url, problem=problem, **context)
    if failure.kind == "server":
        return fail("CA306", attempts=exc.attempts, **context)
    if status == 401:
        return fail("CA303", **context)
    if status == 403:
        return fail("CA304", permission=permission_for(endpoint), **context)
    if status in (404, 410):
        message = f"GitHub answered {status} for {endpoint}: {failure.detail}"
        return fail("CA305", message, **context)
    return fail("CA308", problem=failure.detail, **context)


def permission_for(endpoint: str) -> str:
    """The job permission an endpoint needs, e.g. ``pull-requests: write``."""
    method, _, path = endpoint.partition(" ")
    scope = next((name for part, name in _PERMISSIONS if part in path), "contents")
    return f"{scope}: {'read' if method in ('GET', 'HEAD') else 'write'}"


def is_anchor_rejection(error: CiAgentError) -> bool:
    """Whether a coded error is GitHub's 422 for a review comment that does not anchor."""
    detail = str(error.context.get("detail", "")).lower()
    return error.context.get("status") == 422 and any(word in detail for word in _ANCHOR_WORDS)


def _reset_time(failure: Failure, now: float) -> str:
    retry_after = header(failure.headers, "retry-after")
    reset = header(failure.headers, "x-ratelimit-reset")
    when: float | None = None
    if retry_after and retry_after.strip().isdigit():
        when = now + int(retry_after)
    elif reset and reset.strip().isdigit() and failure.kind == "rate_limit":
        when = float(reset)
    if when is None:
        return "an unknown time (GitHub gave no reset)"
    return datetime.datetime.fromtimestamp(when, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _lower(headers: Any) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in (headers or {}).items()}


def _text(exc: BaseException) -> str:
    """GitHub's ``message`` and ``errors`` from a PyGithub exception's body."""
    data = getattr(exc, "data", None)
    return _body_text(data) if isinstance(data, dict) else str(data or exc)


def _body_text(data: dict[str, Any]) -> str:
    """``message`` and each of ``errors`` of a GitHub error body, joined."""
    parts = [str(data.get("message") or "")]
    for item in data.get("errors") or ():
        if isinstance(item, dict):
            parts.append(str(item.get("message") or item.get("code") or item))
        else:
            parts.append(str(item))
    return "; ".join(p for p in parts if p)
