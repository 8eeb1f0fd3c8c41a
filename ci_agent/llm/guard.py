"""The checks every request passes before it is sent: input cap, run budget, concurrency, logs.

GuardedProvider wraps any LLMProvider (the OpenAI one, or ScriptedProvider in tests) and is
what the factory hands to callers. Callers plan their chunks with :func:`input_room`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import replace

from ci_agent.errors import fail
from ci_agent.llm.budget import Budget
from ci_agent.llm.models import ModelProfile
from ci_agent.llm.provider import (
    ChatRequest,
    ChatResponse,
    LLMProvider,
    LogFn,
    Message,
    ResponseFormat,
    Warmable,
    raise_if_refused,
)
from ci_agent.llm.tokens import estimate_messages, estimate_tokens
from ci_agent.redact import Redactor

__all__ = ["GuardedProvider", "estimate_request", "input_room"]

# Prompts and answers are logged only at -vv.
PROMPT_LOG_LEVEL = 2


def estimate_request(
    messages: Sequence[Message],
    response_format: ResponseFormat | None = None,
    tools: Sequence[object] = (),
) -> int:
    """Input tokens a request will take: messages, the schema and tool definitions."""
    total = estimate_messages((m.role, m.content) for m in messages)
    total += sum(estimate_tokens(c.name + c.arguments) + 4 for m in messages for c in m.tool_calls)
    if response_format is not None:
        total += estimate_tokens(json.dumps(dict(response_format.schema))) + 10
    return total + sum(estimate_tokens(json.dumps(tool)) for tool in tools)


def input_room(
    profile: ModelProfile,
    fixed: Sequence[Message],
    response_format: ResponseFormat | None = None,
) -> int:
    """Tokens left under the per-request input cap for content added to ``fixed`` messages."""
    return profile.input_cap - estimate_request(fixed, response_format)


class GuardedProvider:
    """Refuses oversized prompts and over-budget requests before sending; bounds concurrency."""

    def __init__(
        self,
        inner: LLMProvider,
        budget: Budget,
        *,
        max_concurrency: int = 4,
        log: LogFn | None = None,
        verbosity: int = 0,
        redact: Redactor | None = None,
    ) -> None:
        self.inner = inner
        self.budget = budget
        self._slots = threading.BoundedSemaphore(max_concurrency)
        self._log = log
        self._verbosity = verbosity
        self._redact = redact or Redactor()

    @property
    def profile(self) -> ModelProfile:
        """The wrapped provider's profile."""
        return self.inner.profile

    def warm(self) -> None:
        """Let the wrapped provider get ready, if it has anything to do."""
        if isinstance(self.inner, Warmable):
            self.inner.warm()

    def complete(self, request: ChatRequest) -> ChatResponse:
        """Check the cap and the budget, send with at most N in flight, account the usage."""
        profile = self.inner.profile
        tokens_in = request.input_estimate
        if tokens_in is None:  # a caller that planned the request may have counted already
            tokens_in = estimate_request(request.messages, request.response_format, request.tools)
        if tokens_in > profile.input_cap:
            raise fail(
                "CA405",
                f"the prompt needs about {tokens_in} input tokens, over the per-request cap of "
                f"{profile.input_cap} for {profile.model}; it was not sent",
                suggestion="Split the work into smaller requests (plan with input_room()), "
                "or raise llm.request-input-cap if the model accepts more.",
                budget="request-input-cap",
                limit=profile.input_cap,
            )
        max_output = min(
            request.max_output_tokens or profile.max_output_tokens, profile.max_output_tokens
        )
        request = replace(request, max_output_tokens=max_output, input_estimate=tokens_in)
        reservation = self.budget.reserve(profile.price, tokens_in, max_output)
        self._log_prompt(request, tokens_in)
        try:
            with self._slots:
                response = self.inner.complete(request)
        except BaseException:
            self.budget.release(reservation)
            raise
        usage = response.usage
        cost = self.budget.commit(reservation, profile.price, usage.tokens_in, usage.tokens_out)
        self._emit(
            f"LLM {profile.model}: {usage.tokens_in} in, {usage.tokens_out} out"
            f"{' (estimated)' if usage.estimated else ''}, ${cost:.4f}, "
            f"finish={response.finish_reason}, format={response.format_used}",
            1,
        )
        if self._verbosity >= PROMPT_LOG_LEVEL:
            self._emit(f"LLM answer:\n{response.refusal or response.content}", PROMPT_LOG_LEVEL)
        raise_if_refused(response)
        return response

    def _log_prompt(self, request: ChatRequest, tokens_in: int) -> None:
        if self._verbosity < PROMPT_LOG_LEVEL:
            return
        text = "\n".join(f"[{m.role}] {m.content}" for m in request.messages)
        self._emit(f"LLM prompt (~{tokens_in} tokens):\n{text}", PROMPT_LOG_LEVEL)

    def _emit(self, message: str, level: int) -> None:
        if self._log is not None and self._verbosity >= level:
            self._log(self._redact(message), level)
