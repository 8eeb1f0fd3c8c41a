"""The recent CI failure rate of the workflows that test or deploy each unit.

Runs are read through the forge, newest first, on the default branch, at most
``deploy.risk.ci-runs`` of them (the bound is part of the result, as is whether the history
was read whole). A unit's workflows are those its manifest names in ``ci-workflows``; else the
repository's push/pull_request workflows whose ``paths`` filters reach the unit's paths, and
those without path filters (they test everything).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ci_agent.config_deploy import RiskThresholds, Unit
from ci_agent.forge.run_protocol import WorkflowRuns
from ci_agent.forge.run_types import WorkflowRun
from ci_agent.plan.risk import Evidence, Level

__all__ = ["CiHistory", "history_evidence", "read_history", "unit_workflows"]

_FAILED = {"failure", "timed_out", "startup_failure"}
_COUNTED = _FAILED | {"success"}  # cancelled and skipped runs say nothing about the code
_RUNS_SHOWN = 5
_GLOB = "*?[{"


@dataclass(frozen=True)
class CiHistory:
    """Completed runs on ``branch``, newest first; ``complete`` when fewer than ``limit`` exist."""

    branch: str
    limit: int
    runs: tuple[WorkflowRun, ...]
    complete: bool

    def describe(self) -> dict[str, Any]:
        """What was read, for the plan's ``source``."""
        return {
            "branch": self.branch,
            "runs_read": len(self.runs),
            "limit": self.limit,
            "complete": self.complete,
        }


def read_history(forge: WorkflowRuns, branch: str, limit: int) -> CiHistory:
    """The newest ``limit`` runs on ``branch`` (pages are fetched only as far as needed)."""
    runs = tuple(itertools.islice(forge.workflow_runs(branch=branch), limit + 1))
    return CiHistory(branch, limit, runs[:limit], complete=len(runs) <= limit)


def unit_workflows(root: Path, units: Sequence[Unit]) -> dict[str, tuple[str, ...]]:
    """Unit name -> the workflow files whose runs count for it."""
    filters = _workflow_filters(root)
    found = {}
    for unit in units:
        if unit.ci_workflows:
            found[unit.name] = tuple(sorted(unit.ci_workflows))
            continue
        prefixes = [_literal(p) for p in unit.paths if not p.startswith("!")]
        found[unit.name] = tuple(
            sorted(
                name
                for name, paths in filters.items()
                if paths is None or any(_overlap(a, _literal(b)) for a in prefixes for b in paths)
            )
        )
    return found


def _workflow_filters(root: Path) -> dict[str, list[str] | None]:
    """Workflow file -> its push/pull_request ``paths`` (None: every path)."""
    import yaml

    found: dict[str, list[str] | None] = {}
    folder = root / ".github" / "workflows"
    for file in sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")]):
        try:
            data = yaml.safe_load(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue  # not a workflow GitHub would run either
        if not isinstance(data, dict):
            continue
        # YAML 1.1 reads the key `on` as True.
        triggers = data.get("on", data.get(True))
        events = _events(triggers)
        code = {k: v for k, v in events.items() if k in {"push", "pull_request"}}
        if not code:
            continue
        paths: list[str] | None = []
        for spec in code.values():
            listed = spec.get("paths") if isinstance(spec, dict) else None
            if not isinstance(listed, list) or paths is None:
                paths = None
                continue
            paths += [str(p) for p in listed if not str(p).startswith("!")]
        found[f".github/workflows/{file.name}"] = paths
    return found


def _events(triggers: object) -> dict[str, Any]:
    if isinstance(triggers, str):
        return {triggers: None}
    if isinstance(triggers, list):
        return {str(t): None for t in triggers}
    if isinstance(triggers, dict):
        return {str(k): v for k, v in triggers.items()}
    return {}


def _literal(glob: str) -> str:
    """The part of a glob before its first wildcard (``api/`` of ``api/**``)."""
    cut = min((glob.index(c) for c in _GLOB if c in glob), default=len(glob))
    return glob[:cut].lstrip("/")


def _overlap(a: str, b: str) -> bool:
    return a.startswith(b) or b.startswith(a)


def history_evidence(
    workflows: Sequence[str], history: CiHistory, limits: RiskThresholds
) -> list[Evidence]:
    """A finding when the unit's workflows failed often in the runs read."""
    chosen = set(workflows)
    runs = [
        r
        for r in history.runs
        if r.path in chosen and r.status == "completed" and r.conclusion in _COUNTED
    ]
    failed = [r for r in runs if r.conclusion in _FAILED]
    if len(runs) < limits.min_runs or len(failed) / len(runs) <= limits.failure_rate_above:
        return []
    share = len(failed) / len(runs)
    bound = "" if history.complete else f" (the newest {history.limit} runs read)"
    reason = (
        f"{len(failed)} of the last {len(runs)} completed runs of {', '.join(sorted(chosen))} "
        f"on {history.branch} failed ({share:.0%}, over {limits.failure_rate_above:.0%}){bound}"
    )
    shown = failed[:_RUNS_SHOWN]
    text = ", ".join(r.url or f"run {r.id}" for r in shown)
    if len(failed) > len(shown):
        text += f" and {len(failed) - len(shown)} more"
    level: Level = "high" if share > 2 * limits.failure_rate_above else "medium"
    return [Evidence("ci-failure-rate", level, reason, shown[0].path, text=text)]
