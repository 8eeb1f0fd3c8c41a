"""The action's jobs, one per registry entry, all with the same signature.

``ci-agent run`` looks a job up in :mod:`ci_agent.capabilities` and calls it with the
invocation, the event and the words of the ``args`` input (empty unless the entry takes them).
Each adapter only unpacks the event for the command module that does the work.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from ci_agent.commands.common import Invocation
from ci_agent.errors import fail
from ci_agent.json_form import to_json
from ci_agent.outcome import Outcome
from ci_agent.report.value import ArtifactRef
from ci_agent.runner.events import Event

# The plan's share of the job's 1 MB of outputs (result-json holds it too, within its own share).
PLAN_OUTPUT_LIMIT = 256 * 1024
# `command: insights` runs on these; `auto` leaves `schedule` to backup (one job per event).
INSIGHTS_EVENTS = ("schedule", "workflow_dispatch")

__all__ = [
    "INSIGHTS_EVENTS",
    "backup_job",
    "doctor_job",
    "fix_job",
    "insights_job",
    "plan_job",
    "review_job",
    "tests_job",
    "triage_job",
]


def review_job(invocation: Invocation, event: Event, args: Sequence[str]) -> Outcome:
    """Review the event's pull request."""
    from ci_agent.commands.run_jobs import pull_request_review

    return pull_request_review(invocation, event)


def fix_job(invocation: Invocation, event: Event, args: Sequence[str]) -> Outcome:
    """Compute a fix in the PR's CI job, or land one from ``workflow_run``."""
    from ci_agent.commands.fix import fix_job as job

    return job(invocation, event, args)


def triage_job(invocation: Invocation, event: Event, args: Sequence[str]) -> Outcome:
    """Triage the failed workflow run of a ``workflow_run`` event and re-run what is flaky."""
    from ci_agent.commands.triage import run_triage_job

    if event.workflow_run_id is None:
        raise fail("CA113", event=event.name, command="triage", allowed="workflow_run")
    return run_triage_job(
        invocation, invocation.settings.repository or event.repository, event.workflow_run_id
    )


def backup_job(invocation: Invocation, event: Event, args: Sequence[str]) -> Outcome:
    """``backup SUBCOMMAND ARGS``; no args is a daily ``create``."""
    from ci_agent.commands.backup import backup_job as job

    return job(invocation, args)


def insights_job(invocation: Invocation, event: Event, args: Sequence[str]) -> Outcome:
    """The dashboard on ``schedule`` and ``workflow_dispatch``; ``args``: ``--days N``,
    ``--full``."""
    from ci_agent.commands.insights import insights_outcome
    from ci_agent.commands.job_args import JobArgs, parse_job_args

    if event.name not in INSIGHTS_EVENTS:
        # Not on pull requests: a fork's run must not write the dashboard or read its state.
        allowed = ", ".join(INSIGHTS_EVENTS)
        raise fail("CA113", event=event.name, command="insights", allowed=allowed)
    parser = JobArgs("insights")
    parser.add_argument("--days", type=int, choices=range(1, 91), metavar="1..90")
    parser.add_argument("--full", action="store_true")
    parsed = parse_job_args(parser, args, "insights [--days N] [--full]")
    return insights_outcome(
        invocation,
        repo=invocation.settings.repository or event.repository,
        days=parsed.days,
        full=parsed.full,
    )


def doctor_job(invocation: Invocation, event: Event, args: Sequence[str]) -> Outcome:
    """Describe the runner's environment and list problems."""
    from ci_agent.commands.doctor import diagnose

    return diagnose(invocation)


def plan_job(invocation: Invocation, event: Event, args: Sequence[str]) -> Outcome:
    """Plan the event's change; outputs ``matrix`` and ``plan-json``, the plan's check run, the
    PR's sticky comment.

    With ``args``: ``verify --unit U`` or ``status --unit U --environment E --state S`` for the
    deploy workflow's steps (the commit and the log URL default to this run's); or plan options
    (``--coverage PATH``, ``--terraform-plan PATH``).
    """
    if args and not args[0].startswith("-"):
        from ci_agent.commands.plan_steps import action_step

        return action_step(invocation, list(args))
    import json

    from ci_agent.errors import CiAgentError
    from ci_agent.plan.model import model_annotators
    from ci_agent.plan.run import event_range, plan_local, publish_plan
    from ci_agent.record import replace

    options = _plan_options(list(args))
    settings = invocation.settings
    base, head, how = event_range(event, settings.workspace)
    forge = None
    if settings.github_token is not None and (settings.repository or event.repository):
        forge = invocation.use.github(settings.repository or event.repository)
    history, skipped = _ci_history(forge, event, settings.config.deploy.risk.ci_runs)
    try:
        narrator, checker = model_annotators(
            invocation.use.llm_setup(),
            metrics=invocation.metrics,
            retry=invocation.retry,
            log=invocation.term.detail,
        )
        outcome = plan_local(
            settings,
            settings.workspace,
            base=base,
            head=head,
            files=(),
            terraform_plan=options.terraform_plan,
            coverage=options.coverage,
            history=history,
            narrator=narrator,
            checker=checker,
        )
    except CiAgentError as exc:
        if exc.code != "CA161":
            raise
        # A repository with nothing to deploy: `auto` on push must not fail its runs.
        text = f"nothing to plan: {exc.message}"
        return Outcome("plan", result={"units": [], "note": exc.message}, text=text, markdown=text)
    plan = outcome.result
    result = {**plan, "range": how}
    if skipped:
        result["ci_history_skipped"] = skipped
    plan_json, written = _plan_json(invocation.environ, plan, result, dry_run=settings.dry_run)
    outputs = {"matrix": json.dumps(plan["matrix"], separators=(",", ":")), "plan-json": plan_json}
    markdown = outcome.markdown
    gate_findings = 0
    if forge is not None:
        from ci_agent.plan.environments import check_environments, environments_markdown

        gates = check_environments(forge, plan)
        result["environment_gates"] = gates
        markdown += environments_markdown(gates)
        gate_findings = len(gates["findings"])
    if forge is not None and not settings.dry_run:
        result["check_run"] = _plan_check(forge, plan, markdown, settings, gate_findings)
        if event.pr_number is not None:
            result["comment"] = publish_plan(forge, event.pr_number, markdown)
    done = replace(outcome, result=result, markdown=markdown)
    return done.with_report(outputs=outputs, artifact=written)


def _plan_json(
    environ: Mapping[str, str], plan: dict[str, Any], result: dict[str, Any], *, dry_run: bool
) -> tuple[str, ArtifactRef | None]:
    """The ``plan-json`` output; a plan too large for it is written as an artifact (named in
    ``result``) and the output says where it is."""
    import json

    from ci_agent.plan.build import canonical_bytes
    from ci_agent.report.artifact import report_artifact_name, write_json_artifact

    plan_json = canonical_bytes({k: v for k, v in plan.items() if k != "matrix"}).decode()
    if len(plan_json) <= PLAN_OUTPUT_LIMIT or dry_run:
        return plan_json, None
    name = report_artifact_name("plan", plan["sha256"][:12], environ)
    written = write_json_artifact(environ, name, plan)
    if written is not None:
        result["artifact"] = to_json(written)
    where = f"the {name} artifact" if written is not None else "the JSON result"
    note = {"truncated": True, "sha256": plan["sha256"], "bytes": len(plan_json)}
    # The deploy workflow checks its retry steps against this, even for a large plan.
    note["retry"] = plan["retry"]
    return json.dumps(
        {**note, "note": f"the plan is too large for an output; see {where}"}
    ), written


class _PlanOptions(NamedTuple):
    coverage: Path | None
    terraform_plan: Path | None


def _plan_options(words: list[str]) -> _PlanOptions:
    """``--coverage PATH`` and ``--terraform-plan PATH`` from the action's ``args``."""
    from ci_agent.commands.job_args import JobArgs, parse_job_args

    parser = JobArgs("plan")
    parser.add_argument("--coverage", type=Path)
    parser.add_argument("--terraform-plan", type=Path)
    usage = "plan [--coverage PATH] [--terraform-plan PATH] | verify | status"
    parsed = parse_job_args(parser, words, usage)
    return _PlanOptions(parsed.coverage, parsed.terraform_plan)


def _ci_history(forge: Any, event: Event, limit: int) -> tuple[Any, str]:
    """The default branch's recent runs, or why they were not read (no token, no permission)."""
    from ci_agent.errors import CiAgentError
    from ci_agent.plan.history import read_history

    if forge is None:
        return None, "no GitHub token: the CI failure rate was not read"
    repository = event.payload.get("repository")
    branch = repository.get("default_branch") if isinstance(repository, dict) else None
    try:
        return read_history(forge, str(branch or "main"), limit), ""
    except CiAgentError as exc:
        if exc.code not in {"CA303", "CA304"}:
            raise
        return None, f"the CI failure rate was not read: {exc.code} {exc.message}"


def _plan_check(
    forge: Any, plan: dict[str, Any], markdown: str, settings: Any, gate_findings: int = 0
) -> dict[str, Any]:
    """The plan's check run on the planned head (a note when the token may not write checks)."""
    from ci_agent.errors import CiAgentError
    from ci_agent.plan.check import publish_check

    head = plan["source"].get("head")
    if not head:
        return {"skipped": "no head commit (a plan of named files)"}
    try:
        return publish_check(
            forge,
            head,
            plan,
            markdown,
            fail_level=settings.config.deploy.check_fail_level,
            gate_findings=gate_findings,
        )
    except CiAgentError as exc:
        if exc.code not in {"CA303", "CA304"}:
            raise
        return {"skipped": f"{exc.code} {exc.message} (give the job checks: write)"}


def tests_job(invocation: Invocation, event: Event, args: Sequence[str]) -> Outcome:
    """Generate tests for the event's pull request (or ``args``: ``--path F``, ``--all``,
    ``--shard I/N``), with the sticky comment on the pull request."""
    from ci_agent.commands.tests_job import run_tests_job

    return run_tests_job(invocation, event, args)
