"""A run's counters at one moment, as values: what :meth:`ci_agent.metrics.Metrics.snapshot`
returns (apart from :mod:`ci_agent.metrics`, so a run that prints no JSON and no -vv metrics
does not build these classes)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ci_agent.json_form import json_meta, rounded

__all__ = ["ApiCalls", "LLMUsage", "MetricsSnapshot"]


@dataclass(frozen=True)
class ApiCalls:
    """GitHub API requests: in all, by endpoint, and the quota left after the last one."""

    total: int
    by_endpoint: Mapping[str, int]
    rate_limit_remaining: int | None


@dataclass(frozen=True)
class LLMUsage:
    """Model requests, tokens in and out, and their cost in US dollars."""

    requests: int
    tokens_in: int
    tokens_out: int
    cost_usd: float = field(metadata=json_meta(convert=rounded(6)))


@dataclass(frozen=True)
class MetricsSnapshot:
    """A run's counters at one moment: durations in seconds, API calls, model usage."""

    durations_s: Mapping[str, float]
    api_calls: ApiCalls
    llm: LLMUsage
