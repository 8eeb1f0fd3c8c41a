"""Files and directories of the repository at a commit, where "missing" is an answer, not an
error: how the configuration of a run is read from its base commit (see ci_agent.config_trust)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from ci_agent.errors import CiAgentError
from ci_agent.forge.github_http import GitHubPart

__all__ = ["ContentsApi", "Entry"]

CONTENTS = "GET /repos/{owner}/{repo}/contents/{path}"
ROOT = "GET /repos/{owner}/{repo}/contents"
BLOB = "GET /repos/{owner}/{repo}/git/blobs/{sha}"


@dataclass(frozen=True)
class Entry:
    """One entry of a directory listing: ``type`` is file, dir, symlink or submodule."""

    name: str
    path: str
    type: str
    size: int


class ContentsApi(GitHubPart):
    """Files and directories at a commit, by the contents API (``ref`` None: default branch)."""

    def file_at(self, path: str, ref: str | None) -> bytes | None:
        """The bytes of the file ``path`` at ``ref``; None when there is none (404, or a
        directory, symlink or submodule by that name)."""
        data = self._get(CONTENTS, ref, path)
        if not isinstance(data, dict) or data.get("type") != "file":
            return None
        if data.get("encoding") == "base64":
            return base64.b64decode(data.get("content") or "")
        # Over 1 MB the contents API sends no content ("encoding": "none"); blobs go to 100 MB.
        blob = self._http.rest(BLOB, sha=data["sha"])
        return base64.b64decode(blob.data.get("content") or "")

    def directory_at(self, path: str, ref: str | None) -> tuple[Entry, ...] | None:
        """The entries of the directory ``path`` (``""``: the top) at ``ref``; None when
        there is no such directory."""
        if path.strip("/"):
            data = self._get(CONTENTS, ref, path.strip("/"))
        else:
            data = self._get(ROOT, ref)
        if not isinstance(data, list):
            return None
        return tuple(
            Entry(
                str(item.get("name", "")),
                str(item.get("path", "")),
                str(item.get("type", "")),
                int(item.get("size") or 0),
            )
            for item in data
            if isinstance(item, dict)
        )

    def _get(self, endpoint: str, ref: str | None, path: str = "") -> Any:
        query = {"ref": ref} if ref else None
        try:
            if path:
                return self._http.rest(endpoint, query=query, path=path).data
            return self._http.rest(endpoint, query=query).data
        except CiAgentError as exc:
            if exc.code == "CA305":  # 404: no such path at that commit
                return None
            raise
