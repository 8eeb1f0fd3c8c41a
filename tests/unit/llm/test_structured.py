"""Structured output: JSON extraction, strict schemas, validation and the one repair round."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel, Field

from ci_agent.errors import CiAgentError
from ci_agent.llm.provider import ChatResponse, Message, Usage
from ci_agent.llm.scripted import ScriptedProvider, scripted_profile
from ci_agent.llm.structured import (
    complete_structured,
    extract_json,
    response_format_for,
    strict_schema,
)


class Finding(BaseModel):
    path: str
    line: int = Field(ge=1)
    message: str
    severity: str = "low"


class Findings(BaseModel):
    findings: list[Finding]
    summary: str | None = None


GOOD = {"findings": [{"path": "a.py", "line": 3, "message": "bug", "severity": "high"}]}
PROMPT = [Message("system", "You review code."), Message("user", "Review this diff.")]


# -- extraction ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": 1}', {"a": 1}),
        ('  \n{"a": 1}\n', {"a": 1}),
        ('Here you go:\n```json\n{"a": 1}\n```\nDone.', {"a": 1}),
        ('```\n{"a": 2}\n```', {"a": 2}),
        ('Sure! The answer is {"a": {"b": "}{"}} and that is all.', {"a": {"b": "}{"}}),
        ('broken {"a": } then {"b": 2}', {"b": 2}),
        ('```json\n{"bad": }\n```\n{"good": true}', {"good": True}),
    ],
)
def test_extract_json_finds_the_object(text: str, expected: object) -> None:
    assert extract_json(text) == expected


@pytest.mark.parametrize("text", ["", "no json here", "{unbalanced", "```json\n{oops}\n```"])
def test_extract_json_without_an_object_raises(text: str) -> None:
    with pytest.raises(ValueError, match="no JSON object"):
        extract_json(text)


# -- strict schema ------------------------------------------------------------------------


def _objects(node: object) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if node.get("type") == "object":
            found.append(node)
        for value in node.values():
            found += _objects(value)
    elif isinstance(node, list):
        for value in node:
            found += _objects(value)
    return found


def test_strict_schema_requires_every_property_and_forbids_extras() -> None:
    schema = strict_schema(Findings)
    objects = _objects(schema)
    assert len(objects) >= 2
    for obj in objects:
        assert obj["additionalProperties"] is False
        assert obj["required"] == list(obj["properties"])
    assert '"default"' not in json.dumps(schema)


def test_response_format_names_the_model_and_keeps_the_mode() -> None:
    wanted = response_format_for(Findings, "json_object")
    assert wanted.name == "Findings"
    assert wanted.mode == "json_object"


# -- complete_structured ------------------------------------------------------------------


def test_valid_answer_is_returned_validated() -> None:
    provider = ScriptedProvider([GOOD])
    result = complete_structured(provider, PROMPT, Findings)
    assert isinstance(result, Findings)
    assert result.findings[0].severity == "high"
    assert len(provider.requests) == 1
    request = provider.requests[0]
    assert request.response_format is not None
    assert request.response_format.mode == "json_schema"


def test_invalid_answer_gets_one_repair_round_with_the_error() -> None:
    bad = {"findings": [{"path": "a.py", "line": 0, "message": "bug"}]}
    provider = ScriptedProvider([bad, GOOD])
    result = complete_structured(provider, PROMPT, Findings)
    assert result.findings[0].line == 3
    repair = provider.requests[1].messages
    assert repair[:2] == tuple(PROMPT)
    assert repair[2].role == "assistant"
    assert json.loads(repair[2].content) == bad
    assert "findings.0.line" in repair[3].content
    assert "greater than or equal to 1" in repair[3].content


def test_text_answer_with_prose_around_json_is_accepted() -> None:
    provider = ScriptedProvider([f"Sure.\n```json\n{json.dumps(GOOD)}\n```"])
    assert complete_structured(provider, PROMPT, Findings).findings[0].path == "a.py"


def test_invalid_twice_is_ca404_and_nothing_is_returned() -> None:
    provider = ScriptedProvider(["not json at all", '{"findings": "nope"}'])
    with pytest.raises(CiAgentError) as info:
        complete_structured(provider, PROMPT, Findings)
    assert info.value.code == "CA404"
    assert "findings" in info.value.message
    assert len(provider.requests) == 2


def test_no_json_at_all_is_reported_in_the_repair_prompt() -> None:
    provider = ScriptedProvider(["I think the code is fine.", GOOD])
    complete_structured(provider, PROMPT, Findings)
    assert "no JSON object found" in provider.requests[1].messages[-1].content


def _length(content: str) -> ChatResponse:
    return ChatResponse(content, "length", Usage(10, 4096))


def test_cut_off_answer_is_retried_with_a_shorter_answer_instruction() -> None:
    provider = ScriptedProvider([_length('{"findings": [{"path": "a.py", '), GOOD])
    result = complete_structured(provider, PROMPT, Findings, max_output_tokens=500)
    assert result.findings
    retry = provider.requests[1].messages
    assert retry[:2] == tuple(PROMPT)
    assert len(retry) == 3  # the cut-off answer is not sent back
    assert "shorter" in retry[2].content
    assert "500 tokens" in retry[2].content


def test_cut_off_twice_is_ca404() -> None:
    provider = ScriptedProvider([_length("{"), _length("{")])
    with pytest.raises(CiAgentError) as info:
        complete_structured(provider, PROMPT, Findings)
    assert info.value.code == "CA404"
    assert "cut off" in info.value.message


def test_refusal_is_ca407() -> None:
    refusal = ChatResponse("", "stop", Usage(5, 5), refusal="I can't help with that.")
    provider = ScriptedProvider([refusal])
    with pytest.raises(CiAgentError) as info:
        complete_structured(provider, PROMPT, Findings)
    assert info.value.code == "CA407"
    assert "can't help" in info.value.message


def test_profile_json_mode_is_what_is_asked_for() -> None:
    provider = ScriptedProvider([GOOD], profile=scripted_profile(json_mode="text"))
    complete_structured(provider, PROMPT, Findings)
    wanted = provider.requests[0].response_format
    assert wanted is not None
    assert wanted.mode == "text"
