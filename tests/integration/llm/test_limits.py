"""Run caps and per-request caps refuse before sending; concurrency is bounded at the server."""

from __future__ import annotations

import pytest

from ci_agent.errors import CiAgentError
from ci_agent.json_form import to_json
from ci_agent.llm.budget import Budget, is_budget_exhausted
from ci_agent.llm.concurrency import map_bounded
from ci_agent.llm.guard import input_room
from ci_agent.llm.provider import ChatRequest, Message
from ci_agent.llm.tokens import estimate_tokens
from ci_agent.metrics import Metrics
from tests.fakes.openai_server import FakeOpenAI
from tests.integration.llm.conftest import BuildProvider


def _ask(text: str) -> ChatRequest:
    return ChatRequest((Message("user", text),))


def test_cost_cap_refuses_the_request_and_sends_nothing(
    build: BuildProvider, fake_openai: FakeOpenAI
) -> None:
    provider = build(provider="openai-compatible", model="gpt-4.1", max_cost=0.001)
    # worst case: ~10 input tokens at $2/M + 4096 output tokens at $8/M = $0.033 > $0.001
    with pytest.raises(CiAgentError) as info:
        provider.complete(_ask("hello"))
    assert info.value.code == "CA405"
    assert is_budget_exhausted(info.value)
    assert "max-cost" in info.value.message
    assert fake_openai.requests == []


def test_token_cap_lets_requests_through_until_the_next_could_pass_it(
    build: BuildProvider, fake_openai: FakeOpenAI
) -> None:
    metrics = Metrics()
    budget = Budget(max_tokens=300, metrics=metrics)
    provider = build(budget=budget, max_output_tokens=256)
    provider.complete(_ask("first"))
    provider.complete(_ask("second"))
    used = budget.used_tokens
    assert used == sum(r.prompt_tokens + r.completion_tokens for r in fake_openai.chat_requests)
    outcomes = map_bounded(lambda t: provider.complete(_ask(t)), ["a", "b", "c"], 1)
    done = [o for o in outcomes if o.ok]
    refused = [o for o in outcomes if not o.ok]
    assert refused and all(o.error and is_budget_exhausted(o.error) for o in refused)
    assert [o.ok for o in outcomes] == sorted((o.ok for o in outcomes), reverse=True)
    assert len(fake_openai.chat_requests) == 2 + len(done)
    assert budget.used_tokens <= 300
    assert to_json(metrics.snapshot())["llm"]["requests"] == 2 + len(done)


def test_prompt_over_the_input_cap_is_refused_before_sending(
    build: BuildProvider, fake_openai: FakeOpenAI
) -> None:
    provider = build(request_input_cap=1000)
    with pytest.raises(CiAgentError) as info:
        provider.complete(_ask("def f(x):\n    return x + 1\n" * 300))
    assert info.value.code == "CA405"
    assert info.value.context["budget"] == "request-input-cap"
    assert fake_openai.requests == []


def test_chunks_planned_with_input_room_fit(build: BuildProvider, fake_openai: FakeOpenAI) -> None:
    provider = build(request_input_cap=1000)
    fixed = [Message("system", "Review this part of the diff."), Message("user", "")]
    room = input_room(provider.profile, fixed)
    line = "+    total = compute(values, weights)  # changed\n"
    chunk = line * (room // estimate_tokens(line))
    provider.complete(ChatRequest((fixed[0], Message("user", chunk))))
    assert fake_openai.chat_requests[0].prompt_tokens <= 1000


@pytest.mark.parametrize(("provider_limit", "helper_limit"), [(2, 8), (4, 3)])
def test_the_server_never_sees_more_than_n_requests_at_once(
    build: BuildProvider, fake_openai: FakeOpenAI, provider_limit: int, helper_limit: int
) -> None:
    fake_openai.latency = 0.1
    for i in range(10):
        fake_openai.when(f"item {i}:", f"answer {i}")
    provider = build(max_concurrency=provider_limit)
    outcomes = map_bounded(
        lambda i: provider.complete(_ask(f"item {i}: review")).content, range(10), helper_limit
    )
    assert [o.value for o in outcomes] == [f"answer {i}" for i in range(10)]
    assert 2 <= fake_openai.max_in_flight <= min(provider_limit, helper_limit)
