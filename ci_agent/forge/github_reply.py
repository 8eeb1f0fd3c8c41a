"""What the GitHub seam hands back: a successful answer (:class:`Reply`), the probe type for writes
whose answer was lost (:data:`Landed`), and the small conversions of headers and queries."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Landed", "Reply", "decoded", "lower_headers", "query_params", "remaining"]

_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="next"')


@dataclass(frozen=True)
class Reply:
    """A successful answer: lower-case headers and the decoded body (JSON, text or None)."""

    headers: Mapping[str, str] = field(default_factory=dict)
    data: Any = None

    @property
    def next_url(self) -> str | None:
        """The ``rel="next"`` URL of the ``Link`` header, None on the last page."""
        found = _NEXT.search(self.headers.get("link", ""))
        return found.group(1) if found else None


# Looks for the effect of a write whose answer was lost: the Reply it found, or None.
Landed = Callable[[], Reply | None]


def decoded(response: Any) -> Reply:
    """A Reply from an httpx2 response (ghapi with ``raw_=True``)."""
    headers = lower_headers(response.headers)
    if not response.content:
        return Reply(headers, None)
    if "json" in headers.get("content-type", ""):
        return Reply(headers, response.json())
    return Reply(headers, response.text)


def lower_headers(headers: Any) -> dict[str, str]:
    """Headers of any client as a plain dict with lower-case names."""
    return {str(k).lower(): str(v) for k, v in (headers or {}).items()}


def remaining(headers: Mapping[str, str]) -> int | None:
    """``x-ratelimit-remaining`` as a number, when the answer had it."""
    value = headers.get("x-ratelimit-remaining", "")
    return int(value) if value.strip().isdigit() else None


def query_params(query: Mapping[str, Any] | None) -> dict[str, str]:
    """Query values as GitHub reads them (booleans lower-case; None left out)."""
    out: dict[str, str] = {}
    for name, value in (query or {}).items():
        if value is not None:
            out[name] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return out
