"""The merged result of shards as the tests comment: the same template as one run, filled from
the shards' JSON (accepted tests, funnel counts, refused candidates)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ci_agent.render import TemplateRenderer
from ci_agent.testgen.report import MAX_REFUSED_SHOWN
from ci_agent.testgen.verdict import GATES

__all__ = ["merged_markdown"]


def merged_markdown(result: Mapping[str, Any], renderer: TemplateRenderer) -> str:
    """``comments/tests.md.j2`` for a merge: what the shards accepted that the suite kept."""
    counts: Mapping[str, int] = result.get("funnel") or {}
    total = int(counts.get("candidates", 0))
    funnel = [
        {
            "gate": gate,
            "passed": counts.get(gate, 0),
            "share": f"{100 * counts.get(gate, 0) / total:.0f}%" if total else "-",
        }
        for gate in GATES
    ]
    refused = [
        {
            "target": c.get("target", ""),
            "engine": c.get("engine", ""),
            "attempt": c.get("attempt", ""),
            "gate": gate.get("gate", ""),
            "reason": gate.get("reason", ""),
        }
        for c in result.get("candidates") or ()
        for gate in [next((g for g in c.get("gates") or () if not g.get("passed")), None)]
        if gate is not None
    ]
    # A candidate the whole-suite run refused after the merge: its targets (or its file).
    refused += [
        {
            "target": ", ".join(d.get("targets") or ()) or d["file"],
            "engine": "",
            "attempt": "",
            "gate": "suite",
            "reason": d["reason"],
        }
        for d in result.get("dropped_by_suite") or ()
    ]
    shards = list(result.get("shards") or ())
    missing = list(result.get("missing_shards") or ())
    merged = f"{len(shards)} shard(s) merged" + (
        f", missing {', '.join(missing)}" if missing else ""
    )
    return renderer.render(
        "comments/tests.md.j2",
        accepted=list(result.get("accepted") or ()),
        written=list(result.get("written") or ()),
        targets_in_run=result.get("targets_in_run", 0),
        targets_total=result.get("targets_total", 0),
        candidates=total,
        engines=list(result.get("engines") or ()),
        funnel=funnel,
        refused=refused[:MAX_REFUSED_SHOWN],
        skipped=[(s.get("target", ""), s.get("reason", "")) for s in result.get("skipped") or ()],
        stopped="",
        shard=None,
        merged=merged,
        seconds=f"{float(result.get('seconds') or 0):.0f}",
        suite_runs=result.get("suite_runs", 0),
    )
