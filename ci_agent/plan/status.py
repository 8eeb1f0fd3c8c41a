"""Record a unit's deployment in GitHub's Deployments API: one deployment per unit, commit and
environment (found again on a re-run, never created twice), with a status per state change."""

from __future__ import annotations

from typing import Any, cast

from ci_agent.forge.run_protocol import DeploymentWriter
from ci_agent.forge.run_types import DeploymentState

__all__ = ["STATES", "record_status", "task_for"]

# The states GitHub accepts for a deployment status that a deploy step reports.
STATES = ("queued", "in_progress", "success", "failure", "error", "inactive")


def task_for(unit: str) -> str:
    """The deployment task that names the unit (GitHub's ``task`` field)."""
    return f"deploy:{unit}"


def record_status(
    forge: DeploymentWriter,
    *,
    unit: str,
    environment: str,
    state: str,
    sha: str,
    environment_url: str = "",
    log_url: str = "",
    description: str = "",
    dry_run: bool = False,
) -> dict[str, Any]:
    """Find or create the deployment, then add the state; what was done."""
    task = task_for(unit)
    existing = forge.find_deployment(sha, environment, task)
    if dry_run:
        return {
            "deployment": existing.id if existing else None,
            "created": False,
            "state": state,
            "dry_run": True,
        }
    deployment = existing or forge.create_deployment(
        sha, environment, task, description or f"ci-agent plan: {unit}"
    )
    forge.set_deployment_state(
        deployment.id,
        cast(DeploymentState, state),
        description=description,
        environment_url=environment_url,
        log_url=log_url,
    )
    return {
        "deployment": deployment.id,
        "created": existing is None,
        "unit": unit,
        "environment": environment,
        "sha": sha,
        "state": state,
    }
