"""Structured output: ask for JSON matching a pydantic model, validate it, repair once, or CA404.

Whatever mode the server took (json_schema, json_object or plain text), the answer is
extracted and validated here; nothing unvalidated leaves this module.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from ci_agent.errors import CiAgentError, fail
from ci_agent.llm.models import JsonMode
from ci_agent.llm.provider import ChatRequest, LLMProvider, Message, ResponseFormat

__all__ = ["complete_structured", "extract_json", "response_format_for", "strict_schema"]

M = TypeVar("M", bound=BaseModel)

_FENCE = re.compile(r"```[ \t]*(?:json|JSON)?[ \t]*\n(.*?)```", re.S)
MAX_ERRORS_SHOWN = 8
REPAIR_INVALID = (
    "Your previous answer was not valid: {problem}\n"
    "Reply again with only the corrected JSON object, matching the schema exactly."
)
REPAIR_LENGTH = (
    "Your previous answer was cut off at the output limit of {limit} tokens. Reply again with "
    "a shorter JSON object that fits: fewer items, shorter strings, no commentary."
)


def complete_structured(
    provider: LLMProvider,
    messages: Sequence[Message],
    schema: type[M],
    *,
    max_output_tokens: int | None = None,
    stream: bool = False,
    on_length: Literal["repair", "raise"] = "repair",
    input_estimate: int | None = None,
) -> M:
    """Ask for an instance of ``schema``; one repair round on invalid output, then CA404.

    An answer cut at the output limit is asked again shorter, or with ``on_length="raise"``
    is CA409 at once: a caller that can split its request does better than a shorter answer.
    ``input_estimate`` is the caller's own count of ``messages`` (not below estimate_request's);
    a repair round is counted afresh.
    """
    wanted = response_format_for(schema, provider.profile.json_mode)
    history = tuple(messages)
    problem = ""
    for attempt in (1, 2):
        request = ChatRequest(
            history,
            max_output_tokens,
            response_format=wanted,
            stream=stream,
            temperature=None,
            input_estimate=input_estimate if history == tuple(messages) else None,
        )
        try:
            response = provider.complete(request)
        except CiAgentError as exc:
            # The repair round carries the bad answer: when that no longer fits the input cap,
            # what failed is the answer, not the request.
            if attempt == 1 or exc.context.get("budget") != "request-input-cap":
                raise
            raise fail("CA404", problem=f"{problem} (the repair round did not fit)") from exc
        # The guard raises CA407 on refusals; a bare provider (tests) might not.
        if response.refusal:
            raise fail("CA407", problem=response.refusal)
        if response.finish_reason == "length":
            limit = request.max_output_tokens or provider.profile.max_output_tokens
            if on_length == "raise":
                raise fail("CA409", limit=limit)
            problem = f"the answer was cut off at the output limit ({limit} tokens)"
            repair = Message("user", REPAIR_LENGTH.format(limit=limit))
            history = (*tuple(messages), repair)
            continue
        value, problem = _validate(response.content, schema)
        if value is not None:
            return value
        if attempt == 1:
            answer = Message("assistant", response.content)
            history = (
                *tuple(messages),
                answer,
                Message("user", REPAIR_INVALID.format(problem=problem)),
            )
    raise fail("CA404", problem=problem)


def response_format_for(schema: type[BaseModel], mode: JsonMode = "json_schema") -> ResponseFormat:
    """The ResponseFormat for a pydantic model, with a strict-mode JSON schema."""
    name = re.sub(r"[^A-Za-z0-9_-]", "_", schema.__name__)[:64]
    return ResponseFormat(name, strict_schema(schema), mode)


def strict_schema(schema: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema as OpenAI's strict mode wants it: every property required,
    no additional properties, no defaults, ``$ref`` only alone."""
    root = schema.model_json_schema()
    strict: dict[str, Any] = _strict(root, root)
    return strict


def _strict(node: Any, root: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_strict(item, root) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node and len(node) > 1:
        target = root
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        merged = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        return _strict(merged, root)
    out = {k: _strict(v, root) for k, v in node.items() if k != "default"}
    if out.get("type") == "object" or "properties" in out:
        out.setdefault("additionalProperties", False)
        if "properties" in out:
            out["required"] = list(out["properties"])
    return out


def extract_json(text: str) -> Any:
    """The JSON in a model's answer: the whole text, a fenced block, or the first balanced
    object that parses. Raises ValueError when there is none."""
    stripped = text.strip()
    candidates = [stripped, *(m.group(1) for m in _FENCE.finditer(text))]
    for candidate in candidates:
        try:
            return json.loads(candidate)
        except ValueError:
            continue
    decoder = json.JSONDecoder()
    for match in re.finditer(r"\{", text):
        try:
            value, _ = decoder.raw_decode(text, match.start())
        except ValueError:
            continue
        return value
    raise ValueError("no JSON object found in the answer")


def _validate(content: str, schema: type[M]) -> tuple[M | None, str]:
    try:
        data = extract_json(content)
    except ValueError as exc:
        return None, str(exc)
    try:
        return schema.model_validate(data), ""
    except ValidationError as exc:
        return None, _describe(exc)


def _describe(exc: ValidationError) -> str:
    errors = exc.errors(include_url=False)
    lines = [
        f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}"
        for e in errors[:MAX_ERRORS_SHOWN]
    ]
    more = len(errors) - MAX_ERRORS_SHOWN
    return "; ".join(lines) + (f"; and {more} more" if more > 0 else "")
