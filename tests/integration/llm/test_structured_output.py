"""Structured output end to end: json_schema, run-time fallbacks, extraction, repair, CA404/407."""

from __future__ import annotations

import json

import pytest
from pydantic import BaseModel, Field

from ci_agent.errors import CiAgentError
from ci_agent.llm.provider import Message
from ci_agent.llm.structured import complete_structured
from tests.fakes.openai_server import FakeOpenAI, Reply
from tests.integration.llm.conftest import BuildProvider, FakeClock


class Finding(BaseModel):
    path: str
    line: int = Field(ge=1)
    message: str


class Review(BaseModel):
    summary: str
    findings: list[Finding]


GOOD = {"summary": "one bug", "findings": [{"path": "a.py", "line": 4, "message": "off by one"}]}
PROMPT = [Message("system", "You review code."), Message("user", "Review: +x = y[len(y)]")]


def test_json_schema_strict_is_sent_and_the_answer_validated(
    build: BuildProvider, fake_openai: FakeOpenAI
) -> None:
    fake_openai.enqueue(json.dumps(GOOD))
    review = complete_structured(build(), PROMPT, Review)
    assert review == Review.model_validate(GOOD)
    body = fake_openai.chat_requests[0].body
    assert body is not None
    response_format = body["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["name"] == "Review"
    assert response_format["json_schema"]["strict"] is True
    assert response_format["json_schema"]["schema"]["additionalProperties"] is False
    assert len(body["messages"]) == 2  # the schema travels in response_format, not the prompt


def test_streamed_structured_answer(build: BuildProvider, fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(json.dumps(GOOD, indent=2))
    assert complete_structured(build(), PROMPT, Review, stream=True).summary == "one bug"


def test_a_400_to_json_schema_falls_back_to_json_object_for_the_rest_of_the_run(
    build: BuildProvider, fake_openai: FakeOpenAI
) -> None:
    fake_openai.json_schema_supported = False
    fake_openai.enqueue(json.dumps(GOOD), json.dumps(GOOD))
    provider = build()
    complete_structured(provider, PROMPT, Review)
    complete_structured(provider, PROMPT, Review)
    kinds = [
        (r.status, (r.body or {}).get("response_format", {}).get("type"))
        for r in fake_openai.chat_requests
    ]
    assert kinds == [(400, "json_schema"), (200, "json_object"), (200, "json_object")]
    fallback = fake_openai.chat_requests[1].body
    assert fallback is not None
    assert "JSON schema" in fallback["messages"][-1]["content"]
    assert '"findings"' in fallback["messages"][-1]["content"]


def test_no_json_support_at_all_falls_back_to_plain_text_with_extraction(
    build: BuildProvider, fake_openai: FakeOpenAI
) -> None:
    fake_openai.json_schema_supported = False
    fake_openai.json_object_supported = False
    fake_openai.enqueue(f"Here is my review:\n```json\n{json.dumps(GOOD)}\n```\nThanks!")
    review = complete_structured(build(), PROMPT, Review)
    assert review.findings[0].line == 4
    statuses = [r.status for r in fake_openai.chat_requests]
    assert statuses == [400, 400, 200]
    last = fake_openai.chat_requests[-1].body
    assert last is not None
    assert "response_format" not in last


def test_invalid_json_gets_a_repair_round_then_succeeds(
    build: BuildProvider, fake_openai: FakeOpenAI
) -> None:
    fake_openai.enqueue(
        '{"summary": "one bug", "findings": [{"path": "a.py", "line": 0', json.dumps(GOOD)
    )
    review = complete_structured(build(), PROMPT, Review)
    assert review.summary == "one bug"
    _, repair = fake_openai.chat_requests
    assert repair.body is not None
    messages = repair.body["messages"]
    assert messages[2]["role"] == "assistant"
    assert messages[2]["content"].startswith('{"summary"')
    assert "not valid" in messages[3]["content"]


def test_invalid_values_are_named_in_the_repair_prompt(
    build: BuildProvider, fake_openai: FakeOpenAI
) -> None:
    bad = {"summary": "x", "findings": [{"path": "a.py", "line": -3, "message": "m"}]}
    fake_openai.enqueue(json.dumps(bad), json.dumps(GOOD))
    complete_structured(build(), PROMPT, Review)
    body = fake_openai.chat_requests[1].body
    assert body is not None
    assert "findings.0.line" in body["messages"][-1]["content"]


def test_invalid_twice_is_ca404(build: BuildProvider, fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue("I would rather chat.", '{"summary": 3}')
    with pytest.raises(CiAgentError) as info:
        complete_structured(build(), PROMPT, Review)
    assert info.value.code == "CA404"
    assert len(fake_openai.chat_requests) == 2


def test_refusal_is_ca407(build: BuildProvider, fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(Reply.refused("I can't review that."))
    with pytest.raises(CiAgentError) as info:
        complete_structured(build(), PROMPT, Review)
    assert info.value.code == "CA407"
    assert "can't review" in info.value.message
    assert len(fake_openai.chat_requests) == 1


def test_streamed_refusal_is_ca407(build: BuildProvider, fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(Reply.refused("No."))
    with pytest.raises(CiAgentError) as info:
        complete_structured(build(), PROMPT, Review, stream=True)
    assert info.value.code == "CA407"


def test_length_stop_gets_a_shorter_answer_round(
    build: BuildProvider, fake_openai: FakeOpenAI
) -> None:
    fake_openai.enqueue(
        Reply(content='{"summary": "long', finish_reason="length"), json.dumps(GOOD)
    )
    review = complete_structured(build(), PROMPT, Review, max_output_tokens=300)
    assert review.findings
    retry = fake_openai.chat_requests[1].body
    assert retry is not None
    assert "shorter" in retry["messages"][-1]["content"]
    assert retry["max_tokens"] == 300


def test_length_stop_twice_is_ca404(build: BuildProvider, fake_openai: FakeOpenAI) -> None:
    cut = Reply(content='{"summary": "lo', finish_reason="length")
    fake_openai.enqueue(cut, cut)
    with pytest.raises(CiAgentError) as info:
        complete_structured(build(), PROMPT, Review)
    assert info.value.code == "CA404"
    assert "cut off" in info.value.message


def test_a_400_about_something_else_does_not_downgrade_the_format(
    build: BuildProvider, fake_openai: FakeOpenAI
) -> None:
    fake_openai.enqueue(Reply.fault(400, "messages: too many images"), json.dumps(GOOD))
    provider = build()
    with pytest.raises(CiAgentError) as info:
        complete_structured(provider, PROMPT, Review)
    assert info.value.code == "CA401"
    complete_structured(provider, PROMPT, Review)
    kinds = [(r.body or {})["response_format"]["type"] for r in fake_openai.chat_requests]
    assert kinds == ["json_schema", "json_schema"]


def test_a_500_naming_response_format_downgrades_at_once(
    build: BuildProvider, fake_openai: FakeOpenAI, clock: FakeClock
) -> None:
    """llama-cpp-python answers 500 to a format it does not take: no six retries first."""
    refusal = Reply.fault(500, "response_format type json_schema is not supported")
    fake_openai.enqueue(refusal, json.dumps(GOOD))
    assert complete_structured(build(), PROMPT, Review).summary == "one bug"
    kinds = [
        (r.status, (r.body or {}).get("response_format", {}).get("type"))
        for r in fake_openai.chat_requests
    ]
    assert kinds == [(500, "json_schema"), (200, "json_object")]
    assert clock.sleeps == []


def test_a_cut_answer_can_be_left_to_the_caller_to_split(
    build: BuildProvider, fake_openai: FakeOpenAI
) -> None:
    fake_openai.enqueue(Reply(content='{"summary": "lo', finish_reason="length"))
    with pytest.raises(CiAgentError) as info:
        complete_structured(build(), PROMPT, Review, on_length="raise")
    assert info.value.code == "CA409"
    assert len(fake_openai.chat_requests) == 1
