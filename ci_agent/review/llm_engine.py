"""The LLM engine: chunk the change to the input cap, ask in parallel, validate every answer.

The model's JSON is validated by pydantic (with one repair round in the LLM layer); findings
on paths the request did not show are dropped; text is cleaned before anyone sees it. A
request that fails (budget, an answer invalid after repair, an endpoint that cannot be
reached) marks only its files as not reviewed, with the reason; an answer cut at the output
limit is split in two and asked again. Once the endpoint is known to be unreachable or to
refuse the key, no further request is sent.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from ci_agent.errors import CiAgentError
from ci_agent.forge.types import PullRequestInfo
from ci_agent.llm.concurrency import Outcome, map_bounded
from ci_agent.llm.guard import estimate_request, input_room
from ci_agent.llm.provider import LLMProvider, Message, Warmable
from ci_agent.llm.structured import complete_structured, response_format_for
from ci_agent.llm.tokens import MemoEstimator
from ci_agent.render import TemplateRenderer
from ci_agent.report.markdown import clean_markdown, plain_text
from ci_agent.review.answer import (
    ModelFinding,
    ReviewAnswer,
    defuse,
    defused,
    escape_path,
)
from ci_agent.review.chunks import Chunk, Section, iter_chunks
from ci_agent.review.engine import EngineResult, ReviewFile, RiskLevel
from ci_agent.review.findings import Finding
from ci_agent.sanitize import wire_text

__all__ = ["LLMEngine", "ModelFinding", "ReviewAnswer"]  # the answer's models, re-exported

BUDGET_CODE = "CA405"
CUT_CODE = "CA409"
# Failures of the endpoint itself: every further request would fail the same way.
ENDPOINT_CODES = frozenset({"CA401", "CA403"})
# An answer lists findings for everything a request shows; past this many input tokens per
# output token, a busy change's answer no longer fits the output limit and is cut.
INPUT_PER_OUTPUT = 8
# Tokens kept free in every request for what the estimate cannot see (formatting, rounding).
SAFETY_MARGIN = 64
# A finding's title and body are cut before cleaning (a cut after could leave a span open).
_TITLE_LIMIT = 200
_BODY_LIMIT = 8000


@dataclass(frozen=True)
class _Failed:
    """A request that produced nothing usable, and why (for the coverage account)."""

    reason: str
    budget: bool = False


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
        estimate: Callable[[str], int] | None = None,
        explicit_cap: bool = False,
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
        self._explicit_cap = explicit_cap
        self._lock = threading.Lock()
        self._broken: CiAgentError | None = None
        self._fixed_tokens: int | None = None
        self.requests = 0

    def _messages(self, chunk: Chunk, part: int, several: bool) -> list[Message]:
        user = self._renderer.render(
            "prompts/review_user.j2",
            title=defuse(self._pr.title),
            body=defuse(self._pr.body or ""),
            sections=[defused(s) for s in chunk.sections],
            part=part,
            several=several,
        )
        system = self._renderer.render(self._system)
        return [Message("system", system), Message("user", wire_text(user))]

    def section_budget(self) -> int:
        """Tokens left for diff sections in one request after prompts and schema.

        Unless ``llm.request-input-cap`` was set, a request also stays small enough for its
        answer to fit the output limit (INPUT_PER_OUTPUT input tokens per output token).
        """
        profile = self._provider.profile
        fixed = self._messages(Chunk(), 999, True)
        wanted = response_format_for(ReviewAnswer, profile.json_mode)
        self._fixed_tokens = estimate_request(fixed, wanted)
        room = input_room(profile, fixed, response_format_for(ReviewAnswer))
        if not self._explicit_cap:
            answerable = INPUT_PER_OUTPUT * profile.max_output_tokens
            room = min(room, answerable - (profile.input_cap - room))
        return room - SAFETY_MARGIN

    def warm(self) -> None:
        """Let the provider import its SDK and build its client in the background: seconds on
        a busy runner, which the first request would otherwise wait for after planning."""
        if isinstance(self._provider, Warmable):
            threading.Thread(target=self._warm, name="ci-agent-warm", daemon=True).start()

    def _warm(self) -> None:
        provider = self._provider
        # A failure here shows up again, coded, on the first request.
        with contextlib.suppress(Exception):
            if isinstance(provider, Warmable):
                provider.warm()

    def review(self, files: Sequence[ReviewFile]) -> EngineResult:
        """Review every file; files of failed requests are reported with the reason."""
        if not files:
            return EngineResult()
        unfit: dict[str, str] = {}
        # Each review prices each distinct piece of code once (the same numbers, faster).
        estimate = self._estimate or MemoEstimator()
        planned = iter_chunks(files, self.section_budget(), estimate, unfit)
        asked = self._ask_streamed(planned)
        done: list[tuple[Chunk, ReviewAnswer | _Failed]] = [
            (Chunk([Section(path, "", "")]), _Failed(f"{why} (llm.request-input-cap)"))
            for path, why in unfit.items()
        ]
        while asked:
            retry: list[Chunk] = []
            for chunk, outcome in asked:
                if outcome.value is not None:
                    done.append((chunk, outcome.value))
                elif outcome.error is not None and outcome.error.code == CUT_CODE:
                    halves = _halves(chunk)
                    if halves:
                        retry += halves
                    else:
                        done.append((chunk, _Failed(_reason(outcome.error))))
                elif outcome.error is not None:
                    budget = _run_budget(outcome.error)
                    done.append((chunk, _Failed(_reason(outcome.error), budget)))
            items = [(i, True, c) for i, c in enumerate(retry, 1)]
            asked = list(zip(retry, map_bounded(self._ask, items, self._concurrency), strict=True))
            self.requests += len(retry)
        return self._merge(done)

    def _ask_streamed(self, planned: Iterable[Chunk]) -> list[tuple[Chunk, Outcome[ReviewAnswer]]]:
        """Send each chunk as soon as it is planned (at most N in flight); results in order."""
        futures: list[tuple[Chunk, Future[Outcome[ReviewAnswer]]]] = []
        with ThreadPoolExecutor(max_workers=self._concurrency) as pool:
            try:
                for chunk in planned:
                    # The prompt says whether other requests cover other files.
                    several = bool(futures) or not chunk.last
                    item = (len(futures) + 1, several, chunk)
                    futures.append((chunk, pool.submit(self._outcome, item)))
                self.requests += len(futures)
                return [(chunk, future.result()) for chunk, future in futures]
            except BaseException:
                for _, future in futures:
                    future.cancel()
                raise

    def _outcome(self, item: tuple[int, bool, Chunk]) -> Outcome[ReviewAnswer]:
        try:
            return Outcome(value=self._ask(item))
        except CiAgentError as error:
            return Outcome(error=error)

    def _ask(self, item: tuple[int, bool, Chunk]) -> ReviewAnswer:
        index, several, chunk = item
        with self._lock:
            broken = self._broken
        if broken is not None:
            raise broken
        messages = self._messages(chunk, index, several)
        try:
            return complete_structured(
                self._provider,
                messages,
                ReviewAnswer,
                on_length="raise",
                input_estimate=self._planned_tokens(chunk),
            )
        except CiAgentError as error:
            if error.code in ENDPOINT_CODES:
                with self._lock:
                    self._broken = self._broken or error
            raise

    def _planned_tokens(self, chunk: Chunk) -> int | None:
        """The request's tokens as planned: the fixed prompt plus the sections' line-by-line
        estimates (each line counted once, not the whole prompt again), with the margin."""
        if self._fixed_tokens is None or not chunk.tokens:
            return None
        return self._fixed_tokens + chunk.tokens + SAFETY_MARGIN

    def _merge(self, done: list[tuple[Chunk, ReviewAnswer | _Failed]]) -> EngineResult:
        findings: list[Finding] = []
        summaries: dict[str, str] = {}
        skipped: dict[str, str] = {}
        failed: set[str] = set()
        risks: list[RiskLevel] = []
        dropped = 0
        for chunk, answer in done:
            if isinstance(answer, _Failed):
                for name in chunk.paths:
                    skipped.setdefault(name, answer.reason)
                    if not answer.budget:
                        failed.add(name)
                continue
            shown = {s.path: s.lines for s in chunk.sections}
            named = {**{escape_path(p): p for p in shown}, **{p: p for p in shown}}
            for item in answer.findings:
                path = named.get(item.path)
                if path is None or item.end_line < item.start_line:
                    dropped += 1
                    continue
                findings.append(self._finding(item.model_copy(update={"path": path})))
            for summary in answer.files:
                path = named.get(summary.path)
                if path is not None:
                    summaries.setdefault(
                        path, clean_markdown(summary.summary.strip(), self._repository_url)
                    )
            risks.append(answer.risk)
        notes: tuple[str, ...] = (
            (f"{dropped} model finding(s) named a file or lines not shown and were dropped",)
            if dropped
            else ()
        )
        if failed:
            notes += (
                f"the model did not review {len(failed)} file(s): their requests failed"
                " (each file's reason is listed); every other finding is published",
            )
        order: list[RiskLevel] = ["low", "medium", "high", "critical"]
        risk = order[max(order.index(r) for r in risks)] if risks else None
        return EngineResult(
            tuple(findings), summaries, risk, skipped, notes, failed=frozenset(failed)
        )

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


def _halves(chunk: Chunk) -> list[Chunk]:
    """The chunk's sections in two requests; none when it holds a single section."""
    if len(chunk.sections) < 2:
        return []
    middle = len(chunk.sections) // 2
    return [Chunk(chunk.sections[:middle]), Chunk(chunk.sections[middle:])]


def _run_budget(error: CiAgentError) -> bool:
    """The run's token or cost cap (the user's choice), not a request that could not fit."""
    return error.code == BUDGET_CODE and error.context.get("budget") != "request-input-cap"


def _reason(error: CiAgentError) -> str:
    """Why a request's files were not reviewed, in a few words with the code."""
    if _run_budget(error):
        return "run budget reached (llm.max-tokens / llm.max-cost)"
    if error.code == CUT_CODE:
        return f"the answer was cut at the output limit even for this file alone ({CUT_CODE})"
    message = " ".join(error.message.split())
    return f"{message[:160]} ({error.code})"
