"""Which units to roll back after a failed deployment, and in which order.

The plan's stages say the order units went out (a stage is one parallel group in one
environment); the Deployments API says which of them actually started for this commit — a
matrix that partly failed, or whose other jobs were cancelled mid-way, left some units
deployed and some not. The first stage holding a failed deployment is where the rollback
starts: every unit of that stage or a later one that started (``in_progress``, ``success``,
``failure`` or ``error``) is rolled back, the last deployed first — later stages before
earlier ones, and inside a stage the reverse of the plan's order. A stage's parallel units
went out together, so they come back together. Units already ``inactive`` were rolled back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ci_agent.forge.run_types import Deployment, DeploymentState
from ci_agent.plan.status import task_for

__all__ = [
    "FAILED_STATES",
    "STARTED_STATES",
    "DeploymentLookup",
    "StageEntry",
    "read_states",
    "rollback_matrix",
    "rollback_order",
    "stage_entries",
]

STARTED_STATES = frozenset({"in_progress", "success", "failure", "error"})
FAILED_STATES = frozenset({"failure", "error"})


class DeploymentLookup(Protocol):
    """A unit's deployment of a commit, and its newest state."""

    def find_deployment(self, sha: str, environment: str, task: str) -> Deployment | None:
        """The newest deployment of ``sha`` with ``task`` to ``environment``, if any."""

    def deployment_state(self, deployment_id: int) -> DeploymentState | None:
        """The newest state of a deployment, None before any."""


@dataclass(frozen=True)
class StageEntry:
    """One unit in one stage of the plan (an entry of the ``matrix`` output)."""

    unit: str
    environment: str
    stage: int
    position: int  # its place in the stage, in the plan's order


def stage_entries(source: Any) -> list[StageEntry]:
    """The entries of a plan, a ``--output json`` envelope, or the action's ``matrix`` output.

    Raises ValueError when ``source`` is none of these.
    """
    if isinstance(source, Mapping) and isinstance(source.get("result"), Mapping):
        source = source["result"]
    if isinstance(source, Mapping):
        source = source.get("matrix")
    if not isinstance(source, list):
        raise ValueError("expected a plan, its JSON envelope, or the matrix output (a list)")
    entries = []
    for index, stage in enumerate(source):
        include = stage.get("include") if isinstance(stage, Mapping) else None
        if not isinstance(include, list):
            raise ValueError(f"stage {index} has no 'include' list")
        for position, item in enumerate(include):
            try:
                entries.append(
                    StageEntry(
                        str(item["unit"]), str(item["environment"]), int(item["stage"]), position
                    )
                )
            except (KeyError, TypeError, ValueError):
                raise ValueError(
                    f"stage {index}, entry {position}: needs unit, environment and stage"
                ) from None
    return entries


def read_states(
    forge: DeploymentLookup, sha: str, entries: Iterable[StageEntry]
) -> dict[tuple[str, str], DeploymentState | None]:
    """The newest state of each entry's deployment of ``sha`` (None: never recorded)."""
    states: dict[tuple[str, str], DeploymentState | None] = {}
    for entry in entries:
        key = (entry.unit, entry.environment)
        if key in states:
            continue
        found = forge.find_deployment(sha, entry.environment, task_for(entry.unit))
        states[key] = forge.deployment_state(found.id) if found is not None else None
    return states


def rollback_order(
    entries: Sequence[StageEntry], states: Mapping[tuple[str, str], str | None]
) -> tuple[int | None, list[StageEntry]]:
    """The first failed stage (None: nothing failed) and what to roll back, in order."""
    failed = [e.stage for e in entries if states.get((e.unit, e.environment)) in FAILED_STATES]
    if not failed:
        return None, []
    first = min(failed)
    chosen = [
        e
        for e in entries
        if e.stage >= first and states.get((e.unit, e.environment)) in STARTED_STATES
    ]
    return first, sorted(chosen, key=lambda e: (-e.stage, -e.position))


def rollback_matrix(
    chosen: Sequence[StageEntry], states: Mapping[tuple[str, str], str | None]
) -> str:
    """``{"include": [...]}`` in rollback order, for a job run with ``max-parallel: 1``."""
    include = [
        {
            "unit": e.unit,
            "environment": e.environment,
            "stage": e.stage,
            "order": index,
            "state": states.get((e.unit, e.environment)),
        }
        for index, e in enumerate(chosen)
    ]
    return json.dumps({"include": include}, separators=(",", ":"))
