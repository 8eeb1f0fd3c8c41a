"""The LLM engine: chunk the change to the input cap, ask in parallel, validate every answer.

The model's JSON is validated by pydantic (with one repair round in the LLM layer); findings
on paths the request did not show are dropped; text is cleaned before anyone sees it. Budget
exhaustion leaves honest gaps in the coverage; any other model failure fails the review, so a
half-reviewed PR is never presented as reviewed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ci_agent.errors import CiAgentError
from ci_agent.forge.types import PullRequestInfo
from ci_agent.llm.concurrency import Outcome, map_bounded
from ci_agent.llm.guard import input_room
from ci_agent.llm.provider import LLMProvider, Message
from ci_agent.llm.structured import complete_structured, response_format_for
from ci_agent.llm.tokens import estimate_tokens
from ci_agent.render import TemplateRenderer
from ci_agent.report.markdown import clean_markdown, plain_text
from ci_agent.review.chunks import Chunk, Section, plan_chunks
from ci_agent.review.engine import EngineResult, ReviewFile, RiskLevel
from ci_agent.review.findings import Category, Finding, SeverityName
from ci_agent.sanitize import wire_text

__all__ = ["LLMEngine", "ModelFinding", "ReviewAnswer"]

BUDGET_CODE = "CA405"
# Tokens kept free in every request for what the estimate cannot see (formatting, rounding).
SAFETY_MARGIN = 64
# A finding's title and body are cut before cleaning (a cut after could leave a span open).
_TITLE_LIMIT = 200
_BODY_LIMIT = 8000
_DELIMITER = re.compile(r"<\s*/?\s*(untrusted_pr_data|file)\b", re.IGNORECASE)


class ModelFinding(BaseModel):
    """A finding as the model states it, before verification."""

    model_config = ConfigDict(extra="forbid")

    path: str
    start_line: int = Field(ge=1)
    end_line: int = Field(ge=1)
    severity: SeverityName
    category: Category
    title: str = Field(max_length=300)
    body: str = Field(max_length=8000)
    suggestion: str | None
    confidence: float = Field(ge=0, le=1)


class FileSummary(BaseModel):
    """The model's one-line summary of a file."""

    model_config = ConfigDict(extra="forbid")

    path: str
    summary: str = Field(max_length=300)


class ReviewAnswer(BaseModel):
    """The whole answer to one review request."""

    model_config = ConfigDict(extra="forbid")

    findings: list[ModelFinding]
    files: list[FileSummary]
    risk: Literal["low", "medium", "high", "critical"]


def _defuse(text: str) -> str:
    """Untrusted text cannot close the data block it is quoted in."""
    # A look-alike angle quote keeps the text readable but no longer a tag.
    return _DELIMITER.sub(lambda m: m.group(0).replace("<", "\u2039"), text)


class LLMEngine:
    """Review with a chat model through the LLM layer."""

    def __init__(
        self,
        provider: LLMProvider,
        renderer: TemplateRenderer,
        pull_request: PullRequestInfo,
        *,
        prompt: str = "general",
        max_concurrency: int = 4,
        repository_url: str | None = None,
        estimate: Callable[[str], int] = estimate_tokens,
    ) -> None:
        self.name = f"llm:{provider.profile.model}"
        self._provider = provider
        self._renderer = renderer
        self._pr = pull_request
        self._system = (
            "prompts/review_security_system.j2"
            if prompt == "security"
            else "prompts/review_system.j2"
        )
        self._concurrency = max_concurrency
        self._repository_url = repository_url
        self._estimate = estimate
        self.requests = 0

    def _messages(self, chunk: Chunk, part: int, parts: int) -> list[Message]:
        user = self._renderer.render(
            "prompts/review_user.j2",
            title=_defuse(self._pr.title),
            body=_defuse(self._pr.body or ""),
            sections=[_defused(s) for s in chunk.sections],
            part=part,
            parts=parts,
        )
        system = self._renderer.render(self._system)
        return [Message("system", system), Message("user", wire_text(user))]

    def section_budget(self) -> int:
        """Tokens left for diff sections in one request after prompts and schema."""
        fixed = self._messages(Chunk(), 1, 1)
        room = input_room(self._provider.profile, fixed, response_format_for(ReviewAnswer))
        return room - SAFETY_MARGIN

    def review(self, files: Sequence[ReviewFile]) -> EngineResult:
        """Review every file; skipped files are reported with the reason."""
        if not files:
            return EngineResult()
        chunks = plan_chunks(files, self.section_budget(), self._estimate)
        total = len(chunks)

        def ask(item: tuple[int, Chunk]) -> ReviewAnswer:
            index, chunk = item
            messages = self._messages(chunk, index, total)
            return complete_structured(self._provider, messages, ReviewAnswer)

        outcomes = map_bounded(ask, list(enumerate(chunks, start=1)), self._concurrency)
        self.requests += total
        return self._merge(chunks, outcomes)

    def _merge(
        self, chunks: list[Chunk], outcomes: Sequence[Outcome[ReviewAnswer]]
    ) -> EngineResult:
        findings: list[Finding] = []
        summaries: dict[str, str] = {}
        skipped: dict[str, str] = {}
        risks: list[RiskLevel] = []
        dropped = 0
        for chunk, outcome in zip(chunks, outcomes, strict=True):
            error: CiAgentError | None = outcome.error
            if error is not None:
                if error.code != BUDGET_CODE:
                    raise error
                for path in chunk.paths:
                    skipped[path] = "run budget reached (llm.max-tokens / llm.max-cost)"
                continue
            answer = outcome.value
            if answer is None:
                continue
            shown = {s.path: s.lines for s in chunk.sections}
            for item in answer.findings:
                if item.path not in shown or item.end_line < item.start_line:
                    dropped += 1
                    continue
                findings.append(self._finding(item))
            for summary in answer.files:
                if summary.path in shown:
                    summaries.setdefault(
                        summary.path, clean_markdown(summary.summary.strip(), self._repository_url)
                    )
            risks.append(answer.risk)
        notes = (
            (f"{dropped} model finding(s) named a file or lines not shown and were dropped",)
            if dropped
            else ()
        )
        order: list[RiskLevel] = ["low", "medium", "high", "critical"]
        risk = order[max(order.index(r) for r in risks)] if risks else None
        return EngineResult(tuple(findings), summaries, risk, skipped, notes)

    def _finding(self, item: ModelFinding) -> Finding:
        return Finding(
            path=item.path,
            start_line=item.start_line,
            end_line=item.end_line,
            severity=item.severity,
            category=item.category,
            title=plain_text(item.title, _TITLE_LIMIT, repository_url=self._repository_url)
            or "Finding",
            body=clean_markdown(item.body, self._repository_url, limit=_BODY_LIMIT),
            suggestion=item.suggestion,
            confidence=item.confidence,
            source=self.name,
        )


def _defused(section: Section) -> Section:
    """The section with its code unable to close the data block."""
    return replace(section, diff_text=_defuse(section.diff_text), context=_defuse(section.context))
