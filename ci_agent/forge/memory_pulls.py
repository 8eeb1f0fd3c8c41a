"""Pull requests of the in-memory forge: reading them, finding them by head commit, opening
them, and seeding them from two commits of a local git repository or from a unified diff.

A seeded diff is parsed by the project's own parsers (:mod:`ci_agent.forge.gitdiff` splits it
by file, :mod:`ci_agent.diff` reads each file's header and hunks), so the files, patches and
anchors a test sees are the ones the review pipeline computes from a real diff.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path

from ci_agent.errors import CiAgentError
from ci_agent.forge.local import LocalRepository
from ci_agent.forge.memory_diff import file_section, files_from_diff, sections
from ci_agent.forge.memory_git import GitPart
from ci_agent.forge.memory_state import PullRecord, github_error
from ci_agent.forge.types import ChangedFile, Commit, PullRequestInfo

__all__ = ["PullsPart"]

PULL = "GET /repos/{owner}/{repo}/pulls/{number}"
PULLS = "POST /repos/{owner}/{repo}/pulls"


class PullsPart(GitPart):
    """PullRequestReader, PullRequestFinder and the pull-request side of RepoWriter."""

    def pull_request(self, number: int) -> PullRequestInfo:
        """The pull request's metadata."""
        self._read("pull_request", number=number)
        return self._pull(number, PULL).info

    def changed_files(self, number: int) -> Iterator[ChangedFile]:
        """The files the pull request changes."""
        self._read("changed_files", number=number)
        return iter(list(self._pull(number, PULL + "/files").files))

    def diff(self, number: int) -> str:
        """The whole change as one unified diff."""
        self._read("diff", number=number)
        return self._pull(number, PULL).diff

    def commits(self, number: int) -> Iterator[Commit]:
        """The pull request's commits, oldest first."""
        self._read("commits", number=number)
        return iter(list(self._pull(number, PULL + "/commits").commits))

    def pull_requests_for(self, head_sha: str) -> Iterator[PullRequestInfo]:
        """Open pull requests whose head is ``head_sha`` (forks included)."""
        self._read("pull_requests_for", head_sha=head_sha)
        found = [
            p.info
            for _, p in sorted(self._state.pulls.items())
            if p.info.state == "open" and p.info.head_sha == head_sha
        ]
        return iter(found)

    def open_pull_request(
        self, base: str, head: str, title: str, body: str, draft: bool = False
    ) -> PullRequestInfo:
        """Open a pull request from branch ``head`` into ``base``; its change is computed from
        the local repositories the forge knows (pushes and seeds), when one holds both ends."""
        self._write("open_pull_request", PULLS, base=base, head=head, title=title, draft=draft)
        self._check_body(PULLS, body)
        branch = head.split(":", 1)[-1]
        head_sha, base_sha = self._state.branches.get(branch), self._state.branches.get(base)
        if head_sha is None or base_sha is None:
            missing = "head" if head_sha is None else "base"
            raise github_error(PULLS, 422, f"Validation Failed; {missing} invalid")
        for pull in self._state.pulls.values():
            info = pull.info
            if info.state == "open" and (info.head_ref, info.base_ref) == (branch, base):
                raise github_error(
                    PULLS,
                    422,
                    f"Validation Failed; A pull request already exists for "
                    f"{self._state.repo.owner}:{branch}.",
                )
        if head_sha == base_sha:
            raise github_error(
                PULLS, 422, f"Validation Failed; No commits between {base} and {branch}"
            )
        files, diff, commits = self._change(base_sha, head_sha)
        info = PullRequestInfo(
            number=0,
            title=title,
            body=body,
            author=self._state.bot,
            author_association="NONE",
            draft=draft,
            state="open",
            base_ref=base,
            base_sha=base_sha,
            head_ref=branch,
            head_sha=head_sha,
            head_repo=self._state.repo.full_name,
            is_fork=False,
        )
        return self._add_pull(info, files, diff, commits)

    # --- seeding (not forge protocols; nothing is logged) ---

    def seed_pull_from_git(
        self, workdir: Path, base: str, head: str, **info: object
    ) -> PullRequestInfo:
        """A pull request of ``head`` into ``base`` of the local repository at ``workdir``:
        files, diff and commits as git computes them; contents read from the repository.

        ``info`` overrides fields of the pull request (``title``, ``author``, ``draft``...);
        branches ``base_ref`` and ``head_ref`` (default ``main`` and ``feature``) point at the
        two commits.
        """
        local = LocalRepository.open(workdir)
        base_sha, head_sha = local.resolve(base), local.resolve(head)
        if local not in self._state.sources:
            self._state.sources.append(local)
        self._register_history(local, head_sha)
        self._register_history(local, base_sha)
        files, diff, commits = self._change(base_sha, head_sha)
        return self._seed(base_sha, head_sha, files=files, diff=diff, commits=commits, info=info)

    def seed_pull_from_diff(
        self,
        diff: str,
        *,
        base_files: Mapping[str, bytes] | None = None,
        head_files: Mapping[str, bytes] | None = None,
        **info: object,
    ) -> PullRequestInfo:
        """A pull request whose change is ``diff`` (``git diff`` form), on two made-up commits
        holding ``base_files`` and ``head_files`` (the contents the forge can serve)."""
        files = files_from_diff(diff)
        base_sha = _fake_sha("base", diff)
        head_sha = _fake_sha("head", diff)
        when = self._state.now()
        author = ("Test Author", "author@example.com")
        self.add_commit(Commit(base_sha, "base", *author, when, *author, when), base_files)
        head = Commit(head_sha, "change", *author, when, *author, when, (base_sha,))
        self.add_commit(head, head_files)
        return self._seed(base_sha, head_sha, files=files, diff=diff, commits=[head], info=info)

    def set_pull(self, number: int, **changes: object) -> PullRequestInfo:
        """Change fields of pull request ``number`` (e.g. ``state="closed"``) for a test."""
        record = self._pull(number, PULL)
        record.info = replace(record.info, **changes)  # type: ignore[arg-type]
        return record.info

    def _seed(
        self,
        base_sha: str,
        head_sha: str,
        *,
        files: list[ChangedFile],
        diff: str,
        commits: list[Commit],
        info: Mapping[str, object],
    ) -> PullRequestInfo:
        values: dict[str, object] = {
            "number": 0,
            "title": "A change",
            "body": "",
            "author": "octocat",
            "author_association": "CONTRIBUTOR",
            "draft": False,
            "state": "open",
            "base_ref": "main",
            "base_sha": base_sha,
            "head_ref": "feature",
            "head_sha": head_sha,
            "head_repo": self._state.repo.full_name,
            "is_fork": False,
        }
        values.update(info)
        made = PullRequestInfo(**values)  # type: ignore[arg-type]
        if not made.is_fork:
            self._state.branches.setdefault(made.head_ref, head_sha)
        self._state.branches.setdefault(made.base_ref, base_sha)
        return self._add_pull(made, files, diff, commits)

    def _add_pull(
        self, info: PullRequestInfo, files: list[ChangedFile], diff: str, commits: list[Commit]
    ) -> PullRequestInfo:
        number = info.number or self._state.next_number()
        info = replace(info, number=number, url=self._state.url(f"pull/{number}"))
        self._state.pulls[number] = PullRecord(info, files, diff, commits)
        return info

    def _files_at(self, pull: PullRecord, sha: str) -> list[ChangedFile]:
        """The files from the base to ``sha`` when it is an earlier commit of the pull request
        that a local repository holds; else the current files."""
        if sha == pull.info.head_sha:
            return pull.files
        files = self._change(pull.info.base_sha, sha)[0]
        return files or pull.files

    def _branch_moved(self, branch: str, sha: str) -> None:
        """As on GitHub, open pull requests from ``branch`` now end at ``sha``."""
        super()._branch_moved(branch, sha)
        for pull in self._state.pulls.values():
            info = pull.info
            if info.state == "open" and not info.is_fork and info.head_ref == branch:
                pull.files, pull.diff, pull.commits = self._change(info.base_sha, sha)
                pull.info = replace(info, head_sha=sha)

    def _change(self, base_sha: str, head_sha: str) -> tuple[list[ChangedFile], str, list[Commit]]:
        """Files, diff and commits from the merge base to ``head_sha``: from a local repository
        holding both, with the forge's own commits on top compared file by file; nothing
        when neither can tell (a pull request opened on made-up commits)."""
        made: list[Commit] = []
        replaced: set[str] = set()
        below = head_sha
        while below in self._state.trees and below != base_sha:  # commits made in memory
            commit = self._state.commits[below]
            made.insert(0, commit)
            replaced |= set(self._state.trees[below])
            if not commit.parents:
                break
            below = commit.parents[0]
        for local in self._state.sources:
            try:
                merge_base = local.merge_base(base_sha, below) or base_sha
                files = local.changed_files(merge_base, below)
                diff, commits = local.diff(merge_base, below), local.commits(merge_base, below)
            except CiAgentError:  # this repository lacks one of the commits
                continue
            if not made:
                return files, diff, commits
            return self._on_top(merge_base, head_sha, diff, replaced, commits + made)
        if made and below == base_sha:
            return self._on_top(base_sha, head_sha, "", replaced, made)
        return [], "", []

    def _on_top(
        self,
        merge_base: str,
        head_sha: str,
        diff: str,
        replaced: set[str],
        commits: list[Commit],
    ) -> tuple[list[ChangedFile], str, list[Commit]]:
        """The change to ``head_sha``: git's sections for files the forge's commits left alone,
        a fresh comparison from ``merge_base`` for the files they replaced."""
        by_path = {files_from_diff(s)[0].path: s for s in sections(diff)}
        for path in replaced:
            old, new = self._contents(merge_base, path), self._contents(head_sha, path)
            by_path[path] = file_section(path, old, new) if old != new else ""
        text = "".join(by_path[path] for path in sorted(by_path))
        return files_from_diff(text), text, commits


def _fake_sha(kind: str, diff: str) -> str:
    return hashlib.sha1(
        f"{kind}\0{diff}".encode("utf-8", "surrogateescape"), usedforsecurity=False
    ).hexdigest()
