"""The plan as people read it: terminal text and Markdown (Mermaid graph, table, evidence)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ci_agent.plan.risk import LEVELS
from ci_agent.render import TemplateRenderer, render_text
from ci_agent.report.markdown import code_span, plain_text

if TYPE_CHECKING:
    from ci_agent.plan.narrative import Narrative

__all__ = ["plan_markdown", "plan_text"]

_UNOWNED_SHOWN = 20
_MARKUP = frozenset("*_`[]<>!#|~\\&@:")


def plan_text(plan: Mapping[str, Any], narrative: Narrative | None = None) -> str:
    """Groups, units with risk and strategy, unowned paths; the checked narrative if any."""
    return render_text(
        "plan.txt.j2",
        narrative=narrative,
        units={u["name"]: u for u in plan["units"]},
        groups=plan["groups"],
        unowned=plan["unowned_paths"],
        stages=plan["stages"] if len(plan.get("environments", ())) > 1 else (),
        sha=plan["sha256"],
    )


def _where(evidence: Mapping[str, Any]) -> str:
    if not evidence.get("path"):
        return ""
    line = f":{evidence['line']}" if evidence.get("line") else ""
    return f" ({evidence['path']}{line})"


def plan_markdown(
    plan: Mapping[str, Any],
    renderer: TemplateRenderer | None = None,
    *,
    narrative: Narrative | None = None,
) -> str:
    """The plan for a PR comment or job summary."""
    units = [_with_places(u) for u in plan["units"]]
    levels = [u["risk"]["level"] for u in units]
    highest = max(levels, key=LEVELS.index) if levels else "none"
    names = sorted(u["name"] for u in units)
    unowned = list(plan["unowned_paths"])
    return (renderer or TemplateRenderer()).render(
        "comments/plan.md.j2",
        units=units,
        groups=plan["groups"],
        ids={name: index for index, name in enumerate(names)},
        risk={u["name"]: u["risk"]["level"] for u in units},
        highest=highest,
        sha=plan["sha256"],
        rollback=[code_span(n) for n in plan["rollback_order"]],
        unowned=[code_span(p) for p in unowned[:_UNOWNED_SHOWN]],
        unowned_count=len(unowned),
        environments=[_gate_cells(g) for g in plan.get("environments", ())],
        # Model text: links, mentions and images are cleaned out, whatever the check said.
        narrative=plain_text(narrative.text) if narrative and narrative.text else "",
        narrative_note=plain_text(narrative.note) if narrative and not narrative.text else "",
        stages=plan.get("stages", ()),
    )


def _plain(text: str) -> str:
    """``text`` cleaned when it holds Markdown syntax (most reasons are fixed sentences)."""
    return plain_text(text) if any(c in _MARKUP for c in text) else text


def _gate_cells(gate: Mapping[str, Any]) -> dict[str, Any]:
    """An environment's gates, as table cells."""
    return {
        **gate,
        "checks": ", ".join(code_span(c) for c in gate["checks"]) or "—",
        "approval_by": plain_text(gate["approval_by"]) if gate["approval"] else "—",
    }


def _with_places(unit: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``unit`` whose evidence carries its place as a code span (``where``)."""
    # Reasons may quote file names (a coverage report, a workflow): shown as plain text.
    evidence = [
        {
            **e,
            "reason": _plain(e["reason"]),
            "where": code_span(_where(e).strip(" ()")) if e.get("path") else "",
        }
        for e in unit["risk"]["evidence"]
    ]
    return {**unit, "risk": {**unit["risk"], "evidence": evidence}}
