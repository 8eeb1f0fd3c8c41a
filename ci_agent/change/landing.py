"""Landing a verified change on GitHub: a commit on the branch (fast-forward only), a pull
request against it, or review suggestions. Capability-neutral: the capability (fix) says what
its configuration allows through :class:`LandingRules`. Runs in the privileged job and never
checks out or runs the pull request's code. Before anything is written it re-checks what it
can: every path is in scope (the pull request's files and the files the failed jobs name) and
crosses no symbolic link of the head commit, the diff applies to the exact head, and the
policy and weakening checks pass on the files fetched through the API. What it cannot re-check
(a proof that ran in another job) is called reported, never verified (``change.claims``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from ci_agent.change.claims import Claims
from ci_agent.change.guards import FIX_TRAILER
from ci_agent.errors import CiAgentError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ci_agent.change.bundle import ChangeBundle
    from ci_agent.change.scope import Scope
    from ci_agent.forge.protocol import FixForge
    from ci_agent.forge.types import PullRequestInfo

__all__ = [
    "Delivered",
    "Delivery",
    "LandingRules",
    "Target",
    "choose_delivery",
    "commit_message",
    "land_change",
]

Delivery = Literal["push", "pull-request", "suggest"]


@dataclass(frozen=True)
class LandingRules:
    """What a capability's configuration says about landing its changes."""

    capability: str  # names the settings in reasons and the pull-request branch
    protected_paths: tuple[str, ...]
    author: str  # 'Name <email>' of the commits
    bots: Mapping[str, Delivery] = field(default_factory=dict)  # delivery per bot login
    dispatch_after_push: bool = False  # start the failed workflow after a push


@dataclass(frozen=True)
class Target:
    """Where the fix goes: the branch and head it was made for, and its pull request."""

    branch: str
    head_sha: str
    pull_request: PullRequestInfo | None
    same_repository: bool
    workflow_id: int | None = None
    origin: str = ""  # the repository the failed run built (workflow_run.head_repository)
    author: str = ""  # who opened the pull request
    author_is_bot: bool = False


@dataclass(frozen=True)
class Delivered:
    """What landing did."""

    mode: str  # pushed | pull-request | suggested | dry-run
    reason: str
    commit: str = ""
    branch: str = ""
    url: str = ""
    suggestions: int = 0
    unplaced: tuple[str, ...] = ()
    dispatched: bool = False
    claims: str = ""  # what the landing job re-checked and what was only reported
    verified: bool = False  # the proof ran in this process


def choose_delivery(
    configured: Delivery,
    target: Target,
    bots: Mapping[str, Delivery] | None = None,
    capability: str = "fix",
) -> tuple[Delivery, str]:
    """The delivery to use: a fork's run never pushes; a bot's pull request (which may merge
    by itself) gets suggestions unless ``bots`` names it; without a pull request there is
    nowhere to suggest or to open one against but the branch itself."""
    if not target.same_repository:
        built = target.origin or "a fork"
        return "suggest", (
            f"the failed run built {built} (the run's head repository), not this repository: "
            "suggestions only, never a push"
        )
    mode, why = configured, f"{capability}.delivery is {configured}"
    if target.author_is_bot:
        chosen = (bots or {}).get(target.author)
        if chosen is not None:
            mode, why = chosen, f"{capability}.bots sets {chosen} for {target.author}"
        elif configured == "push":
            mode = "suggest"
            why = (
                f"{target.author} is a bot, whose pull requests may merge by themselves: "
                f"suggestions (set {capability}.bots to change it)"
            )
    if mode == "suggest" and target.pull_request is None:
        return "push", (
            f"no pull request to suggest on; {capability}.delivery suggest falls back to push"
        )
    return mode, why


def land_change(
    forge: FixForge,
    pusher: FixForge,
    bundle: ChangeBundle,
    target: Target,
    *,
    rules: LandingRules,
    delivery: Delivery,
    claims: Claims,
    scope: Scope | None = None,
    failing_lines: tuple[tuple[str, int], ...] = (),
    dry_run: bool = False,
) -> Delivered:
    """Re-check ``bundle`` through the API and deliver it; CA540/CA541 (scope, links),
    CA231/CA533 (does not apply, policy) or CA531 (the branch moved) on refusal.

    ``pusher`` makes the commits and branches: the forge of the push token when one is set
    (so the fix's own CI runs), else ``forge`` itself."""
    from ci_agent.change.bundle import bundle_paths, check_bundle
    from ci_agent.change.policy import PatchPolicy
    from ci_agent.change.scope import check_scope, check_symlinks

    paths = bundle_paths(bundle.diff)
    # Before any content is read: the contents API follows links.
    check_symlinks(forge, target.head_sha, paths)
    if scope is not None:
        check_scope(paths, scope)
    policy = PatchPolicy(rules.protected_paths, failing_lines)
    changes = check_bundle(forge, bundle, policy)
    mode, why = choose_delivery(delivery, target, rules.bots, rules.capability)
    if dry_run:
        return Delivered("dry-run", f"dry run: would {mode} ({why})", claims=claims.sentence())
    if mode == "suggest":
        return _suggest(forge, bundle, target, why, claims)
    files = {c.path: c.after.encode("utf-8", errors="surrogateescape") for c in changes}
    message = commit_message(bundle, claims)
    if mode == "push":
        sha = pusher.commit_files(target.head_sha, files, message, rules.author)
        pusher.advance_branch(target.branch, sha, expected=target.head_sha)
        dispatched = _dispatch(forge, target, rules)
        return Delivered(
            "pushed",
            why,
            commit=sha,
            branch=target.branch,
            dispatched=dispatched,
            claims=claims.sentence(),
            verified=claims.proven_here,
        )
    sha = pusher.commit_files(target.head_sha, files, message, rules.author)
    branch = f"ci-agent/{rules.capability}-{bundle.run_id}"
    pusher.create_branch(branch, sha)
    title = f"ci-agent: {bundle.title}"
    body = (
        f"Fixes the failure of workflow run {bundle.run_id} on `{target.branch}` "
        f"({target.head_sha[:12]}). {claims.sentence()}"
    )
    opened = pusher.open_pull_request(target.branch, branch, title, body)
    return Delivered(
        "pull-request",
        why,
        commit=sha,
        branch=branch,
        url=opened.url,
        claims=claims.sentence(),
        verified=claims.proven_here,
    )


def commit_message(bundle: ChangeBundle, claims: Claims) -> str:
    """The fix commit's message with its trailers: run, attempt, and what was verified here
    or only re-checked here and reported by the CI run."""
    from ci_agent.change.deliver import fix_message

    evidence = bundle.evidence
    trailers = {
        FIX_TRAILER: str(bundle.run_id),
        "Ci-Agent-Attempt": str(evidence.get("attempt", 1)),
        **claims.trailers(),
    }
    body = str(evidence.get("explanation", "")).strip()
    return fix_message(f"ci-agent: {bundle.title}", body, trailers)


def _suggest(
    forge: FixForge, bundle: ChangeBundle, target: Target, why: str, claims: Claims
) -> Delivered:
    from ci_agent.change.deliver import suggestions

    pr = target.pull_request
    if pr is None:
        return Delivered(
            "suggested",
            f"{why}; no pull request to post on",
            claims=claims.sentence(),
            verified=claims.proven_here,
        )
    lead = f"ci-agent suggests this change. {claims.sentence()}"
    comments, unplaced = suggestions(bundle.diff, lead=lead)
    posted = 0
    if comments:
        body = (
            f"ci-agent: a {claims.adjective()} fix for the failure of workflow run "
            f"{bundle.run_id}. {claims.sentence()} Apply the suggestions to take it."
        )
        from ci_agent.report.pr_review import post_review, wire_comment

        wired = [wire_comment(c) for c in comments]
        result = post_review(forge, pr.number, target.head_sha, body, wired)
        posted = len(wired) - len(result.rejected)
        unplaced = (*unplaced, *(f"{c.path}:{c.line}: outside the diff" for c in result.rejected))
    return Delivered(
        "suggested",
        why,
        suggestions=posted,
        unplaced=tuple(unplaced),
        claims=claims.sentence(),
        verified=claims.proven_here,
    )


def _dispatch(forge: FixForge, target: Target, rules: LandingRules) -> bool:
    """Start the failed workflow on the branch: a push with GITHUB_TOKEN starts no CI."""
    if not rules.dispatch_after_push or target.workflow_id is None:
        return False
    try:
        forge.dispatch_workflow(target.workflow_id, target.branch)
    except CiAgentError:
        return False  # the fix is pushed; the comment says CI must be started by hand
    return True
