"""What a review engine receives and returns; the static engine is the first implementation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from ci_agent.diff import FileDiff
from ci_agent.review.findings import Finding
from ci_agent.review.static_engine import PYTHON_SUFFIXES, run_ruff

__all__ = ["EngineResult", "ReviewEngine", "ReviewFile", "RiskLevel", "StaticEngine"]

RiskLevel = Literal["low", "medium", "high", "critical"]


@dataclass(frozen=True)
class ReviewFile:
    """One reviewable changed file: its diff and its content at head (None if unavailable)."""

    path: str
    diff: FileDiff
    content: str | None


@dataclass(frozen=True)
class EngineResult:
    """Findings, a one-line summary per file, an overall risk, and files the engine skipped."""

    findings: tuple[Finding, ...] = ()
    summaries: Mapping[str, str] = field(default_factory=dict)
    risk: RiskLevel | None = None
    skipped: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


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
        return EngineResult(findings=tuple(findings))
