"""What a review engine receives and returns; the static engine is the first implementation."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

from ci_agent.diff import FileDiff
from ci_agent.review.findings import Finding
from ci_agent.review.static_engine import PYTHON_SUFFIXES, run_ruff

if TYPE_CHECKING:
    from ci_agent.config import Settings
    from ci_agent.forge.types import PullRequestInfo
    from ci_agent.llm.setup import LLMSetup
    from ci_agent.metrics import Metrics
    from ci_agent.render import TemplateRenderer
    from ci_agent.retry import RetryPolicy

__all__ = [
    "NO_LLM_NOTE",
    "EngineResult",
    "ReviewEngine",
    "ReviewFile",
    "RiskLevel",
    "StaticEngine",
    "build_engines",
]

NO_LLM_NOTE = "no LLM configured: static engine only (set OPENAI_API_KEY or llm.provider)"

RiskLevel = Literal["low", "medium", "high", "critical"]


@dataclass(frozen=True)
class ReviewFile:
    """One reviewable changed file: its diff and its content at head (None if unavailable)."""

    path: str
    diff: FileDiff
    content: str | None


@dataclass(frozen=True)
class EngineResult:
    """Findings, a one-line summary per file, an overall risk, the files the engine failed on
    (``skipped``: the review of them is missing) and those it does not read (``not_read``:
    not its language, say)."""

    findings: tuple[Finding, ...] = ()
    summaries: Mapping[str, str] = field(default_factory=dict)
    risk: RiskLevel | None = None
    skipped: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    not_read: Mapping[str, str] = field(default_factory=dict)
    # The skipped files whose requests failed (not a cap the user set): the review is partial.
    failed: frozenset[str] = frozenset()


class ReviewEngine(Protocol):
    """Reviews files; reports what it could not cover instead of silently dropping it."""

    name: str

    def review(self, files: Sequence[ReviewFile]) -> EngineResult:
        """Review ``files`` and return the result."""


class StaticEngine:
    """ruff with the curated rule set from ``review.ruff-select``."""

    name = "static:ruff"

    def __init__(self, select: Sequence[str], ignore: Sequence[str] = ()) -> None:
        self._select = tuple(select)
        self._ignore = tuple(ignore)

    def review(self, files: Sequence[ReviewFile]) -> EngineResult:
        """Run ruff on the Python files among ``files``."""
        python = {f.path: f.content for f in files if f.path.endswith(PYTHON_SUFFIXES)}
        readable = {p: c for p, c in python.items() if c is not None}
        findings = run_ruff(readable, self._select, self._ignore) if readable else []
        not_read = {
            f.path: "reads Python files only" if f.path not in python else "content unavailable"
            for f in files
            if f.path not in readable
        }
        return EngineResult(findings=tuple(findings), not_read=not_read)


def build_engines(
    settings: Settings,
    *,
    llm: LLMSetup,
    metrics: Metrics,
    log: Callable[[str, int], None],
    renderer: TemplateRenderer,
    pull_request: PullRequestInfo,
    repository_url: str | None = None,
    retry: RetryPolicy | None = None,
) -> tuple[list[ReviewEngine], str]:
    """The static engine, plus the LLM engine when one is configured; and a note saying which."""
    from ci_agent.llm.choice import choose_provider

    review = settings.config.review
    engines: list[ReviewEngine] = [StaticEngine(review.ruff_select, review.ruff_ignore)]
    choice = choose_provider(llm)
    if choice.provider == "none":
        return engines, NO_LLM_NOTE
    from ci_agent.llm.factory import build_provider
    from ci_agent.review.llm_engine import LLMEngine

    provider = build_provider(llm, metrics=metrics, log=log, retry=retry)
    engines.append(
        LLMEngine(
            provider,
            renderer,
            pull_request,
            prompt=review.prompt,
            max_concurrency=settings.config.llm.max_concurrency,
            repository_url=repository_url,
            explicit_cap=settings.config.llm.request_input_cap is not None,
        )
    )
    return engines, f"{choice.provider} model {choice.model}"
