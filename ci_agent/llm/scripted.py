"""ScriptedProvider: an in-memory LLMProvider whose replies tests enqueue (no network)."""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel

from ci_agent.config_model import Price
from ci_agent.llm.models import ModelProfile
from ci_agent.llm.provider import ChatRequest, ChatResponse, Usage
from ci_agent.llm.tokens import estimate_tokens

__all__ = ["Reply", "ScriptedProvider", "scripted_profile"]

# A reply: text, a model or mapping (sent as JSON), a full ChatResponse, or an exception to raise.
Reply = str | BaseModel | Mapping[str, Any] | ChatResponse | BaseException


def scripted_profile(**overrides: Any) -> ModelProfile:
    """A model profile for tests: roomy limits, a price, json_schema support."""
    values: dict[str, Any] = {
        "provider": "scripted",
        "model": "scripted-model",
        "input_cap": 100_000,
        "max_output_tokens": 4096,
        "price": Price(input=1.0, output=2.0),
        "json_mode": "json_schema",
    }
    values.update(overrides)
    return ModelProfile(**values)


class ScriptedProvider:
    """Answers requests with queued replies, in order; records every request; thread-safe."""

    def __init__(
        self,
        replies: Iterable[Reply] = (),
        *,
        profile: ModelProfile | None = None,
        default: Reply | None = None,
    ) -> None:
        self._profile = profile or scripted_profile()
        self._queue: deque[Reply] = deque(replies)
        self._default = default
        self._lock = threading.Lock()
        self.requests: list[ChatRequest] = []

    @property
    def profile(self) -> ModelProfile:
        """The profile given (or a roomy test profile)."""
        return self._profile

    def enqueue(self, *replies: Reply) -> None:
        """Add replies to the end of the queue."""
        with self._lock:
            self._queue.extend(replies)

    @property
    def remaining(self) -> int:
        """Replies not used yet."""
        return len(self._queue)

    def complete(self, request: ChatRequest) -> ChatResponse:
        """The next queued reply (or the default); raises it if it is an exception."""
        with self._lock:
            self.requests.append(request)
            if self._queue:
                reply = self._queue.popleft()
            elif self._default is not None:
                reply = self._default
            else:
                last = request.messages[-1].content[:80] if request.messages else ""
                raise LookupError(f"ScriptedProvider has no reply left for: {last!r}")
        if isinstance(reply, BaseException):
            raise reply
        if isinstance(reply, ChatResponse):
            return reply
        if isinstance(reply, BaseModel):
            text = reply.model_dump_json()
        elif isinstance(reply, str):
            text = reply
        else:
            text = json.dumps(dict(reply))
        tokens_in = sum(estimate_tokens(m.content) for m in request.messages)
        usage = Usage(tokens_in, estimate_tokens(text), estimated=True)
        mode = request.response_format.mode if request.response_format else "text"
        return ChatResponse(text, "stop", usage, self._profile.model, format_used=mode)
