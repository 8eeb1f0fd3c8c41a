"""Issues and commit ranges on GitHub (PyGithub's requester): the issue ci-agent keeps about a
failing default branch, and the commits suspected since the last green run.

Opening an issue is a write that must never be duplicated: when the POST fails without an
answer, the open issues with the same labels are searched for the body's markers before it is
sent again (a body without markers is not re-sent after such a failure, CA306).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from ci_agent.forge import github_parse as parse
from ci_agent.forge.github_comments import marked_like
from ci_agent.forge.github_http import GitHubPart
from ci_agent.forge.github_reply import Landed, Reply
from ci_agent.forge.types import Commit, IssueInfo

if TYPE_CHECKING:
    from ci_agent.forge.protocol import CommitRange, IssueEditor, IssueTracker

__all__ = ["IssuesApi"]

ISSUES = "/repos/{owner}/{repo}/issues"
ISSUE = "/repos/{owner}/{repo}/issues/{number}"
COMPARE = "GET /repos/{owner}/{repo}/compare/{base}...{head}"
COMPARE_PAGE = 100


def issue(data: dict[str, Any]) -> IssueInfo:
    """``issue`` as the issues API returns it."""
    user = data.get("user") or {}
    return IssueInfo(
        number=int(data["number"]),
        title=str(data.get("title") or ""),
        body=str(data.get("body") or ""),
        author=str(user.get("login") or ""),
        state=str(data.get("state") or ""),
        url=str(data.get("html_url") or ""),
    )


class IssuesApi(GitHubPart):
    """IssueTracker and CommitRange."""

    def open_issues(self, label: str) -> Iterator[IssueInfo]:
        """Open issues carrying ``label``, newest first (the listing's pull requests left out)."""
        query = {"state": "open", "labels": label, "sort": "created", "direction": "desc"}
        pages = self._http.rest_pages("GET " + ISSUES, query=query)
        return (issue(item) for item in pages if "pull_request" not in item)

    def create_issue(self, title: str, body: str, labels: Sequence[str]) -> IssueInfo:
        """Open an issue; a lost answer is looked for by the body's markers first."""
        payload = {"title": title, "body": body, "labels": list(labels)}
        reply = self._http.rest(
            "POST " + ISSUES, body=payload, landed=self._find_opened(body, labels)
        )
        return issue(reply.data)

    def close_issue(self, number: int) -> IssueInfo:
        """Close issue ``number`` as completed (idempotent, so re-sent freely)."""
        payload = {"state": "closed", "state_reason": "completed"}
        return issue(self._http.rest("PATCH " + ISSUE, body=payload, number=number).data)

    def edit_issue(self, number: int, body: str) -> IssueInfo:
        """Replace the body of issue ``number`` (idempotent, so re-sent freely)."""
        return issue(self._http.rest("PATCH " + ISSUE, body={"body": body}, number=number).data)

    def newest_commits(self, base: str, head: str, limit: int) -> tuple[list[Commit], int]:
        """The newest ``limit`` commits in ``head`` and not in ``base``, oldest first, and the
        total: the compare API lists oldest first, so past one page the last pages are read."""
        first = self._compare(base, head, 1)
        total = int(first.get("total_commits") or 0)
        items = list(first.get("commits") or ())
        last = max(math.ceil(total / COMPARE_PAGE), 1)
        if last > 1:
            newest = list(self._compare(base, head, last).get("commits") or ())
            if len(newest) < limit:  # the newest page is short: one page more, back
                before = items if last == 2 else self._compare(base, head, last - 1).get("commits")
                newest = list(before or ()) + newest
            items = newest
        commits = [parse.commit(item) for item in items[-limit:]]
        return commits, max(total, len(items))

    def _compare(self, base: str, head: str, page: int) -> dict[str, Any]:
        query = {"per_page": COMPARE_PAGE, "page": page}
        data: dict[str, Any] = self._http.rest(COMPARE, query=query, base=base, head=head).data
        return data

    def _find_opened(self, body: str, labels: Sequence[str]) -> Landed | None:
        same = marked_like(body)
        if same is None:
            return None
        match = same
        query = {"state": "open", "labels": ",".join(labels), "sort": "created"}

        def probe() -> Reply | None:
            for item in self._http.rest_pages("GET " + ISSUES, query=query):
                if "pull_request" not in item and match(item.get("body")):
                    return Reply(data=item)
            return None

        return probe


if TYPE_CHECKING:

    def _conforms(api: IssuesApi) -> tuple[IssueTracker, CommitRange, IssueEditor]:
        return api, api, api
