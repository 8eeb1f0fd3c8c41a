"""Issues and the repository-wide listings a backup archives, in the in-memory forge.

Listings are built as GitHub's JSON for what the forge holds (issues, pull requests, their
comments and reviews), with the fields a backup reads; releases, labels and milestones are
whatever a test seeds with :meth:`IssuesPart.seed_records`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from ci_agent.forge.memory_state import IssueRecord, MemoryPart, github_error, not_found
from ci_agent.forge.run_types import ArchiveKind, Record
from ci_agent.forge.types import Comment, CommentKind, IssueInfo

__all__ = ["IssuesPart"]

ISSUES = "POST /repos/{owner}/{repo}/issues"
ISSUE = "PATCH /repos/{owner}/{repo}/issues/{number}"
_TITLE_LIMIT = 256  # GitHub refuses longer issue titles


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class IssuesPart(MemoryPart):
    """IssueTracker and ArchiveReader."""

    def open_issues(self, label: str) -> Iterator[IssueInfo]:
        """Open issues carrying ``label``, newest first (pull requests left out)."""
        self._read("open_issues", label=label)
        found = [
            self._info(i)
            for i in self._state.issues.values()
            if i.state == "open" and label in i.labels
        ]
        return iter(sorted(found, key=lambda issue: -issue.number))

    def create_issue(self, title: str, body: str, labels: Sequence[str]) -> IssueInfo:
        """Open an issue as the bot."""
        self._write("create_issue", ISSUES, title=title, body=body, labels=tuple(labels))
        if not title.strip():
            raise github_error(ISSUES, 422, 'Invalid request.\n\n"title" wasn\'t supplied.')
        if len(title) > _TITLE_LIMIT:
            raise github_error(
                ISSUES, 422, "Validation Failed; title is too long (maximum is 256 characters)"
            )
        self._check_body(ISSUES, body)
        return self.seed_issue(title, body, labels, author=self._state.bot)

    def close_issue(self, number: int) -> IssueInfo:
        """Close issue ``number`` as completed (closing a closed issue changes nothing)."""
        self._write("close_issue", ISSUE, number=number)
        issue = self._state.issues.get(number)
        if issue is None:
            raise not_found(ISSUE)
        if issue.state != "closed":
            issue.state, issue.state_reason = "closed", "completed"
            issue.updated_at = self._state.now()
        return self._info(issue)

    def edit_issue(self, number: int, body: str) -> IssueInfo:
        """Replace the body of issue ``number`` (GitHub's limit: 422, nothing stored)."""
        self._write("edit_issue", ISSUE, number=number)
        issue = self._state.issues.get(number)
        if issue is None:
            raise not_found(ISSUE)
        self._check_body(ISSUE, body)
        issue.body, issue.updated_at = body, self._state.now()
        return self._info(issue)

    def issue(self, number: int) -> IssueInfo:
        """Issue ``number`` as it is now (not a forge protocol: for tests)."""
        found = self._state.issues.get(number)
        if found is None:
            raise not_found("GET /repos/{owner}/{repo}/issues/{number}")
        return self._info(found)

    def seed_issue(
        self, title: str, body: str, labels: Sequence[str] = (), *, author: str = "octocat"
    ) -> IssueInfo:
        """An open issue by ``author``, without logging a call."""
        now = self._state.now()
        number = self._state.next_number()
        record = IssueRecord(number, title, body, author, tuple(labels), "open", None, now, now)
        self._state.issues[number] = record
        return self._info(record)

    def seed_records(self, kind: ArchiveKind, records: Sequence[Record]) -> None:
        """Releases, labels or milestones as GitHub's JSON, for :meth:`listing`."""
        self._state.records.setdefault(kind.value, []).extend(dict(r) for r in records)

    def listing(self, kind: ArchiveKind, since: datetime | None = None) -> Iterator[Record]:
        """Every record of ``kind``, oldest change first; ``since`` filters where GitHub does
        (issues, comments) and stops pull requests at the first older one, as the adapter."""
        self._read("listing", kind=kind, since=since)
        records = self._records(kind)
        if since is not None and (kind.supports_since or kind is ArchiveKind.PULLS):
            floor = _time(since if since.tzinfo else since.replace(tzinfo=UTC))
            records = [r for r in records if str(r.get("updated_at") or "") >= floor]
        return iter(records)

    def reviews(self, number: int) -> Iterator[Record]:
        """The reviews of one pull request, as GitHub's JSON."""
        self._read("reviews", number=number)
        self._pull(number, "GET /repos/{owner}/{repo}/pulls/{number}/reviews")
        return iter(
            {
                "id": r.id,
                "user": {"login": r.user},
                "body": r.body,
                "state": r.state,
                "commit_id": r.commit_sha,
                "submitted_at": _time(r.submitted_at) if r.submitted_at else None,
                "html_url": self._state.url(f"pull/{number}#pullrequestreview-{r.id}"),
            }
            for r in sorted(self._state.reviews.values(), key=lambda r: r.id)
            if r.number == number
        )

    def _records(self, kind: ArchiveKind) -> list[Record]:
        if kind is ArchiveKind.ISSUES:
            found = [self._issue_json(i) for i in self._state.issues.values()]
            found += [self._pull_json(n, as_issue=True) for n in self._state.pulls]
        elif kind is ArchiveKind.PULLS:
            found = [self._pull_json(n, as_issue=False) for n in self._state.pulls]
        elif kind in (ArchiveKind.ISSUE_COMMENTS, ArchiveKind.REVIEW_COMMENTS):
            wanted = CommentKind.ISSUE if kind is ArchiveKind.ISSUE_COMMENTS else CommentKind.REVIEW
            found = [
                _comment_json(number, c)
                for (k, _), (number, c) in self._state.comments.items()
                if k is wanted
            ]
        else:
            return list(self._state.records.get(kind.value, []))
        return sorted(found, key=lambda r: (str(r["updated_at"]), int(r["id"])))

    def _issue_json(self, issue: IssueRecord) -> Record:
        return {
            "id": issue.number,
            "number": issue.number,
            "title": issue.title,
            "body": issue.body,
            "state": issue.state,
            "state_reason": issue.state_reason,
            "user": {"login": issue.author},
            "labels": [{"name": name} for name in issue.labels],
            "created_at": _time(issue.created_at),
            "updated_at": _time(issue.updated_at),
            "html_url": self._state.url(f"issues/{issue.number}"),
        }

    def _pull_json(self, number: int, *, as_issue: bool) -> Record:
        info = self._state.pulls[number].info
        commits = self._state.pulls[number].commits
        when = _time(max((c.authored_at for c in commits), default=self._state.now()))
        record: dict[str, Any] = {
            "id": number,
            "number": number,
            "title": info.title,
            "body": info.body,
            "state": info.state,
            "user": {"login": info.author},
            "labels": [{"name": name} for name in info.labels],
            "created_at": when,
            "updated_at": when,
            "html_url": info.url,
        }
        if as_issue:
            record["pull_request"] = {"html_url": info.url}
        else:
            record["draft"] = info.draft
            record["head"] = {"ref": info.head_ref, "sha": info.head_sha}
            record["base"] = {"ref": info.base_ref, "sha": info.base_sha}
        return record

    def _info(self, issue: IssueRecord) -> IssueInfo:
        url = self._state.url(f"issues/{issue.number}")
        return IssueInfo(issue.number, issue.title, issue.body, issue.author, issue.state, url)


def _comment_json(number: int, comment: Comment) -> Record:
    record: Record = {
        "id": comment.id,
        "body": comment.body,
        "user": {"login": comment.author},
        "created_at": _time(comment.created_at),
        "updated_at": _time(comment.updated_at),
        "html_url": comment.url,
    }
    if comment.kind is CommentKind.REVIEW:
        record.update(path=comment.path, line=comment.line, pull_request_number=number)
    else:
        record["issue_number"] = number
    return record
