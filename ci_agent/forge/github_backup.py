"""What backups read from GitHub beyond the listings of :mod:`.github_archive`: the repository's
own facts (id, default branch, wiki), artifact attestations, repository-wide issue events,
release asset files and git access for pull-request refs and the wiki (PyGithub and plain
downloads).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ci_agent.errors import CiAgentError
from ci_agent.forge import github_parse as parse
from ci_agent.forge.github_download import download
from ci_agent.forge.github_http import GitHubPart
from ci_agent.forge.run_types import Record, RepoFacts

if TYPE_CHECKING:
    from ci_agent.forge.run_protocol import BackupExtras, BackupProvenance

__all__ = ["BackupApi"]

REPOSITORY = "GET /repos/{owner}/{repo}"
ATTESTATIONS = "GET /repos/{owner}/{repo}/attestations/sha256:{digest}"
ISSUE_EVENTS = "GET /repos/{owner}/{repo}/issues/events"
ASSET = "GET /repos/{owner}/{repo}/releases/assets/{asset_id}"


class BackupApi(GitHubPart):
    """BackupExtras and (with ``workflow_run`` of the Actions part) BackupProvenance."""

    def repository_facts(self) -> RepoFacts:
        """Id, name, default branch and whether the wiki is on (``GET /repos/{owner}/{repo}``)."""
        data = self._http.rest(REPOSITORY).data
        return RepoFacts(
            id=int(data["id"]),
            full_name=str(data["full_name"]),
            default_branch=str(data.get("default_branch") or "main"),
            has_wiki=bool(data.get("has_wiki")),
        )

    def attestations(self, sha256: str) -> list[Record]:
        """The repository's attestations of the subject ``sha256:HEX``; none is an empty list
        (GitHub answers 404 when there is none)."""
        try:
            pages = self._http.rest_pages(ATTESTATIONS, key="attestations", digest=sha256)
            return list(pages)
        except CiAgentError as exc:
            if exc.code == "CA305":
                return []
            raise

    def issue_events(self, since: datetime | None = None) -> Iterator[Record]:
        """Repository-wide issue and pull-request events, newest first, down to ``since``
        (the listing has no ``since`` parameter: it stops at the first older event)."""
        events = self._http.rest_pages(ISSUE_EVENTS)
        if since is None:
            return events
        floor = since if since.tzinfo else since.replace(tzinfo=UTC)
        return _until(events, floor)

    def download_release_asset(self, asset_id: int, dest: Path) -> tuple[int, str]:
        """Stream a release asset's bytes into ``dest``; its size and SHA-256 (hex)."""
        got = download(
            self._http, ASSET, dest, accept="application/octet-stream", asset_id=asset_id
        )
        return got.size, got.sha256

    def git_access(self) -> tuple[str, str]:
        """The repository's git URL and the ``http.extraheader`` value that authenticates to
        it (for fetches from the same host: pull-request refs, the wiki)."""
        return self._http.clients.git_remote, self._http.clients.git_authorization()


def _until(events: Iterator[Record], floor: datetime) -> Iterator[Record]:
    for event in events:
        created = parse.timestamp(event.get("created_at"))
        if created is not None and created < floor:
            return
        yield event


if TYPE_CHECKING:
    from ci_agent.forge.github_actions import ActionsApi

    class _Both(BackupApi, ActionsApi):
        pass

    def _conforms(api: _Both) -> tuple[BackupExtras, BackupProvenance]:
        return api, api
