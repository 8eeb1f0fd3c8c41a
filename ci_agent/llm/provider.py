"""The LLMProvider interface (one method) and the request and response it speaks."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from ci_agent.errors import fail
from ci_agent.llm.models import JsonMode, ModelProfile

__all__ = [
    "ChatRequest",
    "ChatResponse",
    "LLMProvider",
    "LogFn",
    "Message",
    "ResponseFormat",
    "Role",
    "ToolCall",
    "Usage",
    "Warmable",
    "raise_if_refused",
]

Role = Literal["system", "user", "assistant", "tool"]
# ``Terminal.detail`` fits: (message, verbosity level at which it shows).
LogFn = Callable[[str, int], None]


@dataclass(frozen=True)
class ToolCall:
    """A function call the model asked for; ``arguments`` is its JSON text, unvalidated."""

    id: str
    name: str
    arguments: str


@dataclass(frozen=True)
class Message:
    """One chat message; ``tool_call_id`` answers a tool call, ``tool_calls`` repeats them."""

    role: Role
    content: str
    tool_call_id: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()


@dataclass(frozen=True)
class ResponseFormat:
    """Structured output wanted: a JSON schema, and the strongest mode to ask the server for."""

    name: str
    schema: Mapping[str, Any]
    mode: JsonMode = "json_schema"


@dataclass(frozen=True)
class ChatRequest:
    """One chat completion to make; ``max_output_tokens`` None means the model profile's."""

    messages: tuple[Message, ...]
    max_output_tokens: int | None = None
    response_format: ResponseFormat | None = None
    tools: tuple[Mapping[str, Any], ...] = ()
    stream: bool = False
    temperature: float | None = None
    # The input tokens as already estimated (by the caller that planned the request, or the
    # guard), never less than estimate_request would say: nothing needs to count them again.
    input_estimate: int | None = None


@dataclass(frozen=True)
class Usage:
    """Tokens of one request; ``estimated`` when the server did not report them."""

    tokens_in: int
    tokens_out: int
    estimated: bool = False


@dataclass(frozen=True)
class ChatResponse:
    """The model's answer: text (or a refusal, or tool calls), why it stopped, what it cost."""

    content: str
    finish_reason: str
    usage: Usage
    model: str = ""
    refusal: str | None = None
    tool_calls: tuple[ToolCall, ...] = field(default=())
    format_used: JsonMode = "text"


class LLMProvider(Protocol):
    """A chat model: one method to complete a request; its profile says what it can take."""

    @property
    def profile(self) -> ModelProfile:
        """Model name, limits, price and structured-output support."""

    def complete(self, request: ChatRequest) -> ChatResponse:
        """Send ``request`` and return the answer; failures raise coded LLM errors (CA4xx)."""


@runtime_checkable
class Warmable(Protocol):
    """Something with slow set-up (an SDK to import, a client to build) that can do it ahead."""

    def warm(self) -> None:
        """Get ready for the first use (callers run this in the background)."""


def raise_if_refused(response: ChatResponse) -> None:
    """A refusal or a content-filter stop is an answer the caller cannot use: CA407."""
    if response.refusal:
        raise fail("CA407", problem=response.refusal)
    if response.finish_reason == "content_filter":
        raise fail("CA407", problem="the provider's content filter stopped the answer")
