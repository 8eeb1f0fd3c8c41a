"""Landing a verified fix on GitHub: a commit on the branch (fast-forward only), a pull
request against it, or review suggestions. Runs in the privileged job and never checks out
or runs the pull request's code: the bundle is re-checked against the files fetched through
the API, and the commit is made with the Git Data API.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Literal

from ci_agent.change.guards import FIX_TRAILER
from ci_agent.errors import CiAgentError

if TYPE_CHECKING:
    from ci_agent.change.bundle import ChangeBundle
    from ci_agent.config_model import FixConfig
    from ci_agent.forge.protocol import FixForge
    from ci_agent.forge.types import PullRequestInfo

__all__ = ["Delivered", "Delivery", "Target", "choose_delivery", "commit_message", "land_fix"]

Delivery = Literal["push", "pull-request", "suggest"]


@dataclass(frozen=True)
class Target:
    """Where the fix goes: the branch and head it was made for, and its pull request."""

    branch: str
    head_sha: str
    pull_request: PullRequestInfo | None
    same_repository: bool
    workflow_id: int | None = None


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

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return asdict(self)


def choose_delivery(configured: Delivery, target: Target) -> tuple[Delivery, str]:
    """The delivery to use: a fork's branch is never pushed to; without a pull request there
    is nowhere to suggest or to open one against but the branch itself."""
    if not target.same_repository:
        return "suggest", "the pull request comes from a fork: suggestions only, never a push"
    if configured == "suggest" and target.pull_request is None:
        return "push", "no pull request to suggest on; fix.delivery suggest falls back to push"
    return configured, f"fix.delivery is {configured}"


def land_fix(
    forge: FixForge,
    pusher: FixForge,
    bundle: ChangeBundle,
    target: Target,
    *,
    config: FixConfig,
    delivery: Delivery,
    dry_run: bool = False,
) -> Delivered:
    """Re-check ``bundle`` through the API and deliver it; CA231/CA533/CA531 on refusal.

    ``pusher`` makes the commits and branches: the forge of the push token when one is set
    (so the fix's own CI runs), else ``forge`` itself."""
    from ci_agent.change.bundle import check_bundle
    from ci_agent.change.policy import PatchPolicy

    changes = check_bundle(forge, bundle, PatchPolicy(config.protected_paths))
    mode, why = choose_delivery(delivery, target)
    if dry_run:
        return Delivered("dry-run", f"dry run: would {mode} ({why})")
    if mode == "suggest":
        return _suggest(forge, bundle, target, why)
    files = {c.path: c.after.encode("utf-8", errors="surrogateescape") for c in changes}
    message = commit_message(bundle)
    if mode == "push":
        sha = pusher.commit_files(target.head_sha, files, message, config.author)
        pusher.advance_branch(target.branch, sha, expected=target.head_sha)
        dispatched = _dispatch(forge, target, config)
        return Delivered("pushed", why, commit=sha, branch=target.branch, dispatched=dispatched)
    sha = pusher.commit_files(target.head_sha, files, message, config.author)
    branch = f"ci-agent/fix-{bundle.run_id}"
    pusher.create_branch(branch, sha)
    title = f"ci-agent: {bundle.title}"
    body = (
        f"Fixes the failure of workflow run {bundle.run_id} on `{target.branch}` "
        f"({target.head_sha[:12]}). The patch was verified before this pull request was opened."
    )
    opened = pusher.open_pull_request(target.branch, branch, title, body)
    return Delivered("pull-request", why, commit=sha, branch=branch, url=opened.url)


def commit_message(bundle: ChangeBundle) -> str:
    """The fix commit's message with its trailers (run, attempt, verification)."""
    from ci_agent.change.deliver import fix_message

    evidence = bundle.evidence
    trailers = {
        FIX_TRAILER: str(bundle.run_id),
        "Ci-Agent-Attempt": str(evidence.get("attempt", 1)),
        "Ci-Agent-Verified": str(evidence.get("verification", "verified")),
    }
    body = str(evidence.get("explanation", "")).strip()
    return fix_message(f"ci-agent: {bundle.title}", body, trailers)


def _suggest(forge: FixForge, bundle: ChangeBundle, target: Target, why: str) -> Delivered:
    from ci_agent.change.deliver import suggestions

    pr = target.pull_request
    if pr is None:
        return Delivered("suggested", f"{why}; no pull request to post on")
    comments, unplaced = suggestions(bundle.diff)
    posted = 0
    if comments:
        body = (
            f"ci-agent: a verified fix for the failure of workflow run {bundle.run_id}. "
            "Apply the suggestions to take it."
        )
        from ci_agent.report.pr_review import post_review, wire_comment

        wired = [wire_comment(c) for c in comments]
        result = post_review(forge, pr.number, target.head_sha, body, wired)
        posted = len(wired) - len(result.rejected)
        unplaced = (*unplaced, *(f"{c.path}:{c.line}: outside the diff" for c in result.rejected))
    return Delivered("suggested", why, suggestions=posted, unplaced=tuple(unplaced))


def _dispatch(forge: FixForge, target: Target, config: FixConfig) -> bool:
    """Start the failed workflow on the branch: a push with GITHUB_TOKEN starts no CI."""
    if config.after_push != "dispatch" or target.workflow_id is None:
        return False
    try:
        forge.dispatch_workflow(target.workflow_id, target.branch)
    except CiAgentError:
        return False  # the fix is pushed; the comment says CI must be started by hand
    return True
