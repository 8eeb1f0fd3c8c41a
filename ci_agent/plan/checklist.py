"""A model's "things to check" before deploying, each tied to a real file and line of the change.

The model sees the plan's facts and the change (its diff with the head's line numbers, up to a
character budget; the files left out are counted and named) and answers structured JSON:
items ``{file, line, text}``. An item is kept only when its file is a changed file whose diff
the model was shown, and its line exists in that file at the head and lies in the diff shown:
a changed line, or one of the :data:`NEAR` context lines around a change. Everything else is
dropped and counted, with the reason per item. Items never set a risk level or score and are
not part of the plan's bytes. The diff and the plan's text come from the repository: the
prompt puts them inside delimited blocks as data.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel, Field

from ci_agent.llm.provider import LLMProvider, Message
from ci_agent.render import TemplateRenderer

__all__ = [
    "DIFF_BUDGET",
    "NEAR",
    "ChangeView",
    "CheckItem",
    "Checklist",
    "Checks",
    "checklist_lines",
    "keep_items",
    "view_from_diff",
    "write_checklist",
]

NEAR = 3  # context lines around a change the diff shows, and an item may point at
DIFF_BUDGET = 16_000  # characters of numbered diff sent (GitHub Models allow ~8k tokens in)
_MAX_ITEMS = 12
_MAX_OUTPUT_TOKENS = 900


class CheckItem(BaseModel):
    """One thing to check, at a file and line of the change."""

    file: str = Field(description="A changed file's path, exactly as in the diff.")
    line: int = Field(description="A line number of the head version shown in the diff.")
    text: str = Field(description="What to check there, in one sentence.", max_length=300)


class Checks(BaseModel):
    """The model's answer."""

    items: list[CheckItem] = Field(max_length=_MAX_ITEMS)


@dataclass(frozen=True)
class ChangeView:
    """The change as the model sees it, and what a line must be to be kept."""

    text: str  # the numbered diff sent
    head_lines: Mapping[str, int]  # lines of each shown file at the head
    near: Mapping[str, frozenset[int]]  # the head lines the diff shows, per file
    left_out: tuple[str, ...] = ()  # changed files the budget left out


@dataclass(frozen=True)
class Checklist:
    """The kept items, the dropped ones with why, or why there are none."""

    # For the JSON result (``things_to_check``): the dropped items counted, by reason too.
    JSON_KEYS: ClassVar = (
        "status",
        ("items", lambda c: [item.model_dump() for item in c.items]),
        ("dropped", lambda c: len(c.dropped)),
        ("dropped_why", lambda c: c.dropped_why),
        ("dropped_items", lambda c: c.dropped),
        "note",
        ("files_left_out", lambda c: c.left_out),
    )

    status: str  # written | failed
    items: tuple[CheckItem, ...] = ()
    dropped: tuple[dict[str, Any], ...] = ()
    note: str = ""
    left_out: tuple[str, ...] = field(default=())

    @property
    def dropped_why(self) -> dict[str, int]:
        """How many items were dropped for each reason."""
        reasons: dict[str, int] = {}
        for item in self.dropped:
            reasons[item["why"]] = reasons.get(item["why"], 0) + 1
        return reasons


def view_from_diff(
    diffs: Sequence[Any], head_lines: Callable[[str], int], budget: int = DIFF_BUDGET
) -> ChangeView:
    """The numbered diff of parsed ``diffs`` (:func:`ci_agent.diff.parse_diff`), within budget.

    Each shown line carries its head line number; a file that does not fit is left out whole
    (half a file would invite items on lines the model never saw).
    """
    parts: list[str] = []
    near: dict[str, frozenset[int]] = {}
    left_out: list[str] = []
    used = 0
    for diff in diffs:
        if diff.is_binary or not diff.hunks or diff.status == "removed":
            continue
        lines = [f"### {diff.path}"]
        shown: set[int] = set()
        for hunk in diff.hunks:
            lines.append("@@")
            for line in hunk.lines:
                mark = {"added": "+", "removed": "-"}.get(line.kind, " ")
                number = "" if line.new_line is None else str(line.new_line)
                lines.append(f"{number:>6} {mark} {line.text}")
                if line.new_line is not None:
                    shown.add(line.new_line)
        block = "\n".join(lines) + "\n"
        if used + len(block) > budget:
            left_out.append(diff.path)
            continue
        used += len(block)
        parts.append(block)
        near[diff.path] = frozenset(shown)
    # Only the shown files are read at the head: an item can only be kept on one of them.
    shown_lines = {path: head_lines(path) for path in near}
    return ChangeView("".join(parts), shown_lines, near, tuple(left_out))


def keep_items(
    items: Sequence[CheckItem], view: ChangeView
) -> tuple[list[CheckItem], list[dict[str, Any]]]:
    """The items tied to a shown line of a shown file; the others with the reason."""
    kept: list[CheckItem] = []
    dropped: list[dict[str, Any]] = []
    seen: set[tuple[str, int, str]] = set()
    for item in items:
        why = _why_dropped(item, view)
        key = (item.file, item.line, item.text)
        if not why and key in seen:
            why = "a repeat of another item"
        if why:
            dropped.append({"file": item.file[:200], "line": item.line, "why": why})
            continue
        seen.add(key)
        kept.append(item)
    return kept, dropped


def _why_dropped(item: CheckItem, view: ChangeView) -> str:
    if not item.text.strip():
        return "no text"
    if item.file not in view.near:
        if item.file in view.left_out:
            return "a file whose diff was not shown"
        return "not a file of the change"
    total = view.head_lines.get(item.file, 0)
    if not 1 <= item.line <= total:
        return f"no such line at the head (the file has {total})"
    if item.line not in view.near[item.file]:
        return f"not a changed line, nor within {NEAR} lines of one"
    return ""


def write_checklist(
    provider: LLMProvider,
    plan: Mapping[str, Any],
    view: ChangeView,
    renderer: TemplateRenderer | None = None,
) -> Checklist:
    """Ask the model for things to check, then keep those tied to the change."""
    from ci_agent.errors import CiAgentError
    from ci_agent.llm.structured import complete_structured

    if not view.near:
        note = "no diff to show the model"
        if view.left_out:
            note += f" ({len(view.left_out)} file(s) over the {DIFF_BUDGET}-character budget)"
        return Checklist("written", note=note, left_out=view.left_out)
    render = renderer or TemplateRenderer()
    facts = [
        {"unit": u["name"], "risk": u["risk"]["level"], "paths": u["changed_paths"][:20]}
        for u in plan["units"]
    ]
    messages = (
        Message("system", render.render("prompts/plan_checks_system.j2", max_items=_MAX_ITEMS)),
        Message(
            "user",
            render.render(
                "prompts/plan_checks_user.j2",
                plan_json=json.dumps(facts, indent=1, sort_keys=True),
                diff=view.text,
            ),
        ),
    )
    try:
        answer = complete_structured(
            provider, messages, Checks, max_output_tokens=_MAX_OUTPUT_TOKENS
        )
    except CiAgentError as exc:
        if not exc.code.startswith("CA4"):
            raise
        return Checklist("failed", note=f"{exc.code}: {exc.message}", left_out=view.left_out)
    kept, dropped = keep_items(answer.items, view)
    note = ""
    if view.left_out:
        note = (
            f"{len(view.left_out)} changed file(s) not shown to the model "
            f"(the diff is capped at {DIFF_BUDGET} characters)"
        )
    return Checklist("written", tuple(kept), tuple(dropped), note, view.left_out)


def checklist_lines(checklist: Checklist, *, markdown: bool) -> list[str]:
    """The section for the comment and summary (``markdown``) or the terminal."""
    if checklist.status == "failed":
        return [f"Things to check: none (the model failed: {checklist.note})"]
    from ci_agent.report.markdown import code_span, plain_text

    lines = ["### Things to check" if markdown else "Things to check:"]
    if markdown:
        lines.append("")
    for item in checklist.items:
        text = " ".join(item.text.split())
        if markdown:
            # Model text: links, mentions and images cleaned out; the place shown verbatim.
            lines.append(f"- {code_span(f'{item.file}:{item.line}')} {plain_text(text)}")
        else:
            lines.append(f"- {item.file}:{item.line} {text}")
    if not checklist.items:
        lines.append("- none")
    if checklist.dropped:
        why = "; ".join(f"{n} {reason}" for reason, n in checklist.dropped_why.items())
        lines.append(
            f"{len(checklist.dropped)} item(s) of the model dropped, not tied to the change: {why}"
        )
    if checklist.note:
        lines.append(checklist.note)
    return lines
