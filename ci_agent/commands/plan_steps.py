"""The deploy workflow's per-unit steps: ``ci-agent plan recover`` and ``plan rollback-order``
(what a failed step does next, and which units to roll back; subcommands of ``ci-agent plan``),
and ``verify``, ``status``, ``recover`` and ``rollback-order`` as the action's ``args``."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import click

from ci_agent.commands.common import Invocation, execute, global_options
from ci_agent.config import CliOverrides
from ci_agent.config_deploy import FailureKind, Severity
from ci_agent.errors import fail
from ci_agent.outcome import Outcome

__all__ = ["action_step", "recover", "rollback_order"]

# Spelled out here so `--help` needs no import of the planning modules.
_LEVELS = ("low", "medium", "high", "critical")
_FAILURE_KINDS = ("deploy", "verify", "latency")


@click.command("recover")
@click.option("--unit", "unit", required=True, metavar="NAME", help="The unit whose step failed.")
@click.option("--environment", "environment", required=True, metavar="NAME", help="Where.")
@click.option(
    "--risk", "risk", required=True, type=click.Choice(_LEVELS), help="The unit's planned risk."
)
@click.option(
    "--failed",
    "failed",
    required=True,
    type=click.Choice(_FAILURE_KINDS),
    help="What failed: the deploy command, a verification check, or only latency.",
)
@click.option(
    "--attempt",
    "attempt",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Which attempt failed (1: the first).",
)
@click.option(
    "--verify-result",
    "verify_result",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The result 'plan verify --result-file' wrote: a failure that was only latency.",
)
@click.option(
    "--sha",
    "sha",
    default="",
    metavar="SHA",
    help="Record the decision on this commit's deployment.",
)
@click.option("--repo", "repo", metavar="OWNER/NAME", help="The repository (in Actions: this one).")
@click.option("--log-url", "log_url", default="", help="The deployment's log (the job's URL).")
@click.option("--wait", is_flag=True, help="Before a retry, wait the backoff delay here.")
@global_options
def recover(
    overrides: CliOverrides,
    *,
    unit: str,
    environment: str,
    risk: str,
    failed: str,
    attempt: int,
    verify_result: Path | None,
    sha: str,
    repo: str | None,
    log_url: str,
    wait: bool,
) -> int:
    """Decide what a failed deploy step does next: roll back, retry after a backoff, continue
    with a warning, or record it (exit 4 with CA552 on a rollback)."""

    def body(invocation: Invocation) -> Outcome:
        from ci_agent.plan.recovery_run import recover_outcome

        forge = invocation.use.github(repo or invocation.settings.repository) if sha else None
        return recover_outcome(
            invocation.settings.config.deploy,
            forge,
            unit=unit,
            environment=environment,
            risk=cast(Severity, risk),
            failed=cast(FailureKind, failed),
            attempt=attempt,
            verify_result=verify_result,
            sha=sha,
            log_url=log_url,
            wait=wait,
            dry_run=invocation.settings.dry_run,
        )

    return execute(overrides, "plan recover", body)


@click.command("rollback-order")
@click.option(
    "--plan",
    "plan_file",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="The plan ('ci-agent plan --output json') or the action's matrix output.",
)
@click.option("--sha", "sha", required=True, metavar="SHA", help="The commit deployed.")
@click.option("--repo", "repo", metavar="OWNER/NAME", help="The repository (in Actions: this one).")
@global_options
def rollback_order(overrides: CliOverrides, *, plan_file: Path, sha: str, repo: str | None) -> int:
    """List the units to roll back after a failed deployment, the last deployed first."""

    def body(invocation: Invocation) -> Outcome:
        from ci_agent.plan.recovery_run import rollback_outcome

        forge = invocation.use.github(repo or invocation.settings.repository)
        return rollback_outcome(forge, plan_file, sha)

    return execute(overrides, "plan rollback-order", body)


def _recovery_step(invocation: Invocation, words: list[str]) -> Outcome:
    """``recover ...`` or ``rollback-order ...`` from the action's ``args``."""
    from ci_agent.commands.job_args import JobArgs, parse_job_args
    from ci_agent.report.artifact import run_url

    environ = invocation.environ
    parser = JobArgs("plan")
    parser.add_argument("step", choices=("recover", "rollback-order"))
    parser.add_argument("--sha", default=environ.get("GITHUB_SHA", ""))
    if words[0] == "recover":
        parser.add_argument("--unit", required=True)
        parser.add_argument("--environment", required=True)
        parser.add_argument("--risk", required=True, choices=_LEVELS)
        parser.add_argument("--failed", required=True, choices=_FAILURE_KINDS)
        parser.add_argument("--attempt", type=int, default=1)
        parser.add_argument("--verify-result", type=Path)
        parser.add_argument("--log-url", default=run_url(environ))
        parser.add_argument("--wait", action="store_true")
    else:
        parser.add_argument("--plan", required=True, type=Path)
    usage = (
        "plan recover --unit U --environment E --risk R --failed KIND [--attempt N] "
        "| plan rollback-order --plan FILE"
    )
    parsed = parse_job_args(parser, words, usage)
    if words[0] == "recover" and parsed.attempt < 1:
        raise fail("CA108", problem="plan args: --attempt starts at 1", usage=usage)
    settings = invocation.settings
    if not parsed.sha:
        raise fail("CA108", problem="no commit: give --sha", usage=f"plan {words[0]} --sha SHA")
    forge = invocation.use.github(settings.repository)
    if words[0] == "rollback-order":
        from ci_agent.plan.recovery_run import rollback_outcome

        return rollback_outcome(forge, parsed.plan, parsed.sha)
    from ci_agent.plan.recovery_run import recover_outcome

    return recover_outcome(
        settings.config.deploy,
        forge,
        unit=parsed.unit,
        environment=parsed.environment,
        risk=parsed.risk,
        failed=parsed.failed,
        attempt=parsed.attempt,
        verify_result=parsed.verify_result,
        sha=parsed.sha,
        log_url=parsed.log_url,
        wait=parsed.wait,
        dry_run=settings.dry_run,
    )


def action_step(invocation: Invocation, words: list[str]) -> Outcome:
    """``verify``, ``status``, ``recover`` or ``rollback-order`` from the action's ``args`` (in
    a deploy job the commit and the log URL default to the run's)."""
    from ci_agent.commands.job_args import JobArgs, parse_job_args
    from ci_agent.commands.plan import verify_outcome
    from ci_agent.report.artifact import run_url

    if words[0] in {"recover", "rollback-order"}:
        return _recovery_step(invocation, words)
    parser = JobArgs("plan")
    parser.add_argument("step", choices=("verify", "status"))
    parser.add_argument("--unit", required=True)
    parser.add_argument("--result-file", type=Path)
    parser.add_argument("--environment", default="")
    parser.add_argument("--state", default="")
    parser.add_argument("--sha", default=invocation.environ.get("GITHUB_SHA", ""))
    parser.add_argument("--environment-url", default="")
    parser.add_argument("--log-url", default=run_url(invocation.environ))
    parsed = parse_job_args(parser, words, "plan verify|status|recover|rollback-order --unit U")
    if parsed.step == "verify":
        return verify_outcome(invocation, parsed.unit, parsed.environment, parsed.result_file)
    from ci_agent.plan.status import STATES as states
    from ci_agent.plan.status import record_status

    if not parsed.environment or parsed.state not in states or not parsed.sha:
        raise fail(
            "CA108",
            problem="plan status needs --environment, --state ("
            + ", ".join(states)
            + ") and a commit",
            usage="plan status --unit U --environment E --state S",
        )
    done = record_status(
        invocation.use.github(invocation.settings.repository),
        unit=parsed.unit,
        environment=parsed.environment,
        state=parsed.state,
        sha=parsed.sha,
        environment_url=parsed.environment_url,
        log_url=parsed.log_url,
        dry_run=invocation.settings.dry_run,
    )
    return Outcome(
        "plan status", result=done, text=f"{parsed.state}: {parsed.unit} in {parsed.environment}"
    )
