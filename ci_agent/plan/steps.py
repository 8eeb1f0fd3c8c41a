"""One deployment step per affected unit: strategy, verification, rollback, what to do on failure.

Strategies follow the unit's kind and risk unless the manifest names one: services and jobs
roll out (canary when the risk is high, blue-green when critical); migrations, infrastructure,
configuration and static sites apply directly; libraries are not deployed themselves (their
dependents are). Irreversible steps get a backup first and expand/contract guidance.
"""

from __future__ import annotations

from typing import Any

from ci_agent.config_deploy import DeployConfig, Strategy, Unit
from ci_agent.plan.risk import Risk

__all__ = ["RECOVERY_TEXT", "step_for"]

_CANARY = (
    {"weight": 10, "pause_seconds": 300},
    {"weight": 50, "pause_seconds": 300},
    {"weight": 100, "pause_seconds": 0},
)
_DESTRUCTIVE = {"sql-destructive", "migration-destructive", "terraform-delete"}
RECOVERY_TEXT = {
    "rollback": "roll back this step and every step after it, in reverse order",
    "retry": "retry with exponential backoff, then escalate (roll back) if it still fails",
    "continue": "continue, and mark the deployment with a warning",
    "record": "record the failure only",
}


def step_for(unit: Unit, risk: Risk, deploy: DeployConfig) -> dict[str, Any]:
    """The step of ``unit`` as plain data (part of the plan's canonical JSON)."""
    destructive = sorted({e.rule for e in risk.evidence if e.rule in _DESTRUCTIVE})
    irreversible = unit.irreversible or bool(destructive)
    on_failure = deploy.recovery[risk.level]
    return {
        "strategy": _strategy(unit, risk),
        "verify": _verify(unit),
        "rollback": _rollback(unit, irreversible),
        "irreversible": irreversible,
        "irreversible_because": (["declared irreversible"] if unit.irreversible else [])
        + [f"risk rule {rule}" for rule in destructive],
        "backup_first": _backup_first(unit) if irreversible else None,
        "guidance": _guidance(destructive),
        "on_failure": {
            "severity": risk.level,
            "action": on_failure,
            "means": RECOVERY_TEXT[on_failure],
            "retries": deploy.retry_attempts if on_failure == "retry" else 0,
        },
    }


def _strategy(unit: Unit, risk: Risk) -> dict[str, Any]:
    if unit.strategy is not None:
        return _strategy_data(unit.strategy, "set in the deploy manifest")
    if unit.kind == "library":
        return {"name": "none", "steps": [], "why": "a library is deployed with its dependents"}
    if unit.kind in {"service", "job"}:
        if risk.level == "critical":
            return {"name": "blue-green", "steps": [], "why": "critical risk: switch back at once"}
        if risk.level == "high":
            return {"name": "canary", "steps": list(_CANARY), "why": "high risk: expose gradually"}
        return {"name": "rolling", "steps": [], "why": f"{unit.kind} at {risk.level} risk"}
    return {"name": "direct", "steps": [], "why": f"a {unit.kind} applies as one change"}


def _strategy_data(strategy: Strategy, why: str) -> dict[str, Any]:
    steps = [{"weight": s.weight, "pause_seconds": s.pause_seconds} for s in strategy.steps]
    return {"name": strategy.name, "steps": steps, "why": why}


def _verify(unit: Unit) -> dict[str, Any]:
    verify = unit.verify
    checks: list[dict[str, Any]] = [
        {
            "type": "http",
            "url": c.url,
            "success": f"status {c.expect_status}"
            + (f", body contains {c.body_contains!r}" if c.body_contains else "")
            + (f", within {c.max_latency_ms} ms" if c.max_latency_ms else ""),
            "timeout_seconds": c.timeout_seconds,
        }
        for c in verify.http
    ]
    checks += [
        {
            "type": "command",
            "run": list(c.run),
            "success": "exit status 0",
            "timeout_seconds": c.timeout_seconds,
        }
        for c in verify.commands
    ]
    return {
        "checks": checks,
        "interval_seconds": verify.interval_seconds,
        "count": verify.count,
        "failure_limit": verify.failure_limit,
        "bake_seconds": verify.bake_seconds,
        "failure": f"more than {verify.failure_limit} of {verify.count} rounds fail",
        "note": "" if checks else "no verification configured: add deploy units' 'verify'",
    }


def _rollback(unit: Unit, irreversible: bool) -> dict[str, Any]:
    if unit.rollback.command:
        action = {"type": "command", "run": list(unit.rollback.command)}
    elif unit.rollback.previous_release or unit.kind in {"service", "job", "static-site"}:
        action = {"type": "previous-release", "run": []}
    elif unit.kind == "library":
        action = {"type": "none", "run": []}
    else:
        action = {"type": "manual", "run": []}
    if irreversible:
        action["note"] = "cannot be undone by redeploying: restore from the backup taken first"
    return action


def _backup_first(unit: Unit) -> dict[str, Any]:
    data = list(unit.backup_command) if unit.backup_command else None
    return {
        "repository": ["ci-agent", "backup", "create", "--kind", "manual"],
        "data": data,
        "note": "" if data else "no backup-command for the data: add one to the unit",
    }


def _guidance(destructive: list[str]) -> list[str]:
    if not destructive:
        return []
    return [
        "expand/contract: first deploy code that no longer reads what is dropped or renamed",
        "then run the destructive migration in a later deployment, after a backup",
    ]
