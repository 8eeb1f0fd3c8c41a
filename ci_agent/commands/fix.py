"""``ci-agent fix``: fix a failed CI run with a verified change.

Three ways in:

* ``--log``/``--junit`` (compute): triage local logs, compute the fix on the checked-out
  commit, print it and write a bundle with ``--bundle-out``; nothing is written to GitHub.
  This is the step in the pull request's own CI job, and the laptop command.
* ``--run ID`` / ``--pr N`` (GitHub): triage the run, re-run or analyse, and land a fix:
  the bundle the run uploaded, the one given with ``--apply``, or, outside Actions, one
  computed in the local clone.
* ``ci-agent run`` on ``workflow_run`` or ``/ci-agent fix`` (the action): as ``--run``,
  never computing: a privileged job does not run the pull request's code.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ci_agent.commands.common import Invocation, execute, global_options
from ci_agent.config import CliOverrides
from ci_agent.errors import fail
from ci_agent.json_form import to_json
from ci_agent.outcome import Outcome

if TYPE_CHECKING:
    from ci_agent.change.landing import Delivery
    from ci_agent.fix.compute import ProviderFactory
    from ci_agent.fix.session import FixContext, FixReport
    from ci_agent.forge.github import GitHubForge
    from ci_agent.git import Git

__all__ = ["FixArgs", "fix", "fix_job", "fix_outcome", "parse_fix_args"]

_USAGE = "ci-agent fix"
DELIVERIES = ("push", "pull-request", "suggest")
# Events whose jobs hold a write token or secrets next to a pull request's code.
PRIVILEGED_EVENTS = {"workflow_run", "pull_request_target", "issue_comment"}


@dataclass(frozen=True)
class FixArgs:
    """The fix command's options, from the command line or the action's ``args`` input."""

    run_id: int | None = None
    pr: int | None = None
    repo: str | None = None
    logs: tuple[Path, ...] = ()
    junit: tuple[Path, ...] = ()
    apply: Path | None = None
    bundle_out: Path | None = None
    head_sha: str | None = None
    delivery: str | None = None
    compute: bool | None = None
    default_branch: str | None = None


def _options(function: Any) -> Any:
    decorators = [
        click.option("--run", "run_id", type=int, metavar="ID", help="A failed workflow run."),
        click.option(
            "--pr", "pr", type=int, metavar="N", help="A pull request: its newest failed run."
        ),
        click.option("--repo", "repo", metavar="OWNER/NAME", help="The repository (GitHub mode)."),
        click.option(
            "--log",
            "logs",
            multiple=True,
            type=click.Path(path_type=Path),
            metavar="FILE|DIR",
            help="Compute mode: a failed job's log, or a directory of them; repeatable.",
        ),
        click.option(
            "--junit",
            "junit",
            multiple=True,
            type=click.Path(path_type=Path),
            metavar="FILE",
            help="Compute mode: a JUnit XML report of the failed tests; repeatable.",
        ),
        click.option(
            "--apply",
            "apply",
            type=click.Path(path_type=Path),
            metavar="FILE",
            help="GitHub mode: land this fix bundle (from --bundle-out) instead of searching.",
        ),
        click.option(
            "--bundle-out",
            "bundle_out",
            type=click.Path(path_type=Path),
            metavar="FILE",
            help="Compute mode: write the fix bundle here (for the privileged job).",
        ),
        click.option(
            "--head-sha",
            "head_sha",
            metavar="SHA",
            help="Compute mode: the pull request head the fix is for (default: from the event).",
        ),
        click.option(
            "--delivery",
            "delivery",
            type=click.Choice(DELIVERIES),
            help="How a fix lands (default: fix.delivery).",
        ),
        click.option(
            "--compute/--no-compute",
            "compute",
            default=None,
            help="GitHub mode: compute the fix in this clone (default: yes outside Actions).",
        ),
        click.option(
            "--default-branch",
            "default_branch",
            metavar="B",
            help="GitHub mode: the default branch, where a failed push is analysed, never "
            "fixed (default: from the event payload).",
        ),
    ]
    for decorator in reversed(decorators):
        function = decorator(function)
    return function


@click.command()
@_options
@global_options
def fix(overrides: CliOverrides, **params: Any) -> int:
    """Fix a failed CI run with a verified change: fixers for lint, a proven patch for tests.

    Compute mode (--log/--junit) fixes the checked-out commit and changes nothing on GitHub.
    GitHub mode (--run/--pr) triages the run, re-runs flaky failures, and lands the fix as a
    push, a pull request or suggestions: verified when it was computed here, re-checked (its
    proof reported by the CI run) when it comes from the run's bundle.
    """
    args = FixArgs(**params)
    return execute(overrides, "fix", lambda invocation: run_fix(invocation, args))


def parse_fix_args(words: Sequence[str]) -> FixArgs:
    """The action's ``args`` for fix, parsed like the command line (CA106 when invalid)."""
    parser = click.command("fix")(_options(lambda **_: 0))
    try:
        with parser.make_context("ci-agent fix", list(words)) as ctx:
            params = dict(ctx.params)
    except click.ClickException as exc:
        allowed = exc.format_message()
        raise fail("CA106", name="args", value=" ".join(words), allowed=allowed) from None
    return FixArgs(**params)


def run_fix(invocation: Invocation, args: FixArgs, event_name: str | None = None) -> Outcome:
    """Run the fix command for ``args``."""
    local = bool(args.logs or args.junit)
    remote = args.run_id is not None or args.pr is not None
    if local and args.pr is not None:
        raise fail("CA108", problem="give --log/--junit or --pr, not both", usage=_USAGE)
    if not (local or remote):
        raise fail("CA108", problem="give --run ID, --pr N, or --log FILE", usage=_USAGE)
    if args.run_id is not None and args.pr is not None:
        raise fail("CA108", problem="give --run or --pr, not both", usage=_USAGE)
    if local:
        if args.apply is not None:
            raise fail("CA108", problem="--apply needs --run ID", usage=_USAGE)
        return _compute(invocation, args)
    if args.bundle_out is not None:
        raise fail("CA108", problem="--bundle-out works with --log/--junit", usage=_USAGE)
    return _github(invocation, args, event_name)


def fix_job(invocation: Invocation, event: Any, words: Sequence[str]) -> Outcome:
    """The action's fix job: compute on ``pull_request`` and ``push`` events (the CI job's
    own step), land from ``workflow_run``; ``args`` may add fix options."""
    args = parse_fix_args(words)
    if event.name in {"pull_request", "push"} and not (args.logs or args.junit):
        raise fail(
            "CA108",
            problem="the compute step needs the failed tests: args '--junit FILE' or '--log FILE'",
            usage="args: --junit junit.xml",
        )
    if event.name == "workflow_run" and args.run_id is None and args.pr is None:
        if event.workflow_run_id is None:
            raise fail("CA113", event=event.name, command="fix", allowed="workflow_run")
        args = replace(args, run_id=event.workflow_run_id)
        passed = event.workflow_run_conclusion == "success"
        if passed and not invocation.settings.config.fix.failure_issue:
            why = f"run {args.run_id} passed; nothing to fix (fix.failure-issue is off)"
            result = {"job": "fix", "action": "passed", "reasons": [why]}
            return Outcome("fix", result=result, text=why, markdown=why + "\n")
    outcome = run_fix(invocation, args, event.name)
    return outcome.with_result({"job": "fix"})


def fix_outcome(report: FixReport) -> Outcome:
    """The command's outcome for a fix report."""
    from ci_agent.fix.sticky import fix_markdown, fix_report, fix_text

    result = to_json(report)
    if report.bundle:
        result["artifact"] = report.bundle
    return Outcome(
        "fix",
        result=result,
        text=fix_text(report),
        markdown=fix_markdown(report),
        report=fix_report(report),
    )


def _compute(invocation: Invocation, args: FixArgs) -> Outcome:
    from ci_agent.change.bundle_artifacts import bundle_file_name
    from ci_agent.commands.triage import triage_options
    from ci_agent.fix.session import LocalFix, compute_bundle
    from ci_agent.git import Git
    from ci_agent.runner.events import event_payload
    from ci_agent.runner.payload import dig_str
    from ci_agent.triage.sources import log_files

    settings = invocation.settings
    # The run the bundle belongs to: --run names it outside Actions.
    run_id = args.run_id or _int(invocation.environ.get("GITHUB_RUN_ID")) or 0
    if args.bundle_out is not None and run_id <= 0:
        raise fail("CA108", problem="--bundle-out needs --run ID outside Actions", usage=_USAGE)
    log_files(args.logs)  # a missing log (CA130) is named before anything else is looked at
    payload = event_payload(invocation.environ)
    git = Git(invocation.cwd)
    head = args.head_sha or dig_str(payload, "pull_request", "head", "sha") or git.head()
    if head is None:
        raise fail("CA206", ref="HEAD", suggestion="Run in a clone with a checked-out commit.")
    repository = args.repo or settings.repository or git.remote_repository() or "local/local"
    bundle_out = args.bundle_out
    if bundle_out is None and settings.in_actions:
        # The action uploads the bundle: one per job, so matrix legs never collide.
        job = invocation.environ.get("GITHUB_JOB", "job")
        attempt = invocation.environ.get("GITHUB_RUN_ATTEMPT", "1")
        leg = secrets.token_hex(4)
        name = bundle_file_name("fix", run_id, attempt, job, leg)
        bundle_out = Path(invocation.environ.get("RUNNER_TEMP") or invocation.cwd) / name
    options = triage_options(invocation, junit=args.junit)
    changed = _changed_files(git, dig_str(payload, "pull_request", "base", "sha"), head)
    request = LocalFix(args.logs, repository, head, run_id, bundle_out, changed)
    with invocation.metrics.timed("fix"):
        report = compute_bundle(
            git,
            request,
            options,
            settings.config.fix,
            _provider(invocation),
            tests=settings.config.tests,
        )
    return fix_outcome(report)


def _github(invocation: Invocation, args: FixArgs, event_name: str | None) -> Outcome:
    from ci_agent.forge.github import require_repository, settings_for

    repository = require_repository(args.repo or invocation.settings.repository)
    settings = settings_for(invocation.settings, repository)
    privileged = settings.in_actions and (event_name or "") in PRIVILEGED_EVENTS
    compute = args.compute if args.compute is not None else not settings.in_actions
    if compute and privileged:
        raise fail(
            "CA108",
            problem=f"a '{event_name}' job never runs a pull request's code: --compute refused",
            usage="compute in the pull request's CI job (docs/fix.md)",
        )
    forge = invocation.use.github(repository)
    return fix_with_forge(invocation, forge, repository, replace(args, compute=compute))


def fix_with_forge(
    invocation: Invocation, forge: GitHubForge, repository: str, args: FixArgs
) -> Outcome:
    """GitHub mode on an open forge (the comment job shares its forge: writes stay paced)."""
    from ci_agent.fix.session import fix_pull_request, fix_run
    from ci_agent.forge.github import settings_for

    settings = settings_for(invocation.settings, repository)
    # The push token's forge when one is configured (pushes with GITHUB_TOKEN start no CI).
    pusher = invocation.use.github(repository, push=True) if settings.push_token else forge
    try:
        context = _context(invocation, (forge, pusher), repository, args, bool(args.compute))
        bundle = None
        if args.apply is not None:
            from ci_agent.change.bundle import read_bundle

            bundle = read_bundle(args.apply, name=args.apply.name)
        with invocation.metrics.timed("fix"):
            if args.pr is not None:
                report = fix_pull_request(context, args.pr)
            else:
                report = fix_run(context, args.run_id or 0, bundle=bundle)
    finally:
        if pusher is not forge:
            pusher.close()
    return fix_outcome(report)


def _context(
    invocation: Invocation,
    forges: tuple[GitHubForge, GitHubForge],
    repository: str,
    args: FixArgs,
    compute: bool,
) -> FixContext:
    from ci_agent.commands.triage import triage_options, with_known_flaky
    from ci_agent.fix.session import FixContext
    from ci_agent.git import Git

    settings = invocation.settings
    config = settings.config.fix
    delivery: Delivery = args.delivery or config.delivery  # type: ignore[assignment]
    return FixContext(
        forge=forges[0],
        pusher=forges[1],
        repository=repository,
        config=config,
        triage=with_known_flaky(
            invocation,
            forges[0],
            triage_options(invocation, junit=args.junit, default_branch=args.default_branch),
        ),
        delivery=delivery,
        dry_run=settings.dry_run,
        git=Git(invocation.cwd) if compute else None,
        provider=_provider(invocation) if compute else None,
        progress=invocation.term.detail,
        tests=settings.config.tests,
    )


def _provider(invocation: Invocation) -> ProviderFactory:
    """Build the model provider only when a patch is asked for."""

    def make() -> Any:
        from ci_agent.llm.budget import Budget
        from ci_agent.llm.factory import build_provider

        settings = invocation.settings
        budget = Budget.from_config(settings.config.llm, invocation.metrics)
        provider = build_provider(
            invocation.use.llm_setup(),
            metrics=invocation.metrics,
            budget=budget,
            retry=invocation.retry,
            log=invocation.term.detail,
        )
        return provider, budget

    return make


def _changed_files(git: Git, base: str | None, head: str) -> tuple[str, ...]:
    """The files the pull request changes, from what the checkout holds; nothing when it
    cannot tell (the model still gets the failure)."""
    if _rev(git, "HEAD^2") == head:
        # The merge commit actions/checkout makes for pull_request (fetch-depth: 2 keeps its
        # parents): what it brings into the base it was made on.
        return _names(git, "HEAD^1", "HEAD")
    if base and _rev(git, base):
        tip = head if _rev(git, head) else "HEAD"
        merge_base = git.run("merge-base", base, tip, check=False)
        if merge_base:
            return _names(git, merge_base, tip)
    return ()


def _rev(git: Git, rev: str) -> str:
    return git.run("rev-parse", "--quiet", "--verify", f"{rev}^{{commit}}", check=False)


def _names(git: Git, *revs: str) -> tuple[str, ...]:
    names = git.run("diff", "--name-only", "-z", "--no-renames", *revs, "--", check=False)
    return tuple(name for name in names.split("\0") if name.strip())


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text else None
    except ValueError:
        return None
