"""Reading pull requests on GitHub (PyGithub): metadata, files, diff, commits, file contents,
pull requests by head commit, and collaborator permissions."""

from __future__ import annotations

import base64
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from ci_agent.errors import CiAgentError, fail
from ci_agent.forge import github_parse as parse
from ci_agent.forge.github_blobs import read_blobs
from ci_agent.forge.github_http import GitHubPart
from ci_agent.forge.types import ChangedFile, Commit, Permission, PullRequestInfo

if TYPE_CHECKING:
    from ci_agent.forge.protocol import ChangeSource, Permissions, PullRequestFinder

__all__ = ["PullsApi"]

PULL = "GET /repos/{owner}/{repo}/pulls/{number}"
PULLS = "GET /repos/{owner}/{repo}/pulls"
CONTENTS = "GET /repos/{owner}/{repo}/contents/{path}"
DIFF_MEDIA_TYPE = "application/vnd.github.diff"


class PullsApi(GitHubPart):
    """PullRequestReader, ContentReader, PullRequestFinder and Permissions on GitHub."""

    def pull_request(self, number: int) -> PullRequestInfo:
        """The pull request's metadata."""
        return parse.pull_request(self._http.rest(PULL, number=number).data)

    def changed_files(self, number: int) -> Iterator[ChangedFile]:
        """The changed files, page by page (GitHub lists at most 3,000)."""
        pages = self._http.rest_pages(PULL + "/files", number=number)
        return (parse.changed_file(item) for item in pages)

    def diff(self, number: int) -> str:
        """The unified diff (GitHub refuses diffs over 20,000 lines or 1 MB with 406)."""
        reply = self._http.rest(PULL, accept=DIFF_MEDIA_TYPE, number=number)
        return str(reply.data or "")

    def commits(self, number: int) -> Iterator[Commit]:
        """The commits, oldest first (GitHub lists at most 250)."""
        pages = self._http.rest_pages(PULL + "/commits", number=number)
        return (parse.commit(item) for item in pages)

    def file_contents(self, path: str, ref: str) -> bytes:
        """The bytes of ``path`` at ``ref``; larger than 1 MB is read as a git blob."""
        data = self._http.rest(CONTENTS, query={"ref": ref}, path=path).data
        kind = "directory" if isinstance(data, list) else str(data.get("type"))
        if kind != "file":
            raise fail(
                "CA305",
                f"'{path}' is a {kind}, not a file, at '{ref}'",
                suggestion="Name a file; directories and submodules have no contents.",
                endpoint=CONTENTS,
            )
        if data.get("encoding") == "base64":
            return base64.b64decode(data.get("content") or "")
        # Over 1 MB the contents API sends no content ("encoding": "none"); blobs go to 100 MB.
        blob = self._http.rest("GET /repos/{owner}/{repo}/git/blobs/{sha}", sha=data["sha"])
        return base64.b64decode(blob.data.get("content") or "")

    def files_contents(self, paths: Sequence[str], ref: str) -> dict[str, bytes | None]:
        """The bytes of each path at ``ref``: batched through GraphQL, one by one only for files
        GraphQL cannot give exactly (binary, large, not UTF-8); None for one that is missing."""
        found = read_blobs(self._http, paths, ref)
        for path in [p for p, data in found.items() if data is None]:
            try:
                found[path] = self.file_contents(path, ref)
            except CiAgentError as exc:
                if exc.code != "CA305":
                    raise
        return found

    def pull_requests_for(self, head_sha: str) -> Iterator[PullRequestInfo]:
        """Open pull requests whose head is ``head_sha`` (forks included)."""
        for item in self._http.rest_pages(PULLS, query={"state": "open"}):
            if item["head"]["sha"] == head_sha:
                yield parse.pull_request(item)

    def permission(self, username: str) -> Permission:
        """``username``'s permission; NONE for a user GitHub does not know here."""
        endpoint = "GET /repos/{owner}/{repo}/collaborators/{username}/permission"
        try:
            data = self._http.rest(endpoint, username=username).data
        except CiAgentError as exc:
            if exc.code == "CA305":
                return Permission.NONE
            raise
        # role_name tells triage and maintain apart; custom roles fall back to permission.
        for value in (data.get("role_name"), data.get("permission")):
            try:
                return Permission(value)
            except ValueError:
                continue
        return Permission.NONE


if TYPE_CHECKING:

    def _conforms(api: PullsApi) -> tuple[ChangeSource, PullRequestFinder, Permissions]:
        return api, api, api
