"""The issue ci-agent keeps about a workflow failing on the default branch after a merge:
opened on the first failed run, one comment per further failed run (edited in place when that
run fails again on a re-run), closed with a comment when a newer run of the workflow passes
there.

It is found again by its label, the marker on its first line and a bot author, so a person
cannot make ci-agent write into (or close) an issue of theirs by copying the marker.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ci_agent.forge.types import CommentKind
from ci_agent.markers import find_markers, marker
from ci_agent.report.issue import open_issue
from ci_agent.report.markdown import code_span, plain_text
from ci_agent.report.sticky_comment import find_ours, is_ours, upsert_comment
from ci_agent.sanitize import wire_text

if TYPE_CHECKING:
    from ci_agent.forge.protocol import IssueForge, IssueTracker
    from ci_agent.forge.run_types import WorkflowRun
    from ci_agent.forge.types import Comment, IssueInfo

__all__ = [
    "FAILING_MARKER",
    "ISSUE_MARKER",
    "PASSING_MARKER",
    "close_failure",
    "find_failure",
    "issue_key",
    "report_failure",
]

ISSUE_MARKER = "failing"
FAILING_MARKER = "failing-run"  # the issue body (first run) and each further failed run
PASSING_MARKER = "passing-run"  # the comment that closes it
_UNSAFE = re.compile(r"[^A-Za-z0-9._/=+-]")
_RUN_KEY = re.compile(r"run-(\d+)")
_TITLE_LIMIT = 200


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
    forge: IssueForge, run: WorkflowRun, analysis: str, *, label: str
) -> dict[str, Any]:
    """Open the issue for ``run``, or add (or update) the run's comment on the open one."""
    run_key = f"run-{run.id}"
    existing = find_failure(forge, run, label)
    if existing is None:
        title = " ".join(f"CI failing on {run.head_branch}: {run.name}".split())
        body = (
            f"{marker(ISSUE_MARKER, issue_key(run))}\n{marker(FAILING_MARKER, run_key)}\n"
            f"{_intro(run)}\n\n{analysis}"
        )
        created = open_issue(forge, title[:_TITLE_LIMIT], body, [label])
        return {"number": created.number, "action": "opened", "url": created.url}
    opened_by = find_markers(existing.body)
    if any(m.kind == FAILING_MARKER and m.key == run_key for m in opened_by):
        # This run opened the issue; its re-run failing again adds nothing new.
        return {"number": existing.number, "action": "unchanged", "url": existing.url}
    body = wire_text(f"{marker(FAILING_MARKER, run_key)}\n{analysis}")
    previous = find_ours(
        forge.comments(existing.number, CommentKind.ISSUE), FAILING_MARKER, run_key
    )
    _, action = upsert_comment(forge, existing.number, body, previous)
    return {"number": existing.number, "action": action, "url": existing.url}


def close_failure(forge: IssueForge, run: WorkflowRun, *, label: str) -> dict[str, Any] | None:
    """Close the open issue about ``run``'s workflow and branch when ``run`` is newer than
    every failed run it records (runs finish out of order), then say which run passed."""
    existing = find_failure(forge, run, label)
    if existing is None:
        return None
    comments = list(forge.comments(existing.number, CommentKind.ISSUE))
    newest = max(_failed_runs(existing, comments), default=0)
    if newest > run.id:
        return {"number": existing.number, "action": "kept-open", "url": existing.url}
    forge.close_issue(existing.number)
    text = (
        f"{marker(PASSING_MARKER, f'run-{run.id}')}\n"
        f"Workflow **{_name(run)}** passes on {_branch(run)} again: {_run_link(run)} at "
        f"`{run.head_sha[:12]}`. Closing."
    )
    previous = find_ours(comments, PASSING_MARKER, f"run-{run.id}")
    upsert_comment(forge, existing.number, wire_text(text), previous)
    return {"number": existing.number, "action": "closed", "url": existing.url}


def _failed_runs(issue: IssueInfo, comments: list[Comment]) -> list[int]:
    """The ids of the failed runs ``issue`` and ci-agent's comments on it record."""
    bodies = [issue.body, *(c.body for c in comments if is_ours(c))]
    keys = [m.key for body in bodies for m in find_markers(body) if m.kind == FAILING_MARKER]
    return [int(found.group(1)) for key in keys if (found := _RUN_KEY.fullmatch(key))]


def _intro(run: WorkflowRun) -> str:
    return (
        f"Workflow **{_name(run)}** fails on {_branch(run)} since {_run_link(run)} at "
        f"`{run.head_sha[:12]}`. ci-agent adds a comment for each further failed run and closes "
        f"this issue when the workflow passes on {_branch(run)} again."
    )


def _name(run: WorkflowRun) -> str:
    """The workflow's name as text: no markup, mentions or links of its own."""
    return plain_text(run.name.replace("*", "")) or "CI"


def _branch(run: WorkflowRun) -> str:
    return code_span(run.head_branch) if run.head_branch else "the branch"


def _run_link(run: WorkflowRun) -> str:
    linked = run.url.startswith(("https://", "http://"))
    return f"[run {run.id}]({run.url})" if linked else f"run {run.id}"
