"""Assemble the plan: the same inputs give the same bytes, and a SHA-256 over them.

The plan is plain data: schema version, inputs, the units with their risk and step, the
parallel groups, the rollback order, changed paths no unit owns, and the recovery table. Its
canonical form is JSON with sorted keys and no whitespace; ``sha256`` is taken over that form
without the ``sha256`` key itself.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, replace
from typing import Any, TypeAlias

from ci_agent.config_deploy import DeployConfig, Unit
from ci_agent.plan.graph import affected_units, layers, owners
from ci_agent.plan.recovery import FAILURE_KINDS, backoff_schedule
from ci_agent.plan.risk import ChangedText, Evidence, assess
from ci_agent.plan.steps import RECOVERY_TEXT, step_for

__all__ = ["PLAN_SCHEMA_VERSION", "UnitRule", "build_plan", "canonical_bytes", "matrix"]

# 2: stages, environments and promotion; matrix entries per stage. 3: the failure severities
# and the retry schedule of the recovery table.
PLAN_SCHEMA_VERSION = 3
# A risk rule that needs the unit and its changed files (coverage, CI history).
UnitRule: TypeAlias = Callable[[Unit, Sequence[ChangedText]], Sequence[Evidence]]


def build_plan(
    deploy: DeployConfig,
    changed: Sequence[str],
    texts: Mapping[str, ChangedText],
    *,
    source: Mapping[str, Any],
    extra_evidence: Mapping[str, Sequence[Evidence]] | None = None,
    unit_rules: Sequence[UnitRule] = (),
) -> dict[str, Any]:
    """The plan for deploying ``changed`` paths with the units of ``deploy``."""
    from ci_agent.plan.promotion import environment_order, gates, promotion_steps, stages

    units = {u.name: u for u in deploy.units}
    owned = owners(deploy.units, changed)
    affected = affected_units(deploy.units, owned.by_unit)
    groups = layers(deploy.units, affected)
    group_of = {name: index for index, group in enumerate(groups) for name in group}
    order = environment_order(deploy)
    goes_to = {name: deploy.unit_environments(units[name]) for name in affected}
    staged = stages(groups, goes_to, order)
    stage_of = {(s["environment"], name): s["stage"] for s in staged for name in s["units"]}
    gate_of = {g["environment"]: g for g in gates(deploy, order)}
    entries = []
    own: dict[str, tuple[Evidence, ...]] = {}  # each unit's findings, none inherited
    for name in (n for group in groups for n in group):
        unit = units[name]
        paths = owned.by_unit.get(name, ())
        files = [texts.get(p, ChangedText(p)) for p in paths]
        ruled = [e for rule in unit_rules for e in rule(unit, files)]
        own[name] = assess(files, [*(extra_evidence or {}).get(name, ()), *ruled]).evidence
        # A library is not deployed itself: what makes it risky ships with its dependents,
        # once per library however many paths lead to it.
        inherited = [
            replace(e, reason=f"{e.reason} (via {library})")
            for library in _libraries(unit, units, own)
            for e in own[library]
        ]
        risk = assess((), [*own[name], *inherited])
        entries.append(
            {
                "name": name,
                "kind": unit.kind,
                "group": group_of[name],
                "reason": affected[name],
                "depends_on": sorted(d for d in unit.depends_on if d in affected),
                "changed_paths": list(paths),
                "environments": list(goes_to[name]),
                "promotion": promotion_steps(
                    name, goes_to[name], unit.verify.http, stage_of, gate_of
                ),
                "risk": {
                    "level": risk.level,
                    "score": risk.score,
                    "evidence": [_evidence(e) for e in risk.evidence],
                },
                **step_for(unit, risk, deploy),
            }
        )
    plan: dict[str, Any] = {
        "schema_version": PLAN_SCHEMA_VERSION,
        "source": dict(source),
        "changed_paths": len(set(changed)),
        "units": entries,
        "groups": groups,
        "environments": [gate_of[e] for e in order if any(e in goes_to[n] for n in affected)],
        "stages": staged,
        "rollback_order": [name for group in reversed(groups) for name in reversed(group)],
        "unowned_paths": list(owned.unowned),
        "recovery": {
            level: {"action": action, "means": RECOVERY_TEXT[action]}
            for level, action in sorted(deploy.recovery.items())
        },
        "failure_severity": {kind: deploy.severity_of(kind) for kind in FAILURE_KINDS},
        "retry": {
            "attempts": deploy.retry_attempts,
            "delays_seconds": list(
                backoff_schedule(
                    deploy.retry_attempts,
                    deploy.retry_delay_seconds,
                    deploy.retry_max_delay_seconds,
                )
            ),
        },
    }
    plan["sha256"] = hashlib.sha256(canonical_bytes(plan)).hexdigest()
    return plan


def _libraries(unit: Unit, units: Mapping[str, Unit], planned: Mapping[str, Any]) -> list[str]:
    """The planned libraries ``unit`` uses, directly or through other libraries, by name."""
    seen: set[str] = set()
    queue = sorted(unit.depends_on)
    while queue:
        name = queue.pop(0)
        if name in seen or name not in planned or units[name].kind != "library":
            continue
        seen.add(name)
        queue.extend(sorted(units[name].depends_on))
    return sorted(seen)


def _evidence(evidence: Evidence) -> dict[str, Any]:
    return {k: v for k, v in asdict(evidence).items() if v not in ("", None)}


def canonical_bytes(plan: Mapping[str, Any]) -> bytes:
    """The plan's canonical JSON (sorted keys, compact), without its ``sha256`` key."""
    body = {k: v for k, v in plan.items() if k != "sha256"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def matrix(plan: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One entry per stage (a group in an environment), ready for ``strategy.matrix``.

    Each entry is ``{"include": [...]}`` alone: a top-level key beside ``include`` would be a
    matrix vector, and include entries would then overwrite each other's added keys.
    """
    by_name = {u["name"]: u for u in plan["units"]}
    return [
        {
            "include": [
                {
                    "unit": name,
                    "kind": by_name[name]["kind"],
                    "environment": stage["environment"],
                    "stage": stage["stage"],
                    "group": stage["group"],
                    "strategy": by_name[name]["strategy"]["name"],
                    "risk": by_name[name]["risk"]["level"],
                    "on_failure": by_name[name]["on_failure"]["action"],
                }
                for name in stage["units"]
            ],
        }
        for stage in plan["stages"]
    ]
