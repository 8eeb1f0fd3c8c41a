"""The deploy manifest: the ``deploy:`` section of ``.github/ci-agent.yml`` (its schema).

Units are what gets deployed (a service, a migration, infrastructure, a static site, …): which
paths belong to each, what each depends on, the environments it goes through, how it rolls out,
how it is verified and how it is rolled back. Validated like the rest of the configuration:
kebab-case keys, unknown keys refused.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "CanaryStep",
    "CommandCheck",
    "DeployConfig",
    "Environment",
    "HttpCheck",
    "RiskThresholds",
    "Rollback",
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
_ENVIRONMENT_NAME = r"^[A-Za-z0-9._-]{1,255}$"


def _kebab(name: str) -> str:
    return name.replace("_", "-")


class _Section(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, alias_generator=_kebab, populate_by_name=True
    )


class HttpCheck(_Section):
    """An HTTP request that must answer as expected."""

    url: str = Field(pattern=r"^https?://")
    expect_status: int = Field(default=200, ge=100, le=599)
    body_contains: str | None = None
    max_latency_ms: int | None = Field(default=None, ge=1)
    timeout_seconds: float = Field(default=10.0, gt=0, le=300)


class CommandCheck(_Section):
    """A command (an argument list, never a shell line) that must exit 0."""

    run: tuple[str, ...] = Field(min_length=1)
    timeout_seconds: float = Field(default=60.0, gt=0, le=3600)


class Verify(_Section):
    """How a step is verified: checks repeated like an analysis run, and a bake time."""

    http: tuple[HttpCheck, ...] = ()
    commands: tuple[CommandCheck, ...] = ()
    bake_seconds: int = Field(default=0, ge=0, le=86_400)
    interval_seconds: int = Field(default=10, ge=1, le=3_600)
    count: int = Field(default=3, ge=1, le=100)
    failure_limit: int = Field(default=0, ge=0, le=100)


class CanaryStep(_Section):
    """One step of a canary: the share of traffic and how long to wait before the next."""

    weight: int = Field(ge=1, le=100)
    pause_seconds: int = Field(default=0, ge=0, le=86_400)


class Strategy(_Section):
    """How a unit rolls out; canary steps end at 100%."""

    name: StrategyName
    steps: tuple[CanaryStep, ...] = ()

    @model_validator(mode="after")
    def _canary_ends_at_full(self) -> Strategy:
        if self.name == "canary" and self.steps and self.steps[-1].weight != 100:
            raise ValueError("a canary's last step must have weight 100")
        weights = [s.weight for s in self.steps]
        if weights != sorted(weights):
            raise ValueError("canary weights must not decrease")
        return self


class Rollback(_Section):
    """How to undo a unit's deployment: a command, or the previous release."""

    command: tuple[str, ...] | None = None
    previous_release: bool = False


class Unit(_Section):
    """One deployable unit."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
    kind: UnitKind = "service"
    paths: tuple[str, ...] = Field(min_length=1, description="gitignore-style globs")
    depends_on: tuple[str, ...] = ()
    environments: tuple[Annotated[str, Field(pattern=_ENVIRONMENT_NAME)], ...] = ("production",)
    ci_workflows: tuple[str, ...] = Field(
        default=(),
        description="Workflow files that test or deploy the unit (default: those whose path "
        "filters reach the unit's paths, and those without path filters).",
    )
    strategy: Strategy | None = None
    verify: Verify = Verify()
    rollback: Rollback = Rollback()
    irreversible: bool = False
    backup_command: tuple[str, ...] | None = Field(
        default=None, description="Run before an irreversible step (e.g. a database dump)."
    )


class Environment(_Section):
    """One environment of the promotion order, with the gates before the next one."""

    name: str = Field(pattern=_ENVIRONMENT_NAME)
    verify: tuple[HttpCheck, ...] = Field(
        default=(), description="Checks of the environment itself, run with every unit's."
    )
    wait_seconds: int = Field(
        default=0, ge=0, le=86_400, description="How long to watch it before promoting further."
    )
    approval: bool = Field(
        default=False,
        description="Required reviewers approve it (a protection rule of the GitHub Environment).",
    )


class RiskThresholds(_Section):
    """When coverage of changed lines and the CI failure rate make a unit risky."""

    coverage_below: float = Field(default=0.5, ge=0, le=1)
    coverage_min_lines: int = Field(default=5, ge=1, le=100_000)
    failure_rate_above: float = Field(default=0.3, ge=0, le=1)
    min_runs: int = Field(default=5, ge=1, le=1_000)
    ci_runs: int = Field(default=100, ge=1, le=1_000, description="Runs read, newest first.")


def _default_recovery() -> dict[Severity, RecoveryAction]:
    """critical: roll back; high: retry then escalate; medium: continue, warned; low: record."""
    return {"critical": "rollback", "high": "retry", "medium": "continue", "low": "record"}


class DeployConfig(_Section):
    """Units and the recovery decision for a failed step, by severity."""

    units: tuple[Unit, ...] = ()
    environments: tuple[Environment, ...] = Field(
        default=(), description="The promotion order (e.g. dev, staging, production)."
    )
    recovery: dict[Severity, RecoveryAction] = Field(default_factory=_default_recovery)
    retry_attempts: int = Field(default=3, ge=0, le=10)
    check_fail_level: FailLevel = Field(
        default="high", description="The plan's check run fails from this risk up."
    )
    risk: RiskThresholds = RiskThresholds()

    def unit_environments(self, unit: Unit) -> tuple[str, ...]:
        """Where ``unit`` goes, in order: all promotion environments unless it names some."""
        if self.environments and "environments" not in unit.model_fields_set:
            return tuple(e.name for e in self.environments)
        return unit.environments

    @model_validator(mode="after")
    def _names_are_known_and_unique(self) -> DeployConfig:
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
            if order and "environments" in unit.model_fields_set:
                wrong = [e for e in unit.environments if e not in order]
                indexes = [order.index(e) for e in unit.environments if e in order]
                if wrong or indexes != sorted(set(indexes)):
                    raise ValueError(
                        f"unit '{unit.name}' environments {list(unit.environments)} must be "
                        f"promotion environments, in their order: {order}"
                    )
        return self
