"""Promotion through environments: the stages a plan runs in, and the gates between them.

Environments come in the order ``deploy.environments`` declares (dev, staging, production);
without that list, in the order the units name them (each unit's list read in order, ties by
first appearance). A stage is one parallel group in one environment: every group goes through
the first environment before any reaches the second, so a change is proven in staging before
production sees it. Each environment's gates: GitHub's own protection (required reviewers,
wait timers) on the job's ``environment:``, its checks, and how long it is watched.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ci_agent.config_deploy import DeployConfig, Environment, HttpCheck
from ci_agent.errors import fail

__all__ = ["environment_order", "expand_url", "gates", "promotion_steps", "stages"]

PLACEHOLDER = "{environment}"


def expand_url(url: str, environment: str) -> str:
    """``url`` with ``{environment}`` replaced (one check serves every environment)."""
    return url.replace(PLACEHOLDER, environment)


def environment_order(deploy: DeployConfig) -> tuple[str, ...]:
    """Every environment a unit goes to, in promotion order (CA163 when units disagree)."""
    if deploy.environments:
        return tuple(e.name for e in deploy.environments)
    first_seen: dict[str, int] = {}
    after: dict[str, set[str]] = {}
    for unit in sorted(deploy.units, key=lambda u: u.name):
        names = deploy.unit_environments(unit)
        for index, name in enumerate(names):
            first_seen.setdefault(name, len(first_seen))
            after.setdefault(name, set()).update(names[:index])
    order: list[str] = []
    pending = dict(after)
    while pending:
        ready = sorted(
            (n for n, before in pending.items() if not before), key=first_seen.__getitem__
        )
        if not ready:
            stuck = sorted(pending, key=first_seen.__getitem__)
            raise fail("CA163", environments=", ".join(stuck))
        order.append(ready[0])
        del pending[ready[0]]
        for before in pending.values():
            before.discard(ready[0])
    return tuple(order)


def stages(
    groups: Sequence[Sequence[str]],
    environments: Mapping[str, Sequence[str]],
    order: Sequence[str],
) -> list[dict[str, Any]]:
    """Stage per (environment, group) that deploys something, environments first."""
    found: list[dict[str, Any]] = []
    for environment in order:
        for index, group in enumerate(groups):
            units = [name for name in group if environment in environments[name]]
            if units:
                found.append(
                    {
                        "stage": len(found),
                        "environment": environment,
                        "group": index,
                        "units": units,
                    }
                )
    return found


def gates(deploy: DeployConfig, order: Sequence[str]) -> list[dict[str, Any]]:
    """What must hold in each environment before the change moves on."""
    declared = {e.name: e for e in deploy.environments}
    return [_gate(declared.get(name, Environment(name=name))) for name in order]


def _gate(environment: Environment) -> dict[str, Any]:
    checks = [_url(check, environment.name) for check in environment.verify]
    passes = ["every unit's verification passes"]
    if checks:
        passes.append(f"{len(checks)} environment check(s) pass")
    if environment.wait_seconds:
        passes.append(f"watched for {environment.wait_seconds} s after the checks")
    return {
        "environment": environment.name,
        "approval": environment.approval,
        "approval_by": (
            f"required reviewers of the GitHub Environment '{environment.name}'"
            if environment.approval
            else ""
        ),
        "wait_seconds": environment.wait_seconds,
        "wait_timer_minutes": environment.wait_timer_minutes,
        "checks": checks,
        "promote_when": passes,
    }


def _url(check: HttpCheck, environment: str) -> str:
    return expand_url(check.url, environment)


def promotion_steps(
    name: str,
    environments: Sequence[str],
    unit_checks: Sequence[HttpCheck],
    stage_of: Mapping[tuple[str, str], int],
    gate_of: Mapping[str, Mapping[str, Any]],
) -> list[dict[str, Any]]:
    """The unit's steps through its environments: where, in which stage, behind which gates."""
    return [
        {
            "environment": environment,
            "stage": stage_of[(environment, name)],
            "verify": [_url(check, environment) for check in unit_checks]
            + list(gate_of[environment]["checks"]),
            "approval": gate_of[environment]["approval"],
            "wait_seconds": gate_of[environment]["wait_seconds"],
        }
        for environment in environments
    ]
