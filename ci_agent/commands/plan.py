"""``ci-agent plan``: a deployment plan for a change — locally between refs, or for named paths."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ci_agent.commands.common import Invocation, execute, global_options
from ci_agent.commands.plan_steps import recover, rollback_order
from ci_agent.config import CliOverrides
from ci_agent.errors import fail
from ci_agent.json_form import to_json
from ci_agent.outcome import Outcome
from ci_agent.plan.status import STATES

__all__ = ["plan"]


@click.group(invoke_without_command=True)
@click.option("--base", "base", metavar="REF", help="Plan the change from REF (local git).")
@click.option("--head", "head", metavar="REF", default="HEAD", show_default=True, help="Up to REF.")
@click.option(
    "--files",
    "files",
    multiple=True,
    metavar="PATH",
    help="Plan for these changed paths instead of a diff (repeatable).",
)
@click.option(
    "--path",
    "path",
    type=click.Path(path_type=Path, file_okay=False),
    help="The repository (default: current directory).",
)
@click.option(
    "--terraform-plan",
    "terraform_plan",
    type=click.Path(path_type=Path, dir_okay=False),
    help="`terraform show -json` output: deletes and replacements raise the risk.",
)
@click.option(
    "--coverage",
    "coverage",
    type=click.Path(path_type=Path, dir_okay=False),
    help="A coverage.py report (`coverage xml` or `coverage json`): poorly covered changed "
    "lines raise the risk.",
)
@click.option(
    "--repo",
    "repo",
    metavar="OWNER/NAME",
    help="Read the recent CI runs of this GitHub repository: units whose workflows failed "
    "often raise the risk (needs a token with actions: read).",
)
@click.option(
    "--ci-branch",
    "ci_branch",
    metavar="BRANCH",
    default="main",
    show_default=True,
    help="The branch whose CI runs --repo reads.",
)
@click.option(
    "--write-manifest",
    is_flag=True,
    help="Write the units inferred from the repository into .github/ci-agent.yml's deploy section.",
)
@global_options
def plan(
    overrides: CliOverrides,
    *,
    base: str | None,
    head: str,
    files: tuple[str, ...],
    path: Path | None,
    terraform_plan: Path | None,
    coverage: Path | None,
    repo: str | None,
    ci_branch: str,
    write_manifest: bool,
) -> int:
    """Turn a change into ordered, parallel deployment groups with risk, checks and rollback.

    `ci-agent plan verify --unit U` runs a deployed unit's checks.
    """
    if click.get_current_context().invoked_subcommand is not None:
        return 0

    def body(invocation: Invocation) -> Outcome:
        from ci_agent.plan.model import model_annotators
        from ci_agent.plan.run import plan_local, write_inferred_manifest

        root = path or invocation.cwd
        if write_manifest:
            return write_inferred_manifest(invocation.settings, root)
        if base is None and not files:
            raise fail(
                "CA108",
                problem="give --base REF to plan a local change, or --files PATH ...",
                usage="ci-agent plan",
            )
        if base is not None and files:
            raise fail(
                "CA108", problem="--base and --files exclude each other", usage="ci-agent plan"
            )
        history = forge = None
        if repo is not None:
            from ci_agent.plan.history import read_history

            forge = invocation.use.github(repo)
            limit = invocation.settings.config.deploy.risk.ci_runs
            history = read_history(forge, ci_branch, limit)
        narrator, checker = model_annotators(
            invocation.use.llm_setup(),
            metrics=invocation.metrics,
            retry=invocation.retry,
            log=invocation.term.detail,
        )
        done = plan_local(
            invocation.settings,
            root,
            base=base,
            head=head,
            files=files,
            terraform_plan=terraform_plan,
            coverage=coverage,
            history=history,
            narrator=narrator,
            checker=checker,
        )
        return done if forge is None else _with_gates(done, forge)

    return execute(overrides, "plan", body)


def _with_gates(done: Outcome, forge: Any) -> Outcome:
    """The plan with its environments' approval and wait-timer gates checked in GitHub."""
    from ci_agent.plan.environments import check_environments, environments_markdown
    from ci_agent.record import replace

    gates = check_environments(forge, done.result)
    lines = [f"{f['code']}: {f['message']}" for f in gates["findings"]]
    if gates["skipped"]:
        lines.append(f"environment gates not checked: {gates['skipped']}")
    return replace(
        done,
        result={**done.result, "environment_gates": gates},
        text="\n".join([done.text, *lines]) if lines else done.text,
        markdown=done.markdown + environments_markdown(gates),
    )


@plan.command("verify")
@click.option("--unit", "unit", required=True, metavar="NAME", help="The unit to verify.")
@click.option(
    "--environment",
    "environment",
    default="",
    metavar="NAME",
    help="Where it was deployed: fills {environment} in URLs, adds the environment's gates.",
)
@click.option(
    "--result-file",
    "result_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write the result here (JSON), for 'plan recover --verify-result'.",
)
@global_options
def verify(
    overrides: CliOverrides, *, unit: str, environment: str, result_file: Path | None
) -> int:
    """Run a deployed unit's checks: rounds of HTTP and command checks, then the verdict."""

    return execute(
        overrides,
        "plan verify",
        lambda invocation: verify_outcome(invocation, unit, environment, result_file),
    )


def verify_outcome(
    invocation: Invocation, unit: str, environment: str = "", result_file: Path | None = None
) -> Outcome:
    """``plan verify --unit U [--environment E]`` as an outcome (the CLI's and the action's)."""
    from ci_agent.config_deploy import Environment
    from ci_agent.plan.verify import verify_unit

    deploy = invocation.settings.config.deploy
    units = {u.name: u for u in deploy.units}
    if unit not in units:
        allowed = ", ".join(sorted(units)) or "none (no deploy section)"
        raise fail("CA106", name="--unit", value=unit, allowed=allowed)
    place = None
    if environment:
        goes_to = deploy.unit_environments(units[unit])
        if environment not in goes_to:
            allowed = ", ".join(goes_to) or "none"
            raise fail("CA106", name="--environment", value=environment, allowed=allowed)
        declared = {e.name: e for e in deploy.environments}
        place = declared.get(environment, Environment(name=environment))
    done = verify_unit(units[unit], environment=place)
    lines = [f"verify {unit}: {'ok' if done.ok else 'FAILED'}"]
    for index, checks in enumerate(done.rounds, 1):
        lines += [
            f"  round {index}: {c.check}: {'ok' if c.ok else 'failed'} ({c.detail})" for c in checks
        ]
    if done.note:
        lines.append(f"  {done.note}")
    if result_file is not None and not invocation.settings.dry_run:
        _write_json(result_file, to_json(done))
        lines.append(f"  result written to {result_file}")
    errors = []
    if not done.ok:
        errors.append(
            fail(
                "CA551",
                unit=unit,
                failed=done.failed_rounds if done.rounds else "all",
                rounds=len(done.rounds),
                limit=done.failure_limit,
            )
        )
    return Outcome("plan verify", result=to_json(done), text="\n".join(lines), errors=errors)


@plan.command("status")
@click.option("--unit", "unit", required=True, metavar="NAME", help="The unit deployed.")
@click.option("--environment", "environment", required=True, metavar="NAME", help="Where to.")
@click.option("--state", "state", required=True, type=click.Choice(STATES), help="Its state.")
@click.option("--sha", "sha", required=True, metavar="SHA", help="The commit deployed.")
@click.option("--repo", "repo", metavar="OWNER/NAME", help="The repository (in Actions: this one).")
@click.option("--environment-url", "environment_url", default="", help="Where it can be seen.")
@click.option("--log-url", "log_url", default="", help="The deployment's log (the job's URL).")
@click.option("--description", "description", default="", help="A short note (140 chars).")
@global_options
def status(
    overrides: CliOverrides,
    *,
    unit: str,
    environment: str,
    state: str,
    sha: str,
    repo: str | None,
    environment_url: str,
    log_url: str,
    description: str,
) -> int:
    """Record a unit's deployment state in GitHub's Deployments API (created once per commit)."""

    def body(invocation: Invocation) -> Outcome:
        from ci_agent.plan.status import record_status

        forge = invocation.use.github(repo or invocation.settings.repository)
        done = record_status(
            forge,
            unit=unit,
            environment=environment,
            state=state,
            sha=sha,
            environment_url=environment_url,
            log_url=log_url,
            description=description,
            dry_run=invocation.settings.dry_run,
        )
        verb = "would record" if invocation.settings.dry_run else "recorded"
        text = f"{verb} {state} for {unit} in {environment} (deployment {done['deployment']})"
        return Outcome("plan status", result=done, text=text)

    return execute(overrides, "plan status", body)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    import json

    from ci_agent.atomic import write_bytes_atomically

    try:
        write_bytes_atomically(path, json.dumps(data, indent=1).encode("utf-8"))
    except OSError as exc:
        raise fail("CA205", path=path, problem=exc.strerror or str(exc)) from None


# The failed-step commands live beside this module; they are subcommands of `plan`.
plan.add_command(recover)
plan.add_command(rollback_order)
