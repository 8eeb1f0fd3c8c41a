"""A run's result as JSON, text and Markdown, with the funnel counted gate by gate."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ci_agent.json_form import to_json
from ci_agent.render import TemplateRenderer, render_text
from ci_agent.testgen.run import DiffCoverage, RunResult
from ci_agent.testgen.verdict import GATES, Verdict

__all__ = [
    "diff_line",
    "funnel_counts",
    "grouped_notes",
    "result_dict",
    "result_markdown",
    "result_text",
]

MAX_REFUSED_SHOWN = 30


def funnel_counts(verdicts: Sequence[Verdict]) -> dict[str, int]:
    """Candidates, then how many passed each gate (as TestGen-LLM counts them)."""
    counts = {"candidates": len(verdicts)}
    for gate in GATES:
        counts[gate] = sum(1 for v in verdicts if any(g.gate == gate and g.passed for g in v.gates))
    return counts


def _accepted(result: RunResult) -> list[dict[str, Any]]:
    files = {t: f.path for f in result.files for t in f.targets}
    found = []
    for v in result.verdicts:
        if v.accepted and v.candidate.target in files:
            found.append(
                {
                    "target": v.candidate.target,
                    # The function the tests call, when they gain more in another target's
                    # lines (a command line's main() that runs the parser) and count there.
                    "written_for": v.candidate.written_for,
                    "engine": v.candidate.engine,
                    "attempt": v.candidate.attempt,
                    "file": files[v.candidate.target],
                    "tests": len(v.tests),
                    "lines": len(v.gained_lines),
                    "branches": len(v.gained_branches),
                    "killed": len(v.killed),
                    "mutants": len(v.killed) + len(v.survived),
                }
            )
    return found


def result_dict(result: RunResult, written: Sequence[str], python: str) -> dict[str, Any]:
    """The JSON result (files with their text, so a later job can merge and deliver them)."""
    return {
        "scope": to_json(result.scope),
        "python": python,
        "engines": list(result.engines),
        "targets": {
            "total": result.targets_total,
            "in_run": len(result.targets),
            "uncovered_lines_outside_functions": result.uncovered_outside_functions,
            "list": to_json(result.targets),
        },
        "funnel": funnel_counts(result.verdicts),
        "accepted": _accepted(result),
        "candidates": to_json(result.verdicts),
        "files": to_json(result.files),
        "written": list(written),
        "skipped": [{"target": t, "reason": why} for t, why in result.skipped],
        "stopped": result.stopped,
        "no_candidate": list(result.notes),
        "suite_runs": result.suite_runs,
        "seconds": round(result.seconds, 2),
        "phases": [{"phase": name, "seconds": seconds} for name, seconds in result.phases],
        **({"diff_coverage": _diff(result.diff)} if result.diff is not None else {}),
    }


def _diff(diff: DiffCoverage) -> dict[str, Any]:
    return {
        "changed_lines": diff.lines,
        "uncovered_before": diff.lines_uncovered,
        "uncovered_after": len(diff.still_lines),
        "still_uncovered": list(diff.still_lines),
        "branches_uncovered_before": diff.branches_uncovered,
        "branches_uncovered_after": len(diff.still_branches),
        "still_uncovered_branches": list(diff.still_branches),
    }


def diff_line(result: RunResult, shown: int = 10) -> str:
    """One line on the change's own lines and branches: what the suite missed, and what the
    accepted tests still leave unrun (the first ``shown`` of each; the JSON lists all)."""
    diff = result.diff
    if diff is None:
        return ""
    if not diff.lines_uncovered and not diff.branches_uncovered:
        return f"changed lines: the suite already ran all {diff.lines} of them and their branches"

    def listed(items: Sequence[str]) -> str:
        more = f" and {len(items) - shown} more in the JSON result" if len(items) > shown else ""
        return ": " + ", ".join(items[:shown]) + more if items else ""

    return (
        f"changed lines: {diff.lines_uncovered} of {diff.lines} not run by the suite before, "
        f"{len(diff.still_lines)} still not run{listed(diff.still_lines)}; changed branches: "
        f"{diff.branches_uncovered} not run before, {len(diff.still_branches)} still not run"
        f"{listed(diff.still_branches)}"
    )


def result_text(result: RunResult, written: Sequence[str], dry_run: bool) -> str:
    """The terminal rendering."""
    return render_text(
        "tests.txt.j2",
        targets=len(result.targets),
        targets_total=result.targets_total,
        counts=funnel_counts(result.verdicts),
        accepted=_accepted(result),
        refused=_refused(result.verdicts),
        skipped=result.skipped,
        notes=grouped_notes(result.notes),
        stopped=result.stopped,
        dry_run=dry_run,
        seconds=f"{result.seconds:.0f}",
        paths=[f.path for f in result.files] if dry_run else list(written),
        diff=diff_line(result),
    )


def result_markdown(result: RunResult, written: Sequence[str], renderer: TemplateRenderer) -> str:
    """The Markdown rendering (sticky comment, job summary)."""
    counts = funnel_counts(result.verdicts)
    total = counts["candidates"]
    funnel = [
        {
            "gate": gate,
            "passed": counts[gate],
            "share": f"{100 * counts[gate] / total:.0f}%" if total else "-",
        }
        for gate in GATES
    ]
    refused = _refused(result.verdicts)
    return renderer.render(
        "comments/tests.md.j2",
        accepted=_accepted(result),
        written=list(written),
        planned=[f.path for f in result.files],
        notes=grouped_notes(result.notes),
        targets_in_run=len(result.targets),
        targets_total=result.targets_total,
        candidates=total,
        engines=list(result.engines),
        funnel=funnel,
        refused=refused[:MAX_REFUSED_SHOWN],
        skipped=list(result.skipped),
        stopped=result.stopped,
        shard=to_json(result.scope).get("shard"),
        seconds=f"{result.seconds:.0f}",
        suite_runs=result.suite_runs,
        diff=diff_line(result),
    )


def grouped_notes(notes: Sequence[str]) -> list[str]:
    """``target: engine: why`` notes, with one line for an engine that gave the same reason for
    several targets (an engine that cannot run at all says so once, not once per target)."""
    by_reason: dict[tuple[str, str], list[str]] = {}
    for note in notes:
        target, _, rest = note.partition(": ")
        engine, _, why = rest.partition(": ")
        by_reason.setdefault((engine, why), []).append(target)
    lines = []
    for (engine, why), targets in by_reason.items():
        if len(targets) == 1:
            lines.append(f"{targets[0]}: {engine}: {why}")
        else:
            more = f"{targets[0]} and {len(targets) - 1} more, listed in the JSON result"
            lines.append(f"{len(targets)} targets ({more}): {engine}: {why}")
    return lines


def _refused(verdicts: Sequence[Verdict]) -> list[dict[str, object]]:
    """Each refused candidate with the gate that refused it and why."""
    refused = []
    for v in verdicts:
        gate = next((g for g in v.gates if not g.passed), None)
        if gate is not None:
            refused.append(
                {
                    "target": v.candidate.target,
                    "engine": v.candidate.engine,
                    "attempt": v.candidate.attempt,
                    "gate": gate.gate,
                    "reason": gate.reason,
                }
            )
    return refused
