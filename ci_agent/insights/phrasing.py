"""An optional opening paragraph written by a model, kept only when every number it states
comes from the metrics: the numbers are extracted from the text and each must match a value
of the facts it was given (as written, as a percentage, or as seconds in minutes or hours).
Anything else drops the paragraph, and the report says which numbers did not check."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ci_agent.errors import CiAgentError
from ci_agent.json_form import json_meta
from ci_agent.llm.provider import ChatRequest, LLMProvider, Message
from ci_agent.render import TemplateRenderer

__all__ = ["Phrased", "allowed_numbers", "facts_of", "phrase_summary", "unchecked_numbers"]

_NUMBER = re.compile(r"(?<![\w.])\d+(?:,\d{3})*(?:\.\d+)?")
_MAX_WORDS = 160
_MAX_OUTPUT_TOKENS = 400
_WORKFLOWS = 10
_LISTED = 5


@dataclass(frozen=True)
class Phrased:
    """The paragraph kept (or None), the numbers that did not check, and why it is absent."""

    text: str | None
    unchecked: tuple[str, ...] = field(default=(), metadata=json_meta(key="unchecked_numbers"))
    note: str = ""


def facts_of(
    metrics: Mapping[str, Any], recommendations: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """The part of the metrics the model sees (small: it fits a free-tier request)."""
    return {
        "days": metrics["window"]["days"],
        "runs": metrics["runs"],
        "flake_rate": metrics["flake_rate"],
        "flaky_runs": metrics["flaky_runs"],
        "workflows": [
            {k: w[k] for k in ("name", "runs", "success_rate", "p50", "p95", "trend", "queue_p95")}
            for w in metrics["workflows"][:_WORKFLOWS]
        ],
        "flaky_tests": [
            {"test": t["test"], "flip_rate": t["flip_rate"], "flips": t["flips"], "runs": t["runs"]}
            for t in metrics["flaky_tests"][:_LISTED]
        ],
        "time_to_green": {
            name: {"red_for_hours": g["red_for_hours"], "median_hours": g["median_hours"]}
            for name, g in list(metrics["time_to_green"].items())[:_WORKFLOWS]
        },
        "recommendations": [r["title"] for r in recommendations[:_LISTED]],
    }


def _values(data: Any) -> Iterator[float]:
    if isinstance(data, bool):
        return
    if isinstance(data, int | float):
        yield float(data)
    elif isinstance(data, Mapping):
        for value in data.values():
            yield from _values(value)
    elif isinstance(data, list | tuple):
        for value in data:
            yield from _values(value)
    elif isinstance(data, str):
        for found in _NUMBER.findall(data):
            yield float(found.replace(",", ""))


def allowed_numbers(facts: Mapping[str, Any]) -> set[str]:
    """Every way a number of ``facts`` may be written: as is (0-2 decimals), a share as a
    percentage (0-1 decimals), seconds as minutes or hours (1 decimal, or whole when exact)."""
    allowed: set[str] = set()

    def put(value: float, digits: tuple[int, ...]) -> None:
        for count in digits:
            allowed.add(f"{round(value, count):.{count}f}")
        if float(value).is_integer():
            allowed.add(str(int(value)))

    for value in _values(facts):
        put(value, (0, 1, 2))
        if abs(value) <= 1:
            put(abs(value) * 100, (0, 1))
        put(value / 60, (1,))
        put(value / 3600, (1,))
    return allowed


def unchecked_numbers(text: str, allowed: set[str]) -> tuple[str, ...]:
    """The numbers of ``text`` that are not in ``allowed``."""
    found = [n.replace(",", "") for n in _NUMBER.findall(text)]
    return tuple(n for n in found if n not in allowed)


def phrase_summary(
    provider: LLMProvider, facts: Mapping[str, Any], renderer: TemplateRenderer
) -> Phrased:
    """Ask for the paragraph and check it; a failing model is a note, never a failed run."""
    system = renderer.render("prompts/insights_summary_system.j2")
    user = renderer.render(
        "prompts/insights_summary_user.j2", facts=json.dumps(facts, sort_keys=True)
    )
    request = ChatRequest(
        (Message("system", system), Message("user", user)),
        max_output_tokens=_MAX_OUTPUT_TOKENS,
        temperature=0,
    )
    try:
        answer = provider.complete(request)
    except CiAgentError as exc:
        return Phrased(None, note=f"no model summary: {exc.code} {exc.message}")
    text = " ".join((answer.content or "").split())
    if not text or answer.refusal:
        return Phrased(None, note="no model summary: the model gave none")
    words = text.split()
    if len(words) > _MAX_WORDS:
        return Phrased(None, note=f"the model's summary was dropped: {len(words)} words")
    unchecked = unchecked_numbers(text, allowed_numbers(facts))
    if unchecked:
        shown = ", ".join(unchecked[:_LISTED])
        return Phrased(
            None,
            unchecked,
            f"the model's summary was dropped: {len(unchecked)} number(s) not in the metrics "
            f"({shown})",
        )
    return Phrased(text)
