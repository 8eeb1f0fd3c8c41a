"""ScriptedProvider: replies in order, a default, raised exceptions, recorded requests."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from ci_agent.errors import fail
from ci_agent.llm.provider import ChatRequest, ChatResponse, Message, Usage
from ci_agent.llm.scripted import ScriptedProvider


class Point(BaseModel):
    x: int
    y: int


def _ask(provider: ScriptedProvider, text: str = "hi") -> ChatResponse:
    return provider.complete(ChatRequest((Message("user", text),)))


def test_replies_come_in_order_and_requests_are_recorded() -> None:
    provider = ScriptedProvider(["one", Point(x=1, y=2), {"a": 1}])
    assert _ask(provider, "first").content == "one"
    assert _ask(provider).content == '{"x":1,"y":2}'
    assert _ask(provider).content == '{"a": 1}'
    assert provider.requests[0].messages[0].content == "first"
    assert provider.remaining == 0


def test_enqueue_default_and_exhaustion() -> None:
    provider = ScriptedProvider()
    provider.enqueue("queued")
    assert _ask(provider).content == "queued"
    with pytest.raises(LookupError, match="no reply left for: 'last words'"):
        _ask(provider, "last words")
    fallback = ScriptedProvider(default="always")
    assert [_ask(fallback).content for _ in range(3)] == ["always"] * 3


def test_exceptions_are_raised_and_responses_pass_through() -> None:
    response = ChatResponse("x", "length", Usage(1, 2))
    provider = ScriptedProvider([fail("CA402", attempts=3), response])
    with pytest.raises(Exception, match="CA402"):
        _ask(provider)
    assert _ask(provider) is response


def test_usage_is_estimated() -> None:
    usage = _ask(ScriptedProvider(["a reply"]), "a prompt").usage
    assert usage.estimated
    assert usage.tokens_in > 0
    assert usage.tokens_out > 0
