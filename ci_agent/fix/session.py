"""One fix run, end to end: triage the failed run, apply the guards, get a verified fix
(computed here, or from the bundle an unprivileged job uploaded), land it, and report.

Two halves meet here. :func:`compute_bundle` runs in the pull request's own CI job (or on a
person's machine): it runs the repository's code and writes a bundle, and writes nothing to
GitHub. :func:`fix_run` runs in the privileged job: it re-runs, analyses, and lands a bundle
without checking out or running the pull request's code. ``fix_run`` computes locally only
when it is given a clone and a model (``ci-agent fix --run`` on a person's machine).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ci_agent.change.bundle_artifacts import bundle_prefix
from ci_agent.change.claims import Claims
from ci_agent.change.danger import failure_sites
from ci_agent.change.guards import GuardLimits, check_guards, own_fix_chain, prior_fixes
from ci_agent.change.landing import Delivered, Delivery, LandingRules, Target, land_change
from ci_agent.change.scope import Scope, failure_paths
from ci_agent.config_tests import TestsConfig
from ci_agent.errors import CiAgentError, fail
from ci_agent.fix.analysis import MAX_SUSPECTS, Analysis, analyze, green_runs
from ci_agent.fix.compute import Computation, ProviderFactory, compute_fix
from ci_agent.forge.types import CommentKind
from ci_agent.json_form import json_meta
from ci_agent.triage.classify import Strategy
from ci_agent.triage.triage import TriageOptions, TriageResult, triage_logs, triage_run

if TYPE_CHECKING:
    from ci_agent.change.bundle import ChangeBundle
    from ci_agent.config_model import FixConfig
    from ci_agent.forge.protocol import CommitRange, FixForge
    from ci_agent.forge.run_types import WorkflowRun
    from ci_agent.forge.types import Commit, PullRequestInfo
    from ci_agent.git import Git

__all__ = [
    "BUNDLE_PREFIX",
    "FixContext",
    "FixReport",
    "LocalFix",
    "compute_bundle",
    "fix_pull_request",
    "fix_run",
    "settle_run",
]

BUNDLE_PREFIX = bundle_prefix("fix")
# Errors that end a landing with a report instead of a failed job: the fix was not taken.
LANDING_REFUSALS = {"CA231", "CA531", "CA532", "CA533", "CA540", "CA541"}
Progress = Callable[[str], None]


@dataclass(frozen=True)
class FixContext:
    """What a fix run works with: the forges (``pusher`` makes commits: the push token's
    forge when one is set), the settings, and, for local computing, a clone and a model."""

    forge: FixForge
    pusher: FixForge
    repository: str
    config: FixConfig
    triage: TriageOptions
    delivery: Delivery
    dry_run: bool = False
    today: date = field(default_factory=lambda: datetime.now(UTC).date())
    git: Git | None = None
    provider: ProviderFactory | None = None
    progress: Progress | None = None
    tests: TestsConfig = field(default_factory=TestsConfig)


@dataclass(frozen=True)
class FixReport:
    """What a fix run saw, decided and did; rendered as the sticky comment and job summary."""

    source: dict[str, Any]
    strategy: str
    action: str
    reasons: tuple[str, ...]
    head_sha: str = ""
    pull_request: int | None = None
    triage: TriageResult | None = None
    computation: Computation | None = field(default=None, metadata=json_meta(key="fix"))
    delivered: Delivered | None = None
    analysis: Analysis | None = None
    comment: dict[str, Any] | None = None
    bundle: dict[str, Any] | None = None
    issue: dict[str, Any] | None = None
    proven_here: bool = True  # False: the fix's proof was reported by another job


def fix_pull_request(ctx: FixContext, number: int) -> FixReport:
    """Fix the newest failed run at pull request ``number``'s head (CA138 when none)."""
    pr = ctx.forge.pull_request(number)
    for run in ctx.forge.workflow_runs(head_sha=pr.head_sha):
        if run.status == "completed" and run.conclusion == "failure":
            return fix_run(ctx, run.id, pr=pr)
    raise fail("CA138", number=number, sha=pr.head_sha[:12])


def fix_run(
    ctx: FixContext,
    run_id: int,
    *,
    pr: PullRequestInfo | None = None,
    bundle: ChangeBundle | None = None,
) -> FixReport:
    """Triage run ``run_id``, act on its strategy, and post the sticky comment."""
    try:
        triage = triage_run(
            ctx.forge,
            run_id,
            ctx.triage,
            repository=ctx.repository,
            rerun=True,
            dry_run=ctx.dry_run,
            progress=ctx.progress,
        )
    except CiAgentError as exc:
        if exc.code == "CA136" and ctx.config.failure_issue:
            return settle_run(ctx, run_id)  # nothing failed: close the failure issue, if any
        raise
    run = triage.run
    if run is None:
        raise fail("CA601", problem=f"the triage of run {run_id} did not keep the run")
    critical = bool(triage.source.get("critical"))
    if pr is None and not critical:
        # A push to the default branch is nobody's pull request, even when a release pull
        # request's head is that branch.
        pr = _pull_request_of(ctx.forge, run)
    report = _act(ctx, run, triage, pr, bundle)
    if ctx.dry_run:
        return report
    if pr is None:
        # A re-run decides by itself: its completion comes back here with the same run.
        if critical and ctx.config.failure_issue and report.action != "rerun":
            return _with_issue(ctx, run, report)
        return report
    from ci_agent.fix.sticky import post_sticky

    return replace(report, comment=post_sticky(ctx.forge, pr.number, run_id, report, ctx.today))


def _act(
    ctx: FixContext,
    run: WorkflowRun,
    triage: TriageResult,
    pr: PullRequestInfo | None,
    bundle: ChangeBundle | None,
) -> FixReport:
    report = FixReport(
        triage.source,
        str(triage.decision.strategy),
        "",
        (),
        head_sha=run.head_sha,
        pull_request=pr.number if pr else None,
        triage=triage,
    )
    strategy = triage.decision.strategy
    if strategy is Strategy.RERUN:
        rerun = triage.rerun
        done = rerun is not None and rerun.requested
        reason = rerun.reason if rerun else triage.decision.reason
        return replace(report, action="rerun" if done else "no-rerun", reasons=(reason,))
    if strategy is Strategy.ANALYZE:
        greens = green_runs(ctx.forge, run)
        if pr is not None:
            analysis = analyze(triage, greens, list(ctx.forge.commits(pr.number)))
        else:
            analysis = analyze(triage, greens, *_since(ctx.forge, greens.last, run))
        return replace(
            report, action="analyzed", reasons=(triage.decision.reason,), analysis=analysis
        )
    if pr is None:
        why = f"no open pull request has head {run.head_sha[:12]}; ci-agent fixes pull requests"
        return replace(report, action="skipped", reasons=(why,))
    skipped = _precheck(ctx, run, pr)
    if skipped is not None:
        return replace(report, action="skipped", reasons=(skipped,))
    computation = None
    if bundle is None and ctx.git is not None and ctx.provider is not None:
        changed = tuple(f.path for f in ctx.forge.changed_files(pr.number))
        computation = compute_fix(
            ctx.git,
            run.head_sha,
            triage,
            ctx.config,
            ctx.provider,
            changed=changed,
            tests=ctx.tests,
        )
        if not computation.verified:
            return replace(
                report, action="refused", reasons=computation.reasons, computation=computation
            )
        bundle = make_bundle(ctx.repository, run.head_sha, run.id, triage, computation)
    if bundle is None:
        try:
            bundle = find_bundle(ctx.forge, run)
        except CiAgentError as exc:
            return replace(report, action="refused", reasons=(f"{exc.code}: {exc.message}",))
    if bundle is None:
        reason = (
            "no fix artifact: the failed run did not upload one. Add the ci-agent compute step "
            "to the CI job (docs/fix.md); ci-agent never runs a pull request's code here"
        )
        return replace(report, action="no-fix", reasons=(reason,))
    proven_here = computation is not None  # the proof ran in this process
    computation = computation or computation_of(bundle)
    report = replace(report, computation=computation, proven_here=proven_here)
    if not computation.verified:
        return replace(report, action="refused", reasons=computation.reasons)
    target = _target(ctx.repository, run, pr)
    proof = str(bundle.evidence.get("verification") or "")
    claims = Claims(proven_here, run.id, proof)
    locations = [loc for job in triage.jobs for loc in job.locations]
    tests = [test for job in triage.jobs for test in job.failing_tests]
    scope = Scope(
        frozenset(f.path for f in ctx.forge.changed_files(pr.number)),
        failure_paths(locations, tests),
    )
    try:
        _check_identity(bundle, ctx.repository, run)
        delivered = land_change(
            ctx.forge,
            ctx.pusher,
            bundle,
            target,
            rules=_landing_rules(ctx.config),
            delivery=ctx.delivery,
            claims=claims,
            scope=scope,
            failing_lines=failure_sites(locations),
            dry_run=ctx.dry_run,
        )
    except CiAgentError as exc:
        if exc.code not in LANDING_REFUSALS:
            raise
        action = "aborted" if exc.code == "CA531" else "refused"
        return replace(report, action=action, reasons=(f"{exc.code}: {exc.message}",))
    return replace(report, action=delivered.mode, reasons=(delivered.reason,), delivered=delivered)


def _landing_rules(config: FixConfig) -> LandingRules:
    """The ``fix:`` section as the change core's landing rules."""
    return LandingRules(
        capability="fix",
        protected_paths=tuple(config.protected_paths),
        author=config.author,
        bots=dict(config.bots),
        dispatch_after_push=config.after_push == "dispatch",
    )


def settle_run(ctx: FixContext, run_id: int) -> FixReport:
    """A run in which nothing failed: on the default branch after a merge, close the issue
    ci-agent opened about its workflow failing there (``fix.failure-issue``)."""
    run = ctx.forge.workflow_run(run_id)
    if run.conclusion != "success":
        # Cancelled or skipped is not green: the issue stays as it is.
        raise fail("CA136", run=run_id, conclusion=run.conclusion or "none")
    source = {
        "kind": "run",
        "repository": ctx.repository,
        "run_id": run.id,
        "workflow": run.name,
        "head_sha": run.head_sha,
        "head_branch": run.head_branch,
        "event": run.event,
        "conclusion": run.conclusion,
    }
    report = FixReport(source, "none", "passed", (), head_sha=run.head_sha)
    default = ctx.triage.default_branch
    if run.event != "push" or not default or run.head_branch != default:
        why = f"run {run.id} passed; it is not a push to the default branch: no issue to close"
        return replace(report, reasons=(why,))
    if ctx.dry_run:
        return replace(report, reasons=(f"run {run.id} passed (dry run: no issue closed)",))
    from ci_agent.fix.failure_issue import close_failure

    try:
        closed = close_failure(ctx.forge, run, label=ctx.config.failure_label)
    except CiAgentError as exc:
        why = f"could not close the failure issue: {exc.code}: {exc.message}"
        return replace(report, reasons=(why,))
    if closed is None:
        return replace(report, reasons=(f"run {run.id} passed; no failure issue was open",))
    if closed["action"] == "kept-open":
        why = f"run {run.id} passed, but a newer run failed: issue #{closed['number']} stays open"
        return replace(report, reasons=(why,), issue=closed)
    why = f"run {run.id} passed on {run.head_branch}: closed issue #{closed['number']}"
    return replace(report, action="closed-issue", reasons=(why,), issue=closed)


def _with_issue(ctx: FixContext, run: WorkflowRun, report: FixReport) -> FixReport:
    """Open or update the failure issue; a refusal (no ``issues: write``) is reported, the
    analysis still stands in the job summary."""
    from ci_agent.fix.failure_issue import report_failure
    from ci_agent.fix.sticky import fix_markdown

    # The analysis already looked at the branch's runs; other strategies did not.
    analysis = report.analysis
    passed = analysis.passed_after if analysis else green_runs(ctx.forge, run).newer
    if passed is not None:
        why = f"run {passed} of the workflow passed after this one: no failure issue"
        return replace(report, reasons=(*report.reasons, why))
    try:
        issue = report_failure(ctx.forge, run, fix_markdown(report), label=ctx.config.failure_label)
    except CiAgentError as exc:
        why = f"could not open or update the failure issue: {exc.code}: {exc.message}"
        return replace(report, reasons=(*report.reasons, why))
    return replace(report, issue=issue)


def _since(forge: CommitRange, green: str | None, run: WorkflowRun) -> tuple[list[Commit], int]:
    """The newest commits after the last green one up to the run's head, and how many there
    are (a push has no pull request to list them); none when GitHub cannot compare them."""
    if green is None:
        return [], 0
    try:
        return forge.newest_commits(green, run.head_sha, MAX_SUSPECTS)
    except CiAgentError:
        return [], 0  # the green commit is gone (a force-push): the analysis says so


def _precheck(ctx: FixContext, run: WorkflowRun, pr: PullRequestInfo) -> str | None:
    """Why this run gets no fix (a closed pull request, a newer head, a guard), or None."""
    if pr.state != "open":
        return f"pull request #{pr.number} is {pr.state}"
    if pr.head_sha != run.head_sha:
        return (
            f"pull request #{pr.number} moved on to {pr.head_sha[:12]}; "
            f"the failure of {run.head_sha[:12]} is not fixed"
        )
    prior = prior_fixes(ctx.forge.comments(pr.number, CommentKind.ISSUE))
    chain = own_fix_chain(list(ctx.forge.commits(pr.number)))
    limits = GuardLimits(
        ctx.config.max_fixes_per_head, ctx.config.max_fixes_per_day, ctx.config.max_chain
    )
    verdict = check_guards(
        prior, chain, run_id=run.id, head_sha=run.head_sha, today=ctx.today, limits=limits
    )
    return None if verdict.allowed else verdict.reason


def _pull_request_of(forge: FixForge, run: WorkflowRun) -> PullRequestInfo | None:
    """The run's pull request: listed on the run, else found by head SHA (forks)."""
    if run.pull_requests:
        return forge.pull_request(run.pull_requests[0])
    return next(iter(forge.pull_requests_for(run.head_sha)), None)


def _target(repository: str, run: WorkflowRun, pr: PullRequestInfo) -> Target:
    """Where the fix goes. Same repository only when the run itself built this repository
    (``workflow_run.head_repository``) and the pull request's head is there too: a pull
    request found by head SHA may belong to a fork's run of the same commit."""
    built = run.head_repository or ""
    same = built.lower() == repository.lower() and not pr.is_fork
    same = same and pr.head_repo.lower() == repository.lower()
    bot = pr.author.endswith("[bot]") or pr.author_type == "Bot"
    return Target(
        pr.head_ref,
        run.head_sha,
        pr,
        same,
        run.workflow_id,
        origin=built or "an unknown repository",
        author=pr.author,
        author_is_bot=bot,
    )


def _check_identity(bundle: ChangeBundle, repository: str, run: WorkflowRun) -> None:
    """A bundle is for this repository, this run and this commit, or it is not used."""
    problems = []
    if bundle.repository.lower() != repository.lower():
        problems.append(f"made for {bundle.repository}, not {repository}")
    if bundle.head_sha != run.head_sha:
        problems.append(f"made for commit {bundle.head_sha[:12]}, not {run.head_sha[:12]}")
    if bundle.run_id != run.id:
        problems.append(f"made in run {bundle.run_id}, not {run.id}")
    if problems:
        raise fail("CA532", name=f"{BUNDLE_PREFIX}{bundle.run_id}", problem="; ".join(problems))


def make_bundle(
    repository: str, head_sha: str, run_id: int, triage: TriageResult, computation: Computation
) -> ChangeBundle:
    """The bundle of a computation (what the privileged job lands and reports)."""
    from ci_agent.change.bundle import ChangeBundle

    kind = str(triage.decision.kind)
    evidence = {
        **computation.evidence,
        "strategy": computation.strategy,
        "status": computation.status,
        "reasons": list(computation.reasons),
        "tokens": computation.tokens,
        "cost": round(computation.cost, 6),
    }
    return ChangeBundle(
        repository=repository,
        head_sha=head_sha,
        run_id=run_id,
        diff=computation.diff,
        title=f"fix the {kind} failure",
        evidence=evidence,
        created_at=datetime.now(UTC).replace(microsecond=0).isoformat(),
    )


def computation_of(bundle: ChangeBundle) -> Computation:
    """The computation a bundle reports (its evidence is untrusted: shown, never run)."""
    evidence = dict(bundle.evidence)
    reasons = evidence.get("reasons")
    return Computation(
        str(evidence.get("strategy", "")),
        str(evidence.get("status", "verified" if bundle.diff else "refused")),
        tuple(str(r) for r in reasons) if isinstance(reasons, list) else (),
        bundle.diff,
        evidence,
        _int(evidence.get("tokens")),
        _float(evidence.get("cost")),
    )


def find_bundle(forge: FixForge, run: WorkflowRun) -> ChangeBundle | None:
    """The fix bundle the run uploaded (a verified one first), downloaded and validated."""
    from ci_agent.change.bundle_artifacts import find_bundle as find_capability_bundle

    return find_capability_bundle(forge, run, "fix")


@dataclass(frozen=True)
class LocalFix:
    """What the compute step was given: logs or JUnit reports, and whom the bundle is for."""

    logs: tuple[Path, ...]
    repository: str
    head_sha: str
    run_id: int
    bundle_out: Path | None = None
    changed: tuple[str, ...] = ()  # files the pull request changes (shown to the model)


def compute_bundle(
    git: Git,
    request: LocalFix,
    options: TriageOptions,
    config: FixConfig,
    provider: ProviderFactory,
    *,
    tests: TestsConfig | None = None,
) -> FixReport:
    """Triage local logs, compute the fix on the checked-out commit, write the bundle.

    Runs the repository's code; writes nothing to GitHub. The bundle is written whatever
    the outcome, so the privileged job can report a refusal too.
    """
    from ci_agent.change.bundle import write_bundle

    triage = triage_logs(request.logs, options)
    sha = git.head()
    if sha is None:
        raise fail("CA206", ref="HEAD", suggestion="Run in a clone with a checked-out commit.")
    computation = compute_fix(
        git, sha, triage, config, provider, changed=request.changed, tests=tests
    )
    report = FixReport(
        triage.source,
        str(triage.decision.strategy),
        "computed" if computation.verified else "refused",
        computation.reasons,
        head_sha=request.head_sha,
        triage=triage,
        computation=computation,
    )
    if request.bundle_out is None:
        return report
    bundle = make_bundle(request.repository, request.head_sha, request.run_id, triage, computation)
    path = write_bundle(request.bundle_out, bundle)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    info = {"path": str(path), "name": path.name, "sha256": digest}
    return replace(report, bundle=info)


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _float(value: object) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0
