"""A model's short summary of a plan for reviewers, kept only when every fact in it is checked.

The plan is deterministic; the model only writes prose about it. Its paragraph is kept when
every number it states appears in the plan and every name it quotes (in backticks, or a word
shaped like a path or identifier) is a unit, environment, rule, kind, strategy or path of the
plan. Anything else drops the whole paragraph, and the report says what failed the check. The
narrative is never part of the plan's bytes or its SHA-256. The prompt is a Jinja2 template;
the plan's text (names and paths from the repository) goes inside a delimited block.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from ci_agent.llm.provider import ChatRequest, LLMProvider, Message, raise_if_refused
from ci_agent.render import TemplateRenderer

__all__ = ["Narrative", "check_narrative", "write_narrative"]

_MAX_CHARS = 1200
_MAX_OUTPUT_TOKENS = 400
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*")
_QUOTED = re.compile(r"`([^`\n]+)`")
# Words a person would not write in prose: paths, snake_case, dotted names.
_NAME_SHAPED = re.compile(r"\b[\w-]+(?:[/_.][\w-]+)+\b")
_PROSE = frozenset({"e.g", "i.e", "and/or"})


@dataclass(frozen=True)
class Narrative:
    """The checked paragraph, or why there is none."""

    JSON_KEYS: ClassVar = ("status", "text", "note")

    text: str | None
    status: str  # written | dropped | failed
    note: str = ""


def write_narrative(
    provider: LLMProvider, plan: Mapping[str, Any], renderer: TemplateRenderer | None = None
) -> Narrative:
    """Ask the model for the paragraph, then check it against ``plan``."""
    render = renderer or TemplateRenderer()
    facts = _facts(plan)
    messages = (
        Message("system", render.render("prompts/plan_system.j2", max_chars=_MAX_CHARS)),
        Message("user", render.render("prompts/plan_user.j2", plan_json=facts)),
    )
    response = provider.complete(
        ChatRequest(messages, max_output_tokens=_MAX_OUTPUT_TOKENS, temperature=0)
    )
    raise_if_refused(response)
    text = " ".join(response.content.split())
    if not text:
        return Narrative(None, "dropped", "the model answered nothing")
    if len(text) > _MAX_CHARS:
        return Narrative(None, "dropped", f"{len(text)} characters, more than {_MAX_CHARS}")
    unsupported = check_narrative(text, plan)
    if unsupported:
        shown = ", ".join(unsupported[:10])
        return Narrative(None, "dropped", f"it states what the plan does not hold: {shown}")
    return Narrative(text, "written")


def check_narrative(text: str, plan: Mapping[str, Any]) -> list[str]:
    """The numbers and names in ``text`` that ``plan`` does not hold (empty: all checked)."""
    numbers, names = _vocabulary(plan)
    found = []
    for match in _NUMBER.finditer(text):
        value = match.group().replace(",", "")
        if value not in numbers:
            found.append(match.group())
    for quoted in _QUOTED.findall(text):
        if quoted not in names:
            found.append(f"`{quoted}`")
    bare = _QUOTED.sub(" ", text)
    for match in _NAME_SHAPED.finditer(bare):
        word = match.group().rstrip(".")
        if (
            word
            and word not in names
            and word.lower() not in _PROSE
            and not _NUMBER.fullmatch(word)
        ):
            found.append(word)
    return list(dict.fromkeys(found))


def _facts(plan: Mapping[str, Any]) -> str:
    """What the model sees: the plan without hashes and long lists, as JSON."""
    units = [
        {
            "name": u["name"],
            "kind": u["kind"],
            "group": u["group"],
            "reason": u["reason"],
            "risk": u["risk"]["level"],
            "score": u["risk"]["score"],
            "findings": [
                {k: e[k] for k in ("rule", "level", "reason", "path", "line") if k in e}
                for e in u["risk"]["evidence"][:10]
            ],
            "strategy": u["strategy"]["name"],
            "irreversible": u["irreversible"],
            "on_failure": u["on_failure"]["action"],
            "environments": u["environments"],
        }
        for u in plan["units"]
    ]
    summary = {
        "changed_paths": plan["changed_paths"],
        "units": units,
        "groups": plan["groups"],
        "environments": [e["environment"] for e in plan.get("environments", ())],
        "unowned_paths": len(plan["unowned_paths"]),
    }
    return json.dumps(summary, indent=1, sort_keys=True)


def _vocabulary(plan: Mapping[str, Any]) -> tuple[set[str], set[str]]:
    """Every number and every name the plan holds (counts of its lists included)."""
    numbers: set[str] = set()
    names: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, bool) or value is None:
            return
        if isinstance(value, int | float):
            numbers.add(str(value))
        elif isinstance(value, str):
            numbers.update(m.group().replace(",", "") for m in _NUMBER.finditer(value))
            names.add(value)
            names.update(part for part in re.split(r"[\s,;:()]+", value) if part)
        elif isinstance(value, Mapping):
            for item in value.values():
                walk(item)
        elif isinstance(value, list | tuple):
            numbers.add(str(len(value)))
            for item in value:
                walk(item)

    walk({k: v for k, v in plan.items() if k not in {"sha256", "source"}})
    for unit in plan["units"]:
        for path in unit["changed_paths"]:
            parts = path.split("/")
            names.update("/".join(parts[:end]) for end in range(1, len(parts) + 1))
            names.update(parts)
    numbers.update(str(n) for n in range(len(plan["groups"]) + 1))
    return numbers, names
