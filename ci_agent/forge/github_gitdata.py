"""Commits made through GitHub's Git Data API: blobs, a tree on the base commit's tree, a
commit, then a fast-forward-only ref update.

A privileged job delivers a fix this way without checking out (or running) the pull
request's code: it needs only the files the fix changes. Blobs, trees and commits are
content-addressed, so re-sending one after a lost answer creates nothing twice.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ci_agent.errors import CiAgentError, fail
from ci_agent.forge.github_repo import RepoApi

if TYPE_CHECKING:
    from ci_agent.forge.protocol import GitData

__all__ = ["GitDataApi", "parse_author"]

_AUTHOR = re.compile(r"\s*(?P<name>[^<>\n]*[^<>\s])\s*<(?P<email>[^<>\s]+)>\s*")
_REGULAR = "100644"
_EXECUTABLE = "100755"
_SYMLINK = "120000"


def parse_author(author: str) -> tuple[str, str]:
    """``(name, email)`` from ``"Name <email>"``; ValueError for anything else."""
    match = _AUTHOR.fullmatch(author)
    if match is None:
        raise ValueError(f"not an author as 'Name <email>': {author!r}")
    return match.group("name"), match.group("email")


class GitDataApi(RepoApi):
    """GitData (and RepoWriter, whose ref lookup it shares)."""

    def commit_files(
        self,
        base_sha: str,
        files: Mapping[str, bytes],
        message: str,
        author: str,
    ) -> str:
        """Create a commit on ``base_sha`` replacing ``files`` (existing paths); its SHA."""
        name, email = parse_author(author)
        base = self._http.rest("GET /repos/{owner}/{repo}/git/commits/{sha}", sha=base_sha)
        base_tree = str(base.data["tree"]["sha"])
        entries = []
        trees: dict[str, dict[str, tuple[str, str]]] = {}  # each tree is read once
        for path, content in sorted(files.items()):
            blob = self._http.rest(
                "POST /repos/{owner}/{repo}/git/blobs",
                body={"content": base64.b64encode(content).decode("ascii"), "encoding": "base64"},
                resend=True,
            )
            mode = self._mode(base_tree, path, trees)
            entries.append({"path": path, "mode": mode, "type": "blob", "sha": blob.data["sha"]})
        tree = self._http.rest(
            "POST /repos/{owner}/{repo}/git/trees",
            body={"base_tree": base_tree, "tree": entries},
            resend=True,
        )
        when = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
        person = {"name": name, "email": email, "date": when}
        commit = self._http.rest(
            "POST /repos/{owner}/{repo}/git/commits",
            body={
                "message": message,
                "tree": tree.data["sha"],
                "parents": [base_sha],
                "author": person,
                "committer": person,
            },
            resend=True,
        )
        return str(commit.data["sha"])

    def advance_branch(self, branch: str, sha: str, expected: str) -> None:
        """Move ``branch`` from ``expected`` to ``sha``, fast-forward only; CA531 if it moved."""
        current = self.branch_head(branch)
        if current != expected:
            raise fail(
                "CA531", branch=branch, expected=expected[:12], actual=(current or "deleted")[:12]
            )
        try:
            self._http.rest(
                "PATCH /repos/{owner}/{repo}/git/refs/{ref}",
                ref=f"heads/{branch}",
                body={"sha": sha, "force": False},
                resend=True,
            )
        except CiAgentError as exc:
            if exc.code != "CA308":
                raise
            moved = self.branch_head(branch)
            if moved == sha:
                return  # an earlier attempt landed
            raise fail(
                "CA531", branch=branch, expected=expected[:12], actual=(moved or "deleted")[:12]
            ) from None

    def symlinked(self, ref: str, paths: Sequence[str]) -> dict[str, str]:
        """Path → its part that is a symbolic link in commit ``ref``'s tree (each tree is
        read once for all paths)."""
        commit = self._http.rest("GET /repos/{owner}/{repo}/git/commits/{sha}", sha=ref)
        root = str(commit.data["tree"]["sha"])
        trees: dict[str, dict[str, tuple[str, str]]] = {}
        found: dict[str, str] = {}
        for path in paths:
            current = root
            parts = path.split("/")
            for depth, part in enumerate(parts):
                entry = self._entries(current, trees).get(part)
                if entry is None:
                    break  # a new path: nothing further of it is a link
                if entry[0] == _SYMLINK:
                    found[path] = "/".join(parts[: depth + 1])
                    break
                current = entry[1]
        return found

    def _mode(self, tree_sha: str, path: str, trees: dict[str, dict[str, tuple[str, str]]]) -> str:
        """The file's mode in the base tree (kept: a fix never changes a file's mode)."""
        *folders, leaf = path.split("/")
        current = tree_sha
        for folder in folders:
            found = self._entries(current, trees).get(folder)
            if found is None:
                return _REGULAR
            current = found[1]
        entry = self._entries(current, trees).get(leaf)
        return _EXECUTABLE if entry is not None and entry[0] == _EXECUTABLE else _REGULAR

    def _entries(
        self, tree_sha: str, trees: dict[str, dict[str, tuple[str, str]]]
    ) -> dict[str, tuple[str, str]]:
        """Name → (mode, sha) of one tree, read at most once per commit."""
        if tree_sha not in trees:
            tree = self._http.rest("GET /repos/{owner}/{repo}/git/trees/{sha}", sha=tree_sha)
            trees[tree_sha] = {
                str(item.get("path")): (str(item.get("mode")), str(item.get("sha")))
                for item in tree.data.get("tree", [])
            }
        return trees[tree_sha]


if TYPE_CHECKING:

    def _conforms(api: GitDataApi) -> GitData:
        return api
