"""``plan recover`` and ``plan rollback-order``: a failed step's decision, and what to roll back.

``recover`` runs in the unit's job right after a failed attempt: it decides (see
:mod:`ci_agent.plan.recovery`), records the decision on the unit's deployment (``in_progress``
before a retry, ``success`` with the warning or the note when the deployment continues), waits
the backoff before a retry when asked to, and fails the step (CA552) when the decision is a
rollback, so the workflow's later stages never start and its rollback job runs.
``rollback-order`` runs in that rollback job: which units to roll back, from the plan's stages
and the Deployments API, in order.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from ci_agent.config_deploy import DeployConfig, FailureKind, Severity
from ci_agent.errors import CiAgentError, fail
from ci_agent.json_form import to_json
from ci_agent.outcome import Outcome
from ci_agent.plan.recovery import Decision, decide
from ci_agent.plan.rollback import DeploymentLookup
from ci_agent.report.value import Report

__all__ = ["recover_outcome", "rollback_outcome"]

# What a decision writes on the unit's deployment: its state, and a prefix of the description.
_RECORDED = {
    "retry": ("in_progress", "retrying"),
    "continue": ("success", "deployed with a warning"),
    "record": ("success", "deployed; failure recorded"),
}


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        problem = getattr(exc, "strerror", None) or str(exc)
        raise fail("CA164", what=what, path=path, problem=problem) from None


def _failure_kind(failed: FailureKind, verify_result: Path | None) -> tuple[FailureKind, str]:
    """The failure's kind: a verification's result file can narrow ``verify`` to ``latency``."""
    if failed != "verify" or verify_result is None:
        return failed, ""
    if not verify_result.exists():
        return failed, f"no verification result at {verify_result}: taken as a failed check"
    data = _read_json(verify_result, "the verification result")
    kind = data.get("failure_kind") if isinstance(data, dict) else None
    if kind not in {"verify", "latency"}:
        raise fail(
            "CA164",
            what="the verification result",
            path=verify_result,
            problem="it has no failure_kind of a failed verification (write it with "
            "'plan verify --result-file')",
        )
    return cast(FailureKind, kind), f"from {verify_result.name}: {kind}"


def recover_outcome(
    deploy: DeployConfig,
    forge: Any,
    *,
    unit: str,
    environment: str,
    risk: Severity,
    failed: FailureKind,
    attempt: int,
    verify_result: Path | None = None,
    sha: str = "",
    log_url: str = "",
    wait: bool = False,
    dry_run: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> Outcome:
    """Decide what the failed attempt means; record it, wait before a retry, or fail the step."""
    kind, source = _failure_kind(failed, verify_result)
    decision = decide(
        deploy, unit=unit, environment=environment, risk=risk, failure=kind, attempt=attempt
    )
    result: dict[str, Any] = to_json(decision)
    if source:
        result["failure_from"] = source
    result["recorded"] = _record(forge, decision, sha, log_url, dry_run)
    waited = 0
    if decision.action == "retry" and wait and not dry_run:
        sleep(decision.delay_seconds)
        waited = decision.delay_seconds
    result["waited_seconds"] = waited
    lines = [f"recover {unit} in {environment}: {decision.action}", f"  {decision.why}"]
    if waited:
        lines.append(f"  waited {waited} s before the next attempt")
    errors = []
    if decision.action == "rollback":
        errors.append(
            fail("CA552", unit=unit, environment=environment, why=decision.why),
        )
    text = "\n".join(lines)
    return Outcome("plan recover", result=result, text=text, markdown=text, errors=errors)


def _record(
    forge: Any, decision: Decision, sha: str, log_url: str, dry_run: bool
) -> dict[str, Any] | str:
    """The deployment status the decision writes (none for a rollback: the job's failure step
    records that), or why nothing was written."""
    from ci_agent.plan.status import record_status

    if decision.action not in _RECORDED:
        return "nothing: the job's failure step records the failure"
    if forge is None or not sha:
        return "nothing: no repository or commit to record it on"
    state, prefix = _RECORDED[decision.action]
    if decision.action == "retry":
        after = decision.delay_seconds
        prefix = f"attempt {decision.attempt + 1} of {decision.attempts} after {after} s"
    description = f"{prefix}: {decision.failure} failed ({decision.severity})"
    try:
        return record_status(
            forge,
            unit=decision.unit,
            environment=decision.environment,
            state=state,
            sha=sha,
            log_url=log_url,
            description=description,
            dry_run=dry_run,
        )
    except CiAgentError as exc:
        # The decision stands without its record: a token without deployments: write must
        # not turn a retry into a failed job.
        if exc.code not in {"CA303", "CA304"}:
            raise
        return f"nothing: {exc.code} {exc.message} (give the job deployments: write)"


def rollback_outcome(forge: DeploymentLookup, plan_path: Path, sha: str) -> Outcome:
    """What to roll back after a failed deployment of ``sha``, in order (the ``matrix`` output)."""
    from ci_agent.plan.rollback import read_states, rollback_matrix, rollback_order, stage_entries

    try:
        entries = stage_entries(_read_json(plan_path, "the plan"))
    except ValueError as exc:
        raise fail("CA164", what="the plan", path=plan_path, problem=str(exc)) from None
    states = read_states(forge, sha, entries)
    first, chosen = rollback_order(entries, states)
    result = {
        "sha": sha,
        "failed_stage": first,
        "count": len(chosen),
        "rollback": [
            {
                "unit": e.unit,
                "environment": e.environment,
                "stage": e.stage,
                "state": states[(e.unit, e.environment)],
            }
            for e in chosen
        ],
        "states": [
            {"unit": u, "environment": env, "state": s} for (u, env), s in sorted(states.items())
        ],
    }
    if first is None:
        text = f"nothing to roll back: no deployment of {sha[:12]} failed"
    else:
        order = ", ".join(f"{e.unit} ({e.environment})" for e in chosen)
        text = f"roll back from stage {first}, in this order: {order}"
    return Outcome(
        "plan rollback-order",
        result=result,
        text=text,
        markdown=text,
        report=Report(text, outputs={"matrix": rollback_matrix(chosen, states)}),
    )
