"""GitHub's JSON (as the REST API returns it) into the forge's frozen dataclasses.

Parsers read only the fields the dataclasses need and tolerate ``null`` where GitHub documents
it (a deleted fork's ``head.repo``, a ghost ``user``, a commit author without an account).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ci_agent.forge.run_types import Artifact, CheckRun, Deployment, Job, Step, WorkflowRun
from ci_agent.forge.types import (
    ChangedFile,
    Comment,
    CommentKind,
    Commit,
    FileStatus,
    PullRequestInfo,
)

__all__ = [
    "artifact",
    "changed_file",
    "check_run",
    "comment",
    "commit",
    "deployment",
    "job",
    "pull_request",
    "timestamp",
    "workflow_run",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# GitHub's words for a file's change → ours; "unchanged" shows only in compare views.
_STATUSES = {status.value: status for status in FileStatus} | {"unchanged": FileStatus.MODIFIED}
# Without a patch these statuses still mean "no text changed" (a pure rename, a mode change).
_CONTENT_SAME = frozenset({"renamed", "copied", "changed", "unchanged"})


def timestamp(text: str | None) -> datetime | None:
    """An aware datetime from GitHub's ``2026-01-01T00:00:00Z``; None for null."""
    if not text:
        return None
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _login(account: Any) -> str:
    return str(account.get("login") or "") if isinstance(account, dict) else ""


def pull_request(data: dict[str, Any]) -> PullRequestInfo:
    """``pull-request`` or ``pull-request-simple``."""
    head, base = data["head"], data["base"]
    head_repo = (head.get("repo") or {}).get("full_name") or ""
    base_repo = (base.get("repo") or {}).get("full_name") or ""
    return PullRequestInfo(
        number=int(data["number"]),
        title=str(data.get("title") or ""),
        body=str(data.get("body") or ""),
        author=_login(data.get("user")),
        author_association=str(data.get("author_association") or "NONE"),
        draft=bool(data.get("draft")),
        state="closed" if data.get("state") == "closed" else "open",
        base_ref=str(base["ref"]),
        base_sha=str(base["sha"]),
        head_ref=str(head["ref"]),
        head_sha=str(head["sha"]),
        head_repo=head_repo,
        is_fork=head_repo.lower() != base_repo.lower(),  # a deleted fork has no head repo
        labels=tuple(str(label["name"]) for label in data.get("labels") or ()),
        url=str(data.get("html_url") or ""),
        author_type=str((data.get("user") or {}).get("type") or "User"),
    )


def changed_file(data: dict[str, Any]) -> ChangedFile:
    """``diff-entry``; GitHub omits ``patch`` for binary files and for diffs too large to show.

    GitHub sends the same for an empty new file as for a binary one, so that reads as binary.
    """
    status = str(data.get("status") or "modified")
    patch = data.get("patch")
    changes = int(data.get("changes") or 0)
    if patch is None and status in _CONTENT_SAME and changes == 0:
        patch = ""
    return ChangedFile(
        path=str(data["filename"]),
        status=_STATUSES.get(status, FileStatus.MODIFIED),
        additions=int(data.get("additions") or 0),
        deletions=int(data.get("deletions") or 0),
        patch=patch,
        previous_path=data.get("previous_filename"),
        binary=patch is None and changes == 0,
    )


def commit(data: dict[str, Any]) -> Commit:
    """``commit`` as ``pulls/{n}/commits`` lists it."""
    git = data["commit"]
    author, committer = git.get("author") or {}, git.get("committer") or {}
    login = _login(data.get("author"))
    return Commit(
        sha=str(data["sha"]),
        message=str(git.get("message") or ""),
        author_name=str(author.get("name") or ""),
        author_email=str(author.get("email") or ""),
        authored_at=timestamp(author.get("date")) or _EPOCH,
        committer_name=str(committer.get("name") or ""),
        committer_email=str(committer.get("email") or ""),
        committed_at=timestamp(committer.get("date")),
        parents=tuple(str(p["sha"]) for p in data.get("parents") or ()),
        author_login=login or None,
    )


def comment(data: dict[str, Any], kind: CommentKind) -> Comment:
    """``issue-comment`` or ``pull-request-review-comment``."""
    review = kind is CommentKind.REVIEW
    line = data.get("line") if review else None
    return Comment(
        id=int(data["id"]),
        kind=kind,
        body=str(data.get("body") or ""),
        author=_login(data.get("user")),
        created_at=timestamp(data.get("created_at")) or _EPOCH,
        updated_at=timestamp(data.get("updated_at")) or _EPOCH,
        url=str(data.get("html_url") or ""),
        path=data.get("path") if review else None,
        line=int(line) if line is not None else None,
    )


def check_run(data: dict[str, Any]) -> CheckRun:
    """``check-run``."""
    return CheckRun(
        id=int(data["id"]),
        name=str(data["name"]),
        head_sha=str(data["head_sha"]),
        status=data.get("status") or "queued",
        conclusion=data.get("conclusion"),
        external_id=str(data.get("external_id") or ""),
        url=str(data.get("html_url") or ""),
    )


def workflow_run(data: dict[str, Any]) -> WorkflowRun:
    """``workflow-run``; its ``pull_requests`` is empty for forks."""
    return WorkflowRun(
        id=int(data["id"]),
        name=str(data.get("name") or ""),
        workflow_id=int(data.get("workflow_id") or 0),
        head_sha=str(data["head_sha"]),
        head_branch=data.get("head_branch"),
        event=str(data.get("event") or ""),
        status=str(data.get("status") or ""),
        conclusion=data.get("conclusion"),
        run_attempt=int(data.get("run_attempt") or 1),
        url=str(data.get("html_url") or ""),
        created_at=timestamp(data.get("created_at")),
        pull_requests=tuple(int(p["number"]) for p in data.get("pull_requests") or ()),
        path=str(data.get("path") or ""),
        head_repository=(data.get("head_repository") or {}).get("full_name"),
        updated_at=timestamp(data.get("updated_at")),
        run_started_at=timestamp(data.get("run_started_at")),
    )


def job(data: dict[str, Any]) -> Job:
    """``job`` with its steps."""
    steps = tuple(
        Step(
            int(s["number"]),
            str(s["name"]),
            str(s.get("status") or ""),
            s.get("conclusion"),
            timestamp(s.get("started_at")),
            timestamp(s.get("completed_at")),
        )
        for s in data.get("steps") or ()
    )
    return Job(
        id=int(data["id"]),
        run_id=int(data["run_id"]),
        name=str(data.get("name") or ""),
        status=str(data.get("status") or ""),
        conclusion=data.get("conclusion"),
        steps=steps,
        started_at=timestamp(data.get("started_at")),
        completed_at=timestamp(data.get("completed_at")),
        run_attempt=int(data.get("run_attempt") or 1),
        url=str(data.get("html_url") or ""),
        created_at=timestamp(data.get("created_at")),
        labels=tuple(str(label) for label in data.get("labels") or ()),
    )


def artifact(data: dict[str, Any]) -> Artifact:
    """``artifact``; ``digest`` (``sha256:...``) is null for artifacts GitHub did not hash."""
    run = data.get("workflow_run") or {}
    return Artifact(
        id=int(data["id"]),
        name=str(data["name"]),
        size=int(data.get("size_in_bytes") or 0),
        digest=data.get("digest") or None,
        created_at=timestamp(data.get("created_at")),
        expired=bool(data.get("expired")),
        run_id=int(run["id"]) if run.get("id") is not None else None,
        head_branch=run.get("head_branch"),
        head_repository_id=_optional_int(run.get("head_repository_id")),
        repository_id=_optional_int(run.get("repository_id")),
    )


def _optional_int(value: Any) -> int | None:
    return int(value) if isinstance(value, int) else None


def deployment(data: dict[str, Any]) -> Deployment:
    """``deployment``."""
    return Deployment(
        id=int(data["id"]),
        sha=str(data["sha"]),
        ref=str(data.get("ref") or ""),
        environment=str(data.get("environment") or ""),
        created_at=timestamp(data.get("created_at")) or _EPOCH,
        task=str(data.get("task") or "deploy"),
        description=str(data.get("description") or ""),
        creator=_login(data.get("creator")),
    )
