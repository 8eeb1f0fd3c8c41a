"""Commits, file contents, branches and commit ranges of the in-memory forge.

Commits and their files live in memory (``MemoryState.commits`` and ``trees``: a commit made
through :meth:`GitPart.commit_files` holds only the files it replaced and reads the rest from
its parent); commits seeded from a local git repository are read from it on demand.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path

from ci_agent.errors import CiAgentError, fail
from ci_agent.forge.github_gitdata import parse_author
from ci_agent.forge.local import LocalRepository
from ci_agent.forge.memory_state import MemoryPart, github_error, not_found
from ci_agent.forge.types import Commit, Permission

__all__ = ["GitPart"]

CONTENTS = "GET /repos/{owner}/{repo}/contents/{path}"
COMPARE = "GET /repos/{owner}/{repo}/compare/{base}...{head}"
REFS = "POST /repos/{owner}/{repo}/git/refs"
REF = "PATCH /repos/{owner}/{repo}/git/refs/{ref}"
COMMITS = "POST /repos/{owner}/{repo}/git/commits"


class GitPart(MemoryPart):
    """ContentReader, CommitRange, GitData, Permissions and the branch side of RepoWriter."""

    def file_contents(self, path: str, ref: str) -> bytes:
        """The bytes of ``path`` at ``ref`` (a branch or a commit); CA305 when missing."""
        self._read("file_contents", path=path, ref=ref)
        sha = self._state.branches.get(ref, ref)
        found = self._contents(sha, path)
        if found is None:
            raise not_found(CONTENTS)
        return found

    def permission(self, username: str) -> Permission:
        """``username``'s permission; NONE for someone who is not a collaborator."""
        self._read("permission", username=username)
        return self._state.permissions.get(username, Permission.NONE)

    def newest_commits(self, base: str, head: str, limit: int) -> tuple[list[Commit], int]:
        """The newest ``limit`` commits in ``head`` and not in ``base``, oldest first, and how
        many there are in all."""
        self._read("newest_commits", base=base, head=head, limit=limit)
        base_sha = self._state.branches.get(base, base)
        head_sha = self._state.branches.get(head, head)
        for sha in (base_sha, head_sha):
            if sha not in self._state.commits:
                raise not_found(COMPARE)
        hidden = self._ancestors(base_sha)
        commits = [self._state.commits[sha] for sha in self._oldest_first(head_sha, hidden)]
        return commits[-limit:] if limit > 0 else [], len(commits)

    def commit_files(
        self, base_sha: str, files: Mapping[str, bytes], message: str, author: str
    ) -> str:
        """Create a commit on ``base_sha`` replacing ``files``; return its SHA."""
        name, email = parse_author(author)
        self._write("commit_files", COMMITS, base_sha=base_sha, files=dict(files), message=message)
        if base_sha not in self._state.commits:
            raise not_found("GET /repos/{owner}/{repo}/git/commits/{sha}")
        digest = hashlib.sha1(usedforsecurity=False)
        for part in (base_sha, message, author, *sorted(files)):
            digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
        for path in sorted(files):
            digest.update(files[path] + b"\0")
        sha = digest.hexdigest()
        now = self._state.now()
        self.add_commit(
            Commit(sha, message, name, email, now, name, email, now, (base_sha,)), dict(files)
        )
        return sha

    def advance_branch(self, branch: str, sha: str, expected: str) -> None:
        """Move ``branch`` from ``expected`` to ``sha``, fast-forward only (CA531 if it moved)."""
        self._write("advance_branch", REF, branch=branch, sha=sha, expected=expected)
        current = self._state.branches.get(branch)
        if current != expected or current not in self._ancestors(sha):
            actual = (current or "deleted")[:12]
            raise fail("CA531", branch=branch, expected=expected[:12], actual=actual)
        self._branch_moved(branch, sha)

    def create_branch(self, name: str, sha: str) -> None:
        """Create branch ``name`` at ``sha``; GitHub's 422 when it exists already."""
        self._write("create_branch", REFS, name=name, sha=sha)
        if name in self._state.branches:
            raise github_error(REFS, 422, "Reference already exists")
        if sha not in self._state.commits:
            raise github_error(REFS, 422, "Object does not exist")
        self._state.branches[name] = sha

    def branch_head(self, name: str) -> str | None:
        """The SHA of ``refs/heads/NAME``, None when there is no such branch."""
        self._read("branch_head", name=name)
        return self._state.branches.get(name)

    def push(self, workdir: Path, sha: str, branch: str) -> None:
        """Take commit ``sha`` (and its history) from the clone at ``workdir`` onto ``branch``.

        As ``git push`` without force: a branch that is not an ancestor of ``sha`` is refused
        (CA203, as git's own refusal is reported).
        """
        self._write("push", "git push", workdir=str(workdir), sha=sha, branch=branch)
        local = LocalRepository.open(workdir)
        resolved = local.resolve(sha)
        current = self._state.branches.get(branch)
        if current is not None and local.merge_base(current, resolved) != current:
            raise fail(
                "CA203",
                args=f"push {sha[:12]}:refs/heads/{branch}",
                problem=f"! [rejected] {branch} (non-fast-forward)",
            )
        if local not in self._state.sources:
            self._state.sources.append(local)
        self._register_history(local, resolved)
        self._branch_moved(branch, resolved)

    def seed_branch(self, workdir: Path, branch: str, ref: str) -> str:
        """Point ``branch`` at ``ref`` of the local repository at ``workdir``, knowing its whole
        history (for commit ranges and contents); its SHA. Not logged."""
        local = LocalRepository.open(workdir)
        sha = local.resolve(ref)
        if local not in self._state.sources:
            self._state.sources.append(local)
        self._register_history(local, sha)
        self._branch_moved(branch, sha)
        return sha

    def _branch_moved(self, branch: str, sha: str) -> None:
        self._state.branches[branch] = sha

    def add_commit(self, commit: Commit, files: Mapping[str, bytes] | None = None) -> None:
        """Know ``commit``, holding ``files`` and its first parent's other files (for seeding)."""
        self._state.commits[commit.sha] = commit
        self._state.trees[commit.sha] = dict(files or {})

    def symlinked(self, ref: str, paths: Sequence[str]) -> dict[str, str]:
        """Path → its part that is a symbolic link at ``ref`` in a seeded local repository
        (files made in memory are never links)."""
        self._read("symlinked", ref=ref, paths=list(paths))
        sha = self._state.branches.get(ref, ref)
        found: dict[str, str] = {}
        for path in paths:
            parts = path.split("/")
            prefixes = ["/".join(parts[:depth]) for depth in range(1, len(parts) + 1)]
            for local, prefix in ((lo, pre) for lo in self._state.sources for pre in prefixes):
                listed = local.git.run("ls-tree", "-z", sha, "--", prefix, check=False)
                if listed.split(" ", 1)[0] == "120000":
                    found[path] = prefix
                    break
        return found

    def _register_history(self, local: LocalRepository, sha: str) -> None:
        """Know every commit reachable from ``sha`` in ``local`` (ranges and ancestry need them)."""
        for commit in _all_commits(local, sha):
            self._state.commits.setdefault(commit.sha, commit)

    def _contents(self, sha: str, path: str) -> bytes | None:
        seen: set[str] = set()
        while sha not in seen:
            seen.add(sha)
            tree = self._state.trees.get(sha)
            if tree is not None and path in tree:
                return tree[path]
            commit = self._state.commits.get(sha)
            if tree is None or commit is None or not commit.parents:
                break
            sha = commit.parents[0]
        for local in self._state.sources:
            try:
                return local.file_contents(path, sha)
            except CiAgentError:
                continue
        return None

    def _oldest_first(self, head: str, hidden: set[str]) -> list[str]:
        """Commits reachable from ``head`` and not in ``hidden``, each after its parents."""
        order: list[str] = []
        done: set[str] = set(hidden)
        stack: list[tuple[str, bool]] = [(head, False)]
        while stack:
            sha, expanded = stack.pop()
            if expanded:
                order.append(sha)
                continue
            if sha in done or sha not in self._state.commits:
                continue
            done.add(sha)
            stack.append((sha, True))
            parents = self._state.commits[sha].parents
            stack.extend((p, False) for p in reversed(parents) if p not in done)
        return order

    def _ancestors(self, sha: str) -> set[str]:
        """``sha`` and every commit it descends from, as far as they are known."""
        found: set[str] = set()
        todo = [sha]
        while todo:
            current = todo.pop()
            if current in found:
                continue
            found.add(current)
            commit = self._state.commits.get(current)
            todo.extend(commit.parents if commit else ())
        return found


def _all_commits(local: LocalRepository, sha: str) -> list[Commit]:
    """Every commit reachable from ``sha``: ``git log`` of the whole history."""
    root = local.git.run_bytes("rev-list", "--max-parents=0", sha).split()
    commits = [local.commit(r.decode("ascii")) for r in root]
    for first in root:
        commits.extend(local.commits(first.decode("ascii"), sha))
    return commits
