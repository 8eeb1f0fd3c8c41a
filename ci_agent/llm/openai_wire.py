"""Translation between ChatRequest/ChatResponse and the openai SDK's arguments and objects.

Functions here take and return SDK objects typed as ``Any``: the SDK is imported lazily by
the provider, never at module import (``ci-agent --help`` must not load it).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from ci_agent.llm.models import JsonMode, ModelProfile
from ci_agent.llm.provider import ChatRequest, ChatResponse, Message, ToolCall, Usage
from ci_agent.llm.tokens import estimate_tokens

__all__ = ["TruncatedStream", "read_completion", "read_stream", "request_kwargs"]

SCHEMA_INSTRUCTION = (
    "Answer with one JSON object and nothing else (no prose, no code fence). "
    "It must validate against this JSON schema:\n{schema}"
)


class TruncatedStream(Exception):
    """The stream ended without a finish reason: the answer is incomplete."""


def request_kwargs(request: ChatRequest, profile: ModelProfile, mode: JsonMode) -> dict[str, Any]:
    """Keyword arguments of ``chat.completions.create`` for ``request`` in output ``mode``."""
    messages = [_message(m) for m in request.messages]
    kwargs: dict[str, Any] = {"model": profile.model, "messages": messages}
    kwargs[_output_param(profile)] = request.max_output_tokens or profile.max_output_tokens
    if request.temperature is not None:
        kwargs["temperature"] = request.temperature
    if request.tools:
        kwargs["tools"] = [dict(tool) for tool in request.tools]
    wanted = request.response_format
    if wanted is not None and mode == "json_schema":
        kwargs["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": wanted.name, "schema": dict(wanted.schema), "strict": True},
        }
    elif wanted is not None:
        # Without json_schema the model only learns the schema from the prompt.
        schema = json.dumps(dict(wanted.schema), separators=(",", ":"))
        messages.append({"role": "system", "content": SCHEMA_INSTRUCTION.format(schema=schema)})
        if mode == "json_object":
            kwargs["response_format"] = {"type": "json_object"}
    if request.stream:
        kwargs["stream"] = True
        kwargs["stream_options"] = {"include_usage": True}
    return kwargs


def _output_param(profile: ModelProfile) -> str:
    """OpenAI and Azure want ``max_completion_tokens`` (o-series refuse ``max_tokens``);
    GitHub Models and other compatible servers know ``max_tokens``."""
    bare = profile.model.rsplit("/", 1)[-1]
    if profile.provider in ("openai", "azure") or bare[:2] in ("o1", "o3", "o4"):
        return "max_completion_tokens"
    return "max_tokens"


def _message(message: Message) -> dict[str, Any]:
    out: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.tool_call_id is not None:
        out["tool_call_id"] = message.tool_call_id
    if message.tool_calls:
        out["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in message.tool_calls
        ]
    return out


def read_completion(completion: Any, mode: JsonMode, estimate_in: int) -> ChatResponse:
    """A ChatResponse from a non-streamed ``ChatCompletion``."""
    choice = completion.choices[0]
    message = choice.message
    calls = tuple(
        ToolCall(c.id, c.function.name, c.function.arguments)
        for c in (message.tool_calls or ())
        if getattr(c, "function", None) is not None
    )
    content = message.content or ""
    return ChatResponse(
        content=content,
        finish_reason=choice.finish_reason or "stop",
        usage=_usage(completion.usage, estimate_in, content, calls),
        model=completion.model or "",
        refusal=message.refusal,
        tool_calls=calls,
        format_used=mode,
    )


def read_stream(chunks: Iterable[Any], mode: JsonMode, estimate_in: int) -> ChatResponse:
    """A ChatResponse from streamed chunks; usage arrives in the last chunk (no choices)."""
    content: list[str] = []
    refusal: list[str] = []
    calls: dict[int, list[str]] = {}
    finish: str | None = None
    usage: Any = None
    model = ""
    for chunk in chunks:
        model = chunk.model or model
        if chunk.usage is not None:
            usage = chunk.usage
        for choice in chunk.choices:
            delta = choice.delta
            content.append(delta.content or "")
            refusal.append(getattr(delta, "refusal", None) or "")
            for call in delta.tool_calls or ():
                slot = calls.setdefault(call.index, ["", "", ""])
                slot[0] = call.id or slot[0]
                if call.function is not None:
                    slot[1] += call.function.name or ""
                    slot[2] += call.function.arguments or ""
            finish = choice.finish_reason or finish
    if finish is None:
        raise TruncatedStream("the stream ended before the final chunk (no finish_reason)")
    text = "".join(content)
    tool_calls = tuple(ToolCall(*calls[i]) for i in sorted(calls))
    return ChatResponse(
        content=text,
        finish_reason=finish,
        usage=_usage(usage, estimate_in, text, tool_calls),
        model=model,
        refusal="".join(refusal) or None,
        tool_calls=tool_calls,
        format_used=mode,
    )


def _usage(usage: Any, estimate_in: int, content: str, calls: tuple[ToolCall, ...]) -> Usage:
    """The server's counts, or our estimates when it sent none (some servers never do)."""
    if usage is not None:
        return Usage(int(usage.prompt_tokens), int(usage.completion_tokens))
    out = estimate_tokens(content) + sum(estimate_tokens(c.name + c.arguments) for c in calls)
    return Usage(estimate_in, out, estimated=True)
