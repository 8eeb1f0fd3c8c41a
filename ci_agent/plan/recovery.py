"""What a failed deploy step does next: the plan's recovery table, made concrete.

A step's severity is the higher of the unit's planned risk and the severity of what failed
(``deploy.failure-severity``: the deploy command, a verification check, or checks that were
only too slow). The recovery table maps it to an action: ``rollback`` (this unit and every
unit deployed after it, in reverse order), ``retry`` (the deploy and its verification again
after an exponential backoff; once the retries are spent, escalate to a rollback),
``continue`` (the deployment is marked with a warning) or ``record`` (the failure is noted).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ci_agent.config_deploy import DeployConfig, FailureKind, RecoveryAction, Severity
from ci_agent.plan.risk import LEVELS
from ci_agent.plan.steps import RECOVERY_TEXT

__all__ = ["FAILURE_KINDS", "Decision", "backoff_schedule", "decide"]

FAILURE_KINDS: tuple[FailureKind, ...] = ("deploy", "verify", "latency")


def backoff_schedule(retries: int, first: int, longest: int) -> tuple[int, ...]:
    """The waits before each retry: ``first``, doubled each time, never above ``longest``.

    No jitter: one workflow job retries one unit, so there is no herd to spread out, and the
    same plan gives the same schedule.
    """
    return tuple(min(first * 2**index, longest) for index in range(retries))


@dataclass(frozen=True)
class Decision:
    """What to do about one failed attempt of one unit's step, and why."""

    # For the JSON result of ``plan recover``.
    JSON_KEYS: ClassVar = (
        "unit",
        "environment",
        "attempt",
        "attempts",
        "failure",
        "failure_severity",
        "risk",
        "severity",
        "planned",
        "action",
        "escalated",
        "delay_seconds",
        ("schedule_seconds", lambda d: d.schedule),
        "why",
    )

    unit: str
    environment: str
    attempt: int
    failure: FailureKind
    failure_severity: Severity
    risk: Severity
    severity: Severity
    planned: RecoveryAction
    action: RecoveryAction
    escalated: bool
    schedule: tuple[int, ...]

    @property
    def attempts(self) -> int:
        """How many attempts the step gets in all (the first and its retries)."""
        return len(self.schedule) + 1 if self.planned == "retry" else 1

    @property
    def delay_seconds(self) -> int:
        """The wait before the next attempt (0 unless the action is ``retry``)."""
        return self.schedule[self.attempt - 1] if self.action == "retry" else 0

    @property
    def why(self) -> str:
        """One sentence: what failed, the severity it has, and what follows."""
        sentence = (
            f"{_FAILED[self.failure]} (attempt {self.attempt}); severity {self.severity} "
            f"(the failure {self.failure_severity}, the unit's risk {self.risk})"
        )
        if self.action == "retry":
            return (
                f"{sentence}: retry {self.attempt} of {len(self.schedule)} "
                f"after {self.delay_seconds} s"
            )
        if self.escalated:
            return f"{sentence}: {len(self.schedule)} retries spent, escalated to a rollback"
        return f"{sentence}: {RECOVERY_TEXT[self.action]}"


_FAILED = {
    "deploy": "the deploy command failed",
    "verify": "a verification check failed",
    "latency": "verification checks answered too slowly",
}


def decide(
    deploy: DeployConfig,
    *,
    unit: str,
    environment: str,
    risk: Severity,
    failure: FailureKind,
    attempt: int,
) -> Decision:
    """The decision for attempt ``attempt`` (1: the first) of ``unit`` failing with ``failure``."""
    if attempt < 1:
        raise ValueError(f"attempt numbers start at 1, not {attempt}")
    failure_severity = deploy.severity_of(failure)
    severity = max(failure_severity, risk, key=LEVELS.index)
    planned = deploy.recovery_for(severity)
    schedule = (
        backoff_schedule(
            deploy.retry_attempts, deploy.retry_delay_seconds, deploy.retry_max_delay_seconds
        )
        if planned == "retry"
        else ()
    )
    action: RecoveryAction = planned
    escalated = planned == "retry" and attempt > len(schedule)
    if escalated:
        action = "rollback"
    return Decision(
        unit=unit,
        environment=environment,
        attempt=attempt,
        failure=failure,
        failure_severity=failure_severity,
        risk=risk,
        severity=severity,
        planned=planned,
        action=action,
        escalated=escalated,
        schedule=schedule,
    )
