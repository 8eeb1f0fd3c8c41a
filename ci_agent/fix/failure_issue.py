"""The issue ci-agent keeps about a workflow failing on the default branch after a merge:
opened on the first failed run, one comment per further failed run (edited in place when that
run fails again on a re-run), closed with a comment when the workflow passes there again.

It is found again by its label, the marker on its first line and a bot author, so a person
cannot make ci-agent write into (or close) an issue of theirs by copying the marker.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Protocol

from ci_agent.forge.protocol import CommentStore, IssueTracker
from ci_agent.forge.types import CommentKind
from ci_agent.markers import find_markers, marker
from ci_agent.sanitize import wire_text
from ci_agent.sticky import find_ours, is_ours, upsert_comment

if TYPE_CHECKING:
    from ci_agent.forge.run_types import WorkflowRun
    from ci_agent.forge.types import IssueInfo

__all__ = ["ISSUE_MARKER", "RUN_MARKER", "close_failure", "find_failure", "report_failure"]

ISSUE_MARKER = "failing"
RUN_MARKER = "failing-run"
_UNSAFE = re.compile(r"[^A-Za-z0-9._/=+-]")
_TITLE_LIMIT = 200


class FailureIssues(IssueTracker, CommentStore, Protocol):
    """What keeping the issue needs of a forge."""


def issue_key(run: WorkflowRun) -> str:
    """The marker key of the issue about ``run``'s workflow on ``run``'s branch."""
    branch = _UNSAFE.sub("_", run.head_branch or "")[:150]
    return f"workflow-{run.workflow_id}:{branch}"


def find_failure(forge: IssueTracker, run: WorkflowRun, label: str) -> IssueInfo | None:
    """The open issue ci-agent opened about ``run``'s workflow and branch, if any."""
    key = issue_key(run)
    for issue in forge.open_issues(label):
        markers = find_markers(issue.body)
        if is_ours(issue) and any(m.kind == ISSUE_MARKER and m.key == key for m in markers):
            return issue
    return None


def report_failure(
    forge: FailureIssues, run: WorkflowRun, analysis: str, *, label: str
) -> dict[str, Any]:
    """Open the issue for ``run``, or add (or update) the run's comment on the open one."""
    run_marker = marker(RUN_MARKER, f"run-{run.id}")
    existing = find_failure(forge, run, label)
    if existing is None:
        branch = run.head_branch or "the default branch"
        title = " ".join(f"CI failing on {branch}: {run.name}".split())[:_TITLE_LIMIT]
        body = wire_text(
            f"{marker(ISSUE_MARKER, issue_key(run))}\n{run_marker}\n{_intro(run)}\n\n{analysis}"
        )
        created = forge.create_issue(title, body, [label])
        return {"number": created.number, "action": "opened", "url": created.url}
    if any(m.kind == RUN_MARKER and m.key == f"run-{run.id}" for m in find_markers(existing.body)):
        # This run opened the issue; its re-run failing again adds nothing new.
        return {"number": existing.number, "action": "unchanged", "url": existing.url}
    body = wire_text(f"{run_marker}\n{analysis}")
    comments = forge.comments(existing.number, CommentKind.ISSUE)
    previous = find_ours(comments, RUN_MARKER, f"run-{run.id}")
    _, action = upsert_comment(forge, existing.number, body, previous)
    return {"number": existing.number, "action": action, "url": existing.url}


def close_failure(forge: FailureIssues, run: WorkflowRun, *, label: str) -> dict[str, Any] | None:
    """Close the open issue about ``run``'s workflow and branch, saying which run passed."""
    existing = find_failure(forge, run, label)
    if existing is None:
        return None
    where = f"`{run.head_branch}`" if run.head_branch else "the default branch"
    text = (
        f"{marker(RUN_MARKER, f'run-{run.id}')}\n"
        f"Workflow **{_name(run)}** passes on {where} again: {_run_link(run)} at "
        f"`{run.head_sha[:12]}`. Closing."
    )
    comments = forge.comments(existing.number, CommentKind.ISSUE)
    previous = find_ours(comments, RUN_MARKER, f"run-{run.id}")
    upsert_comment(forge, existing.number, wire_text(text), previous)
    forge.close_issue(existing.number)
    return {"number": existing.number, "action": "closed", "url": existing.url}


def _intro(run: WorkflowRun) -> str:
    where = f"`{run.head_branch}`" if run.head_branch else "the default branch"
    return (
        f"Workflow **{_name(run)}** fails on {where} since {_run_link(run)} at "
        f"`{run.head_sha[:12]}`. ci-agent adds a comment for each further failed run and closes "
        f"this issue when the workflow passes on {where} again."
    )


def _name(run: WorkflowRun) -> str:
    return " ".join(run.name.replace("*", "").replace("`", "").split()) or "CI"


def _run_link(run: WorkflowRun) -> str:
    linked = run.url.startswith(("https://", "http://"))
    return f"[run {run.id}]({run.url})" if linked else f"run {run.id}"
