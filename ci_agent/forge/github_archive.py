"""Repository-wide listings for backups (PyGithub), as GitHub's JSON, 100 per page.

``since`` goes to GitHub where it filters (issues, issue comments, review comments: by
``updated_at``); pull requests have no ``since``, so they are listed newest-updated first and
the listing stops at the first one older than ``since``. Releases, labels and milestones are
always listed whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ci_agent.forge import github_parse as parse
from ci_agent.forge.github_http import GitHubPart
from ci_agent.forge.run_types import ArchiveKind, Record

if TYPE_CHECKING:
    from ci_agent.forge.run_protocol import ArchiveReader

__all__ = ["ArchiveApi", "since_param"]

# Oldest change first, so an interrupted incremental backup can resume from the last record.
_UPDATED_ASC = {"sort": "updated", "direction": "asc"}
_QUERIES: dict[ArchiveKind, dict[str, str]] = {
    ArchiveKind.ISSUES: {"state": "all", **_UPDATED_ASC},
    ArchiveKind.PULLS: {"state": "all", **_UPDATED_ASC},
    ArchiveKind.ISSUE_COMMENTS: _UPDATED_ASC,
    ArchiveKind.REVIEW_COMMENTS: _UPDATED_ASC,
    ArchiveKind.RELEASES: {},
    ArchiveKind.LABELS: {},
    ArchiveKind.MILESTONES: {"state": "all"},
}


def since_param(moment: datetime) -> str:
    """GitHub's ``since`` form, ``2026-01-01T00:00:00Z`` (a naive datetime is taken as UTC)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class ArchiveApi(GitHubPart):
    """ArchiveReader."""

    def listing(self, kind: ArchiveKind, since: datetime | None = None) -> Iterator[Record]:
        """Every record of ``kind``, updated at or after ``since`` where that can be asked."""
        endpoint = f"GET /repos/{{owner}}/{{repo}}/{kind.value}"
        query: dict[str, Any] = dict(_QUERIES[kind])
        if since is not None and kind.supports_since:
            query["since"] = since_param(since)
        elif since is not None and kind is ArchiveKind.PULLS:
            query["direction"] = "desc"
            return _until(self._http.rest_pages(endpoint, query=query), since)
        return self._http.rest_pages(endpoint, query=query)

    def reviews(self, number: int) -> Iterator[Record]:
        """The reviews of one pull request."""
        return self._http.rest_pages(
            "GET /repos/{owner}/{repo}/pulls/{number}/reviews", number=number
        )


def _until(records: Iterator[Record], since: datetime) -> Iterator[Record]:
    """Records (newest-updated first) until the first one updated before ``since``."""
    floor = since if since.tzinfo else since.replace(tzinfo=UTC)
    for record in records:
        updated = parse.timestamp(record.get("updated_at"))
        if updated is not None and updated < floor:
            return
        yield record


if TYPE_CHECKING:

    def _conforms(api: ArchiveApi) -> ArchiveReader:
        return api
