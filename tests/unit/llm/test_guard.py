"""GuardedProvider: input cap and budget checked before sending, usage accounted, logs redacted."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from ci_agent.errors import CiAgentError
from ci_agent.json_form import to_json
from ci_agent.llm.budget import Budget
from ci_agent.llm.guard import GuardedProvider, estimate_request, input_room
from ci_agent.llm.provider import ChatRequest, ChatResponse, Message, Usage
from ci_agent.llm.scripted import ScriptedProvider, scripted_profile
from ci_agent.llm.structured import response_format_for
from ci_agent.metrics import Metrics
from ci_agent.redact import Redactor

SECRET = "sk-FAKEopenai0123456789abcdefSECRET"


def _request(text: str = "hello", **kwargs: object) -> ChatRequest:
    return ChatRequest((Message("user", text),), **kwargs)  # type: ignore[arg-type]


def _guard(
    inner: ScriptedProvider, budget: Budget | None = None, **kwargs: object
) -> GuardedProvider:
    return GuardedProvider(inner, budget or Budget(), **kwargs)  # type: ignore[arg-type]


def test_prompt_over_the_input_cap_is_refused_before_sending() -> None:
    inner = ScriptedProvider(["never"], profile=scripted_profile(input_cap=600))
    with pytest.raises(CiAgentError) as info:
        _guard(inner).complete(_request("word " * 2000))
    error = info.value
    assert error.code == "CA405"
    assert error.context == {"budget": "request-input-cap", "limit": 600}
    assert "Split the work" in error.suggestion
    assert inner.requests == []


def test_input_room_tells_callers_how_much_content_fits() -> None:
    profile = scripted_profile(input_cap=8000)
    fixed = [Message("system", "You review code."), Message("user", "Diff follows:")]
    room = input_room(profile, fixed)
    assert room == 8000 - estimate_request(fixed)
    assert 7900 < room < 8000


def test_schema_and_tools_count_toward_the_input() -> None:
    class Answer(BaseModel):
        verdict: str

    messages = [Message("user", "hi")]
    plain = estimate_request(messages)
    assert estimate_request(messages, response_format_for(Answer)) > plain
    tool = {"type": "function", "function": {"name": "lookup", "parameters": {}}}
    assert estimate_request(messages, tools=[tool]) > plain


def test_budget_refusal_sends_nothing() -> None:
    inner = ScriptedProvider(["never"])
    guard = _guard(inner, Budget(max_tokens=100))
    with pytest.raises(CiAgentError) as info:
        guard.complete(_request())  # worst case includes 4096 output tokens
    assert info.value.context["budget"] == "max-tokens"
    assert inner.requests == []


def test_output_allowance_is_capped_by_the_profile() -> None:
    inner = ScriptedProvider(["ok", "ok"], profile=scripted_profile(max_output_tokens=1000))
    guard = _guard(inner)
    guard.complete(_request())
    guard.complete(_request(max_output_tokens=50_000))
    assert [r.max_output_tokens for r in inner.requests] == [1000, 1000]


def test_usage_is_recorded_in_budget_and_metrics() -> None:
    reply = ChatResponse("ok", "stop", Usage(1000, 500))
    metrics = Metrics()
    budget = Budget(metrics=metrics)
    _guard(ScriptedProvider([reply]), budget).complete(_request())
    # scripted_profile prices: $1 in, $2 out per million
    assert budget.used_cost == pytest.approx(0.001 + 0.001)
    assert to_json(metrics.snapshot())["llm"]["tokens_in"] == 1000
    assert budget.used_tokens == 1500


def test_failed_request_releases_its_reservation() -> None:
    inner = ScriptedProvider([RuntimeError("boom"), "ok"])
    budget = Budget(max_tokens=5000)
    guard = _guard(inner, budget)
    with pytest.raises(RuntimeError):
        guard.complete(_request())
    guard.complete(_request())  # would be refused if the first reservation were still held


def test_refusal_is_ca407() -> None:
    reply = ChatResponse("", "stop", Usage(1, 1), refusal="no")
    with pytest.raises(CiAgentError) as info:
        _guard(ScriptedProvider([reply])).complete(_request())
    assert info.value.code == "CA407"


def test_content_filter_stop_is_ca407() -> None:
    reply = ChatResponse("", "content_filter", Usage(1, 1))
    with pytest.raises(CiAgentError) as info:
        _guard(ScriptedProvider([reply])).complete(_request())
    assert info.value.code == "CA407"


@pytest.mark.parametrize("verbosity", [0, 1, 2])
def test_prompts_are_logged_only_at_verbosity_two_and_redacted(verbosity: int) -> None:
    lines: list[tuple[str, int]] = []
    guard = _guard(
        ScriptedProvider([f"the key is {SECRET}"]),
        log=lambda message, level: lines.append((message, level)),
        verbosity=verbosity,
        redact=Redactor([SECRET]),
    )
    guard.complete(_request(f"my key is {SECRET}"))
    text = "\n".join(message for message, _ in lines)
    assert SECRET not in text
    assert ("my key is ***" in text) is (verbosity >= 2)
    assert ("the key is ***" in text) is (verbosity >= 2)
    assert ("LLM scripted-model" in text) is (verbosity >= 1)
