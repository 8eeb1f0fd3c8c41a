"""The deploy manifest: the ``deploy:`` section of ``.github/ci-agent.yml`` (its schema).

Units are what gets deployed (a service, a migration, infrastructure, a static site, …): which
paths belong to each, what each depends on, the environments it goes through, how it rolls out,
how it is verified and how it is rolled back. Validated like the rest of the configuration:
kebab-case keys, unknown keys refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar, Literal

from ci_agent.config_rules import SECTION_CONFIG, Rule

__all__ = [
    "DEFAULT_ENVIRONMENT",
    "CanaryStep",
    "CommandCheck",
    "DeployConfig",
    "Environment",
    "FailureKind",
    "HttpCheck",
    "RecoveryAction",
    "RiskThresholds",
    "Rollback",
    "Severity",
    "Strategy",
    "Unit",
    "UnitKind",
    "Verify",
]

UnitKind = Literal["service", "migration", "infra", "config", "static-site", "job", "library"]
StrategyName = Literal["direct", "rolling", "canary", "blue-green"]
RecoveryAction = Literal["rollback", "retry", "continue", "record"]
Severity = Literal["critical", "high", "medium", "low"]
FailLevel = Literal["critical", "high", "medium", "low", "never"]
# What failed in a deploy step: the deploy command, a verification check, or only latency.
FailureKind = Literal["deploy", "verify", "latency"]
_ENVIRONMENT_NAME = r"^[A-Za-z0-9._-]{1,255}$"
# Where a unit goes when neither it nor the deploy section names environments.
DEFAULT_ENVIRONMENT = "production"


class _Section:
    # The validator's settings for every section (read by pydantic; plain data here).
    __pydantic_config__: ClassVar[dict[str, Any]] = SECTION_CONFIG


@dataclass(frozen=True, kw_only=True)
class HttpCheck(_Section):
    """An HTTP request that must answer as expected."""

    url: Annotated[str, Rule(pattern=r"^https?://")]
    expect_status: Annotated[int, Rule(ge=100, le=599)] = 200
    body_contains: str | None = None
    max_latency_ms: Annotated[int | None, Rule(ge=1)] = None
    timeout_seconds: Annotated[float, Rule(gt=0, le=300)] = 10.0


@dataclass(frozen=True, kw_only=True)
class CommandCheck(_Section):
    """A command (an argument list, never a shell line) that must exit 0."""

    run: Annotated[tuple[str, ...], Rule(min_length=1)]
    timeout_seconds: Annotated[float, Rule(gt=0, le=3600)] = 60.0


@dataclass(frozen=True, kw_only=True)
class Verify(_Section):
    """How a step is verified: checks repeated like an analysis run, and a bake time."""

    http: tuple[HttpCheck, ...] = ()
    commands: tuple[CommandCheck, ...] = ()
    bake_seconds: Annotated[int, Rule(ge=0, le=86_400)] = 0
    interval_seconds: Annotated[int, Rule(ge=1, le=3_600)] = 10
    count: Annotated[int, Rule(ge=1, le=100)] = 3
    failure_limit: Annotated[int, Rule(ge=0, le=100)] = 0


@dataclass(frozen=True, kw_only=True)
class CanaryStep(_Section):
    """One step of a canary: the share of traffic and how long to wait before the next."""

    weight: Annotated[int, Rule(ge=1, le=100)]
    pause_seconds: Annotated[int, Rule(ge=0, le=86_400)] = 0


@dataclass(frozen=True, kw_only=True)
class Strategy(_Section):
    """How a unit rolls out; canary steps end at 100%."""

    name: StrategyName
    steps: tuple[CanaryStep, ...] = ()

    def __post_init__(self) -> None:
        """Refuse a canary that does not end at 100% or whose weights decrease."""
        if self.name == "canary" and self.steps and self.steps[-1].weight != 100:
            raise ValueError("a canary's last step must have weight 100")
        weights = [s.weight for s in self.steps]
        if weights != sorted(weights):
            raise ValueError("canary weights must not decrease")


@dataclass(frozen=True, kw_only=True)
class Rollback(_Section):
    """How to undo a unit's deployment: a command, or the previous release."""

    command: tuple[str, ...] | None = None
    previous_release: bool = False


@dataclass(frozen=True, kw_only=True)
class Unit(_Section):
    """One deployable unit."""

    name: Annotated[str, Rule(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    kind: UnitKind = "service"
    paths: Annotated[tuple[str, ...], Rule(min_length=1, description="gitignore-style globs")]
    depends_on: tuple[str, ...] = ()
    environments: Annotated[
        tuple[Annotated[str, Rule(pattern=_ENVIRONMENT_NAME)], ...] | None,
        Rule(
            description="Where the unit goes, in the promotion order; default: every environment "
            "of deploy.environments, else production."
        ),
    ] = None
    ci_workflows: Annotated[
        tuple[str, ...],
        Rule(
            description=(
                "Workflow files that test or deploy the unit (default: those whose path "
                "filters reach the unit's paths, and those without path filters)."
            )
        ),
    ] = ()
    strategy: Strategy | None = None
    verify: Verify = Verify()
    rollback: Rollback = Rollback()
    irreversible: bool = False
    backup_command: Annotated[
        tuple[str, ...] | None,
        Rule(description="Run before an irreversible step (e.g. a database dump)."),
    ] = None


@dataclass(frozen=True, kw_only=True)
class Environment(_Section):
    """One environment of the promotion order, with the gates before the next one."""

    name: Annotated[str, Rule(pattern=_ENVIRONMENT_NAME)]
    verify: Annotated[
        tuple[HttpCheck, ...],
        Rule(description="Checks of the environment itself, run with every unit's."),
    ] = ()
    wait_seconds: Annotated[
        int, Rule(ge=0, le=86_400, description="How long to watch it before promoting further.")
    ] = 0
    approval: Annotated[
        bool,
        Rule(
            description="Required reviewers approve it (a protection rule of the GitHub "
            "Environment)."
        ),
    ] = False
    wait_timer_minutes: Annotated[
        int,
        Rule(
            ge=0,
            le=43_200,
            description="GitHub holds each job this long before it starts (the GitHub "
            "Environment's wait timer, checked by the plan).",
        ),
    ] = 0


@dataclass(frozen=True, kw_only=True)
class RiskThresholds(_Section):
    """When coverage of changed lines and the CI failure rate make a unit risky."""

    coverage_below: Annotated[float, Rule(ge=0, le=1)] = 0.5
    coverage_min_lines: Annotated[int, Rule(ge=1, le=100_000)] = 5
    failure_rate_above: Annotated[float, Rule(ge=0, le=1)] = 0.3
    min_runs: Annotated[int, Rule(ge=1, le=1_000)] = 5
    ci_runs: Annotated[int, Rule(ge=1, le=1_000, description="Runs read, newest first.")] = 100


def _default_recovery() -> dict[Severity, RecoveryAction]:
    """critical: roll back; high: retry then escalate; medium: continue, warned; low: record."""
    return {"critical": "rollback", "high": "retry", "medium": "continue", "low": "record"}


def _default_failure_severity() -> dict[FailureKind, Severity]:
    """A failed deploy or check is high (retried); checks that were only slow are medium."""
    return {"deploy": "high", "verify": "high", "latency": "medium"}


@dataclass(frozen=True, kw_only=True)
class DeployConfig(_Section):
    """Units and the recovery decision for a failed step, by severity."""

    units: tuple[Unit, ...] = ()
    environments: Annotated[
        tuple[Environment, ...],
        Rule(description="The promotion order (e.g. dev, staging, production)."),
    ] = ()
    recovery: dict[Severity, RecoveryAction] = field(default_factory=_default_recovery)
    retry_attempts: Annotated[
        int, Rule(ge=0, le=10, description="Retries of a failed step whose recovery is retry.")
    ] = 3
    retry_delay_seconds: Annotated[
        int, Rule(ge=1, le=3_600, description="The first retry's wait; doubled for each next.")
    ] = 30
    retry_max_delay_seconds: Annotated[
        int, Rule(ge=1, le=3_600, description="The longest wait between two attempts.")
    ] = 600
    failure_severity: Annotated[
        dict[FailureKind, Severity],
        Rule(
            description="The severity of each kind of failure; a step's severity is the "
            "higher of it and the unit's risk."
        ),
    ] = field(default_factory=_default_failure_severity)
    check_fail_level: Annotated[
        FailLevel, Rule(description="The plan's check run fails from this risk up.")
    ] = "high"
    risk: RiskThresholds = RiskThresholds()

    def severity_of(self, kind: FailureKind) -> Severity:
        """The configured severity of a failure of ``kind`` (the default for kinds not set)."""
        return self.failure_severity.get(kind) or _default_failure_severity()[kind]

    def recovery_for(self, severity: Severity) -> RecoveryAction:
        """The recovery action for ``severity`` (the default for levels not set)."""
        return self.recovery.get(severity) or _default_recovery()[severity]

    def unit_environments(self, unit: Unit) -> tuple[str, ...]:
        """Where ``unit`` goes, in order: all promotion environments unless it names some."""
        if unit.environments is not None:
            return unit.environments
        return tuple(e.name for e in self.environments) or (DEFAULT_ENVIRONMENT,)

    def __post_init__(self) -> None:
        """Refuse duplicate names, unknown dependencies and units out of the promotion order."""
        names = [u.name for u in self.units]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"unit names must be unique: {', '.join(duplicates)}")
        known = set(names)
        for unit in self.units:
            missing = [d for d in unit.depends_on if d not in known]
            if missing:
                raise ValueError(f"unit '{unit.name}' depends on unknown unit(s): {missing}")
        order = [e.name for e in self.environments]
        if len(set(order)) != len(order):
            raise ValueError(f"environment names must be unique: {order}")
        for unit in self.units:
            if order and unit.environments is not None:
                wrong = [e for e in unit.environments if e not in order]
                indexes = [order.index(e) for e in unit.environments if e in order]
                if wrong or indexes != sorted(set(indexes)):
                    raise ValueError(
                        f"unit '{unit.name}' environments {list(unit.environments)} must be "
                        f"promotion environments, in their order: {order}"
                    )
