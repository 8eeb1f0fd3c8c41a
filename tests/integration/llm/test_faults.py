"""Faults: retries through ci_agent.retry (fake clock, no real sleeping) and the coded errors
each persistent fault ends in."""

from __future__ import annotations

import time

import pytest

from ci_agent.errors import CiAgentError
from ci_agent.llm.provider import ChatRequest, Message
from tests.fakes.openai_server import FakeOpenAI, Reply
from tests.integration.llm.conftest import BuildProvider, FakeClock

REQUEST = ChatRequest((Message("user", "Summarise the failing job."),))
STREAMED = ChatRequest(REQUEST.messages, stream=True)


def test_429_with_retry_after_is_honoured_without_sleeping(
    build: BuildProvider, fake_openai: FakeOpenAI, clock: FakeClock
) -> None:
    fake_openai.enqueue(
        Reply.fault(429, "slow down", retry_after="7"),
        Reply.fault(429, "slow down", retry_after="12"),
        "done",
    )
    started = time.monotonic()
    response = build().complete(REQUEST)
    assert response.content == "done"
    assert clock.sleeps == [7.0, 12.0]
    assert time.monotonic() - started < 5  # the 19 s were waited on the fake clock
    assert [r.status for r in fake_openai.chat_requests] == [429, 429, 200]


def test_500_then_success(build: BuildProvider, fake_openai: FakeOpenAI, clock: FakeClock) -> None:
    fake_openai.enqueue(Reply.fault(500), "recovered")
    assert build().complete(REQUEST).content == "recovered"
    assert len(clock.sleeps) == 1
    assert 1.0 <= clock.sleeps[0] <= 1.25  # backoff base 1 s with up to 25 % jitter


def test_persistent_5xx_is_ca401_after_the_attempt_bound(
    build: BuildProvider, fake_openai: FakeOpenAI, clock: FakeClock
) -> None:
    fake_openai.script.default = Reply.fault(503, "overloaded")
    with pytest.raises(CiAgentError) as info:
        build(attempts=3).complete(REQUEST)
    error = info.value
    assert error.code == "CA401"
    assert "HTTP 503 after 3 attempts" in error.message
    assert fake_openai.base_url in error.message
    assert len(fake_openai.chat_requests) == 3
    assert len(clock.sleeps) == 2


def test_persistent_429_is_ca402(build: BuildProvider, fake_openai: FakeOpenAI) -> None:
    fake_openai.script.default = Reply.fault(429, "rate limited", retry_after="2")
    with pytest.raises(CiAgentError) as info:
        build(attempts=3).complete(REQUEST)
    assert info.value.code == "CA402"
    assert "after 3 attempts" in info.value.message


def test_quota_exhausted_429_is_ca402_without_retrying(
    build: BuildProvider, fake_openai: FakeOpenAI
) -> None:
    fake_openai.enqueue(Reply.fault(429, "You exceeded your quota", code="insufficient_quota"))
    with pytest.raises(CiAgentError) as info:
        build().complete(REQUEST)
    assert info.value.code == "CA402"
    assert "quota" in info.value.message
    assert len(fake_openai.chat_requests) == 1


def test_retry_wait_bound_stops_long_retry_after(
    build: BuildProvider, fake_openai: FakeOpenAI, clock: FakeClock
) -> None:
    fake_openai.enqueue(Reply.fault(429, retry_after="3600"))
    with pytest.raises(CiAgentError) as info:
        build().complete(REQUEST)  # the policy's bound is 600 s in these tests
    assert info.value.code == "CA402"
    assert clock.sleeps == []


def test_timeout_is_retried_then_ca401(
    build: BuildProvider, fake_openai: FakeOpenAI, clock: FakeClock
) -> None:
    fake_openai.script.default = Reply.slow(3.0)
    started = time.monotonic()
    with pytest.raises(CiAgentError) as info:
        build(attempts=2, timeout=0.3).complete(REQUEST)
    assert info.value.code == "CA401"
    assert "timeout" in info.value.message
    assert len(fake_openai.chat_requests) == 2
    assert time.monotonic() - started < 5  # not the 6 s the server would have taken


def test_timeout_then_success(build: BuildProvider, fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(Reply.slow(3.0), "in time")
    assert build(timeout=0.3).complete(REQUEST).content == "in time"


def test_truncated_stream_is_retried(build: BuildProvider, fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(Reply.truncated(after=3), "complete answer")
    response = build().complete(STREAMED)
    assert response.content == "complete answer"
    assert len(fake_openai.chat_requests) == 2


def test_persistently_truncated_stream_is_ca401(
    build: BuildProvider, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script.default = Reply.truncated(after=2)
    with pytest.raises(CiAgentError) as info:
        build(attempts=2).complete(STREAMED)
    assert info.value.code == "CA401"
    assert "finish_reason" in info.value.message


def test_connection_dropped_mid_body_is_retried(
    build: BuildProvider, fake_openai: FakeOpenAI
) -> None:
    fake_openai.enqueue(Reply(content="x" * 200, truncate_after=0), "whole")
    assert build().complete(REQUEST).content == "whole"
    assert len(fake_openai.chat_requests) == 2


def test_401_is_ca403_and_not_retried(build: BuildProvider, fake_openai: FakeOpenAI) -> None:
    fake_openai.api_key = "sk-the-right-key"
    with pytest.raises(CiAgentError) as info:
        build().complete(REQUEST)
    assert info.value.code == "CA403"
    assert "401" in info.value.message
    assert len(fake_openai.chat_requests) == 1


def test_403_is_ca403(build: BuildProvider, fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(Reply.fault(403, "models: read is required"))
    with pytest.raises(CiAgentError) as info:
        build().complete(REQUEST)
    assert info.value.code == "CA403"
    assert "models: read" in info.value.suggestion


def test_other_4xx_is_a_coded_error_naming_the_server_answer(
    build: BuildProvider, fake_openai: FakeOpenAI
) -> None:
    fake_openai.enqueue(Reply.fault(404, "The model 'gpt-9' does not exist"))
    with pytest.raises(CiAgentError) as info:
        build().complete(REQUEST)
    assert info.value.code == "CA401"
    assert "refused the request (HTTP 404)" in info.value.message
    assert "gpt-9" in info.value.message
    assert len(fake_openai.chat_requests) == 1


def test_unreachable_server_is_ca401(build: BuildProvider, fake_openai: FakeOpenAI) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(CiAgentError) as info:
        build(attempts=2, base_url=f"http://127.0.0.1:{port}/v1").complete(REQUEST)
    assert info.value.code == "CA401"
    assert str(port) in info.value.message


def test_connection_refused_is_ca401_without_retrying(
    build: BuildProvider, fake_openai: FakeOpenAI, clock: FakeClock
) -> None:
    """Nothing listens there: retrying for half a minute would only delay the report."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    provider = build(base_url=f"http://127.0.0.1:{port}/v1")
    with pytest.raises(CiAgentError) as info:
        provider.complete(ChatRequest((Message("user", "hi"),)))
    assert info.value.code == "CA401"
    assert "connection refused" in info.value.message
    assert clock.sleeps == []
