"""The JSON envelope every command prints with ``--output json``, and its schema.

One shape for every command: ``schema_version``, the tool, the command, ``status`` and
``exit_code``, ``dry_run``, the command's ``result`` object, coded ``errors`` and the run's
``metrics``. ``docs/result.schema.json`` is generated from these models by ``scripts/gen-docs``;
a change of shape that breaks readers raises ``SCHEMA_VERSION``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ci_agent.report.version import SCHEMA_VERSION

__all__ = ["SCHEMA_VERSION", "Envelope", "envelope_schema"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ToolInfo(_Strict):
    """Which program wrote the envelope."""

    name: Literal["ci-agent"]
    version: str


class ErrorEntry(_Strict):
    """One coded error (docs/errors.md lists every code)."""

    code: str = Field(pattern=r"^CA[1-7][0-9]{2}$")
    message: str
    suggestion: str


class ApiCalls(_Strict):
    """GitHub API requests made by the run."""

    total: int
    by_endpoint: dict[str, int]
    rate_limit_remaining: int | None


class LLMUsage(_Strict):
    """Model requests, tokens and cost of the run."""

    requests: int
    tokens_in: int
    tokens_out: int
    cost_usd: float


class RunMetrics(_Strict):
    """Durations, API calls and model usage."""

    durations_s: dict[str, float]
    api_calls: ApiCalls
    llm: LLMUsage


class Envelope(_Strict):
    """The object ``--output json`` prints (and the action's ``result-json`` output holds)."""

    schema_version: Literal[1]
    tool: ToolInfo
    command: str
    status: Literal["ok", "findings", "error"]
    exit_code: int = Field(ge=0, le=5)
    dry_run: bool
    result: dict[str, Any] = Field(
        description="The command's own result (see docs/cli.md for each command's keys)."
    )
    errors: list[ErrorEntry]
    metrics: RunMetrics


def envelope_schema() -> dict[str, Any]:
    """The JSON Schema of the envelope."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://github.com/ci-agent/ci-agent/blob/main/docs/result.schema.json",
        **Envelope.model_json_schema(),
    }
