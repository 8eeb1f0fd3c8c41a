"""``/ci-agent tests`` on a pull request: re-run the pull request's own test-generation run.

The comments workflow holds the base repository's token and secrets, so it never installs or
runs the pull request's project (its build hooks would run outside any sandbox). The pull
request's ``pull_request`` run of ``test-generation.workflow`` already runs it with the pull
request's own permissions (read-only and without secrets for forks): asking GitHub to re-run
that whole run is the whole command. The answer is one reply per command comment, marked with
the comment's id, so a re-delivered event finds it and does nothing again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ci_agent.errors import CiAgentError, fail
from ci_agent.forge.protocol import CommentStore
from ci_agent.forge.run_protocol import RunRerunner
from ci_agent.forge.run_types import WorkflowRun
from ci_agent.forge.types import CommentKind, PullRequestInfo
from ci_agent.outcome import Outcome

__all__ = ["RERUN_MARKER", "RerunForge", "TestsComment", "rerun_tests"]

RERUN_MARKER = "tests-rerun"


class RerunForge(RunRerunner, CommentStore, Protocol):
    """What the command reads and writes: the pull request's head, its runs, its comments."""

    def pull_request(self, number: int) -> PullRequestInfo:
        """The pull request (its head commit)."""
        ...


@dataclass(frozen=True)
class TestsComment:
    """The command as asked: the pull request, the comment that asked, the workflow file."""

    __test__ = False

    number: int
    comment_id: int
    workflow: str | None  # test-generation.workflow of the trusted configuration
    dry_run: bool = False


def rerun_tests(forge: RerunForge, asked: TestsComment) -> Outcome:
    """Find the head's run of the workflow and re-run it; reply once, with a link or a code."""
    from ci_agent.markers import marker
    from ci_agent.report.sticky_comment import find_ours, upsert_comment

    key = f"comment-{asked.comment_id}"
    earlier = find_ours(forge.comments(asked.number, CommentKind.ISSUE), RERUN_MARKER, key)
    if earlier is not None:
        # A re-delivered event: the command was answered (and the run re-run) already.
        why = f"already answered in comment {earlier.id}"
        return Outcome("run", result={"skipped": why, "reply_id": earlier.id}, text=why)
    head = ""
    try:
        pull = forge.pull_request(asked.number)
        head = pull.head_sha
        run = _the_run(forge, asked, pull)
        if asked.dry_run:
            text = f"would re-run {run.url} (attempt {run.run_attempt + 1}) for {head[:12]}"
            return Outcome("run", result=_run_result(run, head, dry_run=True), text=text)
        _rerun(forge, run)
    except CiAgentError as exc:
        if exc.code not in {"CA194", "CA330", "CA331", "CA332", "CA334"} or asked.dry_run:
            raise
        body = marker(RERUN_MARKER, key) + "\n" + _refusal_text(exc)
        reply_id, _ = upsert_comment(forge, asked.number, body, None)
        result = {"reply_id": reply_id, "head": head, "refused": exc.code}
        return Outcome("run", result=result, text=f"{exc.code}: {exc.message}", errors=[exc])
    body = marker(RERUN_MARKER, key) + "\n" + _rerun_text(run, head)
    reply_id, _ = upsert_comment(forge, asked.number, body, None)
    text = f"re-running {run.url} for {head[:12]} (attempt {run.run_attempt + 1})"
    return Outcome("run", result={**_run_result(run, head), "reply_id": reply_id}, text=text)


def _the_run(forge: RerunForge, asked: TestsComment, pull: PullRequestInfo) -> WorkflowRun:
    """The newest ``pull_request`` run of the workflow for the pull request's head, completed
    and not waiting for a maintainer's approval."""
    workflow = asked.workflow
    if not workflow:
        raise fail("CA194")
    head = pull.head_sha
    for run in forge.workflow_runs(head_sha=head):
        if run.event == "pull_request" and _file_name(run.path) == workflow and _ours(run, pull):
            if run.status != "completed":
                raise fail(
                    "CA331",
                    workflow=workflow,
                    url=run.url or f"run {run.id}",
                    head=head[:12],
                    status=run.status.replace("_", " "),
                )
            if run.conclusion == "action_required":
                # A fork's run held for approval: re-running it would approve it on the
                # commenter's behalf, for code (and a workflow file) nobody reviewed.
                raise fail(
                    "CA334", workflow=workflow, url=run.url or f"run {run.id}", head=head[:12]
                )
            return run
    raise fail("CA330", workflow=workflow, head=head[:12], number=asked.number)


def _ours(run: WorkflowRun, pull: PullRequestInfo) -> bool:
    """Whether the run is the pull request's: a same-repository run lists the pull requests it
    belongs to; a fork's run lists none, so its code must come from the fork of this one."""
    if pull.is_fork:
        return not run.pull_requests and run.head_repository == pull.head_repo
    return pull.number in run.pull_requests


def _file_name(path: str) -> str:
    """``tests.yml`` of ``.github/workflows/tests.yml`` (or ``…/tests.yml@refs/heads/x``)."""
    return path.split("@", 1)[0].rsplit("/", 1)[-1]


def _rerun(forge: RerunForge, run: WorkflowRun) -> None:
    try:
        forge.rerun_workflow(run.id)
    except CiAgentError as exc:
        if exc.code != "CA304":  # GitHub's 403: no actions: write, too old, or started since
            raise
        detail = str(exc.context.get("detail") or exc.message)
        raise fail("CA332", url=run.url or f"run {run.id}", status=403, problem=detail) from exc


def _run_result(run: WorkflowRun, head: str, *, dry_run: bool = False) -> dict[str, object]:
    return {
        "rerun": {"run_id": run.id, "url": run.url, "attempt": run.run_attempt + 1},
        "head": head,
        **({"dry_run": True} if dry_run else {}),
    }


def _rerun_text(run: WorkflowRun, head: str) -> str:
    from ci_agent.report.markdown import plain_text

    link = f"[{plain_text(run.name or 'the run', 100)} #{run.id}]({run.url})" if run.url else ""
    what = link or f"run {run.id}"
    return (
        f"Re-running {what} for `{head[:12]}` (attempt {run.run_attempt + 1}): the pull "
        "request's own test-generation run, with its own permissions. Its tests comment is "
        "updated when it finishes."
    )


def _refusal_text(exc: CiAgentError) -> str:
    from ci_agent.report.markdown import plain_text

    return (
        f"`/ci-agent tests` was not run: **{exc.code}** {plain_text(exc.message, 500)}\n\n"
        f"{plain_text(exc.suggestion or '', 500)}"
    ).rstrip()
