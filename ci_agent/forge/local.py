"""The local-git forge: a change between two refs of a repository on disk, for laptop runs.

It implements only the reading side (:class:`~ci_agent.forge.protocol.ChangeSource`): a
synthetic pull request made of ``--base`` and ``--head``. Nothing is posted; capabilities
print their reports instead. Every ref is resolved to a SHA first (unknown → CA206), so no
user text reaches git where it could be taken for an option.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from ci_agent.errors import CiAgentError, fail
from ci_agent.forge.gitdiff import LOG_FORMAT, decode, parse_changed_files, parse_log
from ci_agent.forge.types import ChangedFile, Commit, PullRequestInfo, RepoName
from ci_agent.git import Git

if TYPE_CHECKING:
    from ci_agent.forge.protocol import ChangeSource

__all__ = ["LOCAL_PULL_REQUEST", "LocalForge", "LocalRepository"]

T = TypeVar("T")

_OBJECT_ID = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")  # SHA-1 or SHA-256
# Never echoes the ref: it is raw input, and a suggestion is something people paste in a shell.
SHALLOW_REF_HINT = (
    "This is a shallow clone that may not hold the ref: fetch the branch with its history "
    "('git fetch --unshallow origin BRANCH:refs/remotes/origin/BRANCH', then name it "
    "origin/BRANCH); in GitHub Actions check out with 'fetch-depth: 0'."
)
# The number of the one synthetic pull request a LocalForge serves.
LOCAL_PULL_REQUEST = 0

# Pinned so that user configuration (diff.noprefix, color, external drivers, textconv,
# context size, non-ASCII path quoting) cannot change what is parsed or shown.
_GIT_CONFIG = ("-c", "core.quotepath=false", "-c", "diff.suppressBlankEmpty=false")
_DIFF_OPTIONS = ("--no-color", "--no-ext-diff", "--no-textconv", "--no-relative", "-M", "-C")
# Only for the patch: -U and friends imply --patch, which must not join --raw --numstat.
_PATCH_OPTIONS = (
    "--patch",
    "--src-prefix=a/",
    "--dst-prefix=b/",
    "--unified=3",
    "--inter-hunk-context=0",
    "--submodule=short",
)


class LocalRepository:
    """Read-only access to a git repository on disk; no I/O until a method is called."""

    def __init__(self, git: Git) -> None:
        self.git = git

    @classmethod
    def open(cls, path: Path, executable: str | None = None) -> LocalRepository:
        """The repository containing ``path`` (CA202 if none, CA201 without git)."""
        probe = Git(path, executable)
        try:
            git_dir = probe.run_bytes("rev-parse", "--absolute-git-dir").rstrip(b"\n")
        except CiAgentError as exc:
            if exc.code != "CA203":
                raise
            # git says why: not a repository, or one owned by someone else (safe.directory).
            problem = exc.context["problem"]
            message = f"{path} is not inside a git repository ({problem})"
            raise fail("CA202", message, path=path) from None
        top = probe.run_bytes("rev-parse", "--show-toplevel", check=False).rstrip(b"\n")
        return cls(probe.at(Path(os.fsdecode(top or git_dir))))  # a bare repository: its git dir

    @property
    def root(self) -> Path:
        """The top of the work tree (the git directory of a bare repository)."""
        return self.git.path

    def _run(self, *args: str, check: bool = True) -> bytes:
        return self.git.run_bytes(*_GIT_CONFIG, *args, check=check)

    def name(self) -> RepoName:
        """``owner/name`` from the origin remote, else ``local/<directory>``."""
        remote = self.git.remote_repository()
        try:
            return RepoName.parse(remote) if remote else RepoName("local", self.root.name)
        except ValueError:
            return RepoName("local", "repository")

    def is_empty(self) -> bool:
        """Whether the repository has no commit at all."""
        return not self._run("rev-list", "-n", "1", "--all").strip()

    def is_shallow(self) -> bool:
        """Whether history is truncated (backups refuse shallow clones)."""
        return self.git.is_shallow()

    def branch(self) -> str | None:
        """The checked-out branch, None on a detached HEAD."""
        return self.git.branch()

    def resolve(self, ref: str) -> str:
        """The commit SHA ``ref`` names; CA206 if it names none."""
        out = self._run(
            "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}", check=False
        )
        sha = out.decode("ascii", "replace").strip()
        if ref and _OBJECT_ID.fullmatch(sha):  # a range prints two lines: not a ref
            return sha
        if self.is_empty():
            raise fail("CA206", ref=ref, suggestion="The repository has no commits yet.")
        if self.is_shallow():  # the usual cause in CI: a depth-1 checkout of one branch
            raise fail("CA206", ref=ref, suggestion=SHALLOW_REF_HINT)
        raise fail("CA206", ref=ref)

    def merge_base(self, one: str, two: str) -> str | None:
        """The best common ancestor of two refs, None when they share no history."""
        a, b = self.resolve(one), self.resolve(two)
        out = self._run("merge-base", a, b, check=False).decode("ascii", "replace").strip()
        return out or None

    def commits(self, base: str, head: str) -> list[Commit]:
        """Commits reachable from ``head`` but not ``base`` (``base..head``), oldest first."""
        a, b = self.resolve(base), self.resolve(head)
        return self._log("--reverse", f"{a}..{b}")

    def commit(self, ref: str) -> Commit:
        """The commit ``ref`` names."""
        return self._log("-1", self.resolve(ref))[0]

    def _log(self, *args: str) -> list[Commit]:
        out = self._run(
            "log",
            "-z",
            "--no-color",
            "--no-show-signature",
            "--encoding=UTF-8",
            f"--format=tformat:{LOG_FORMAT}",
            *args,
        )
        return _parsed(parse_log, out)

    def diff(self, base: str, head: str) -> str:
        """The unified diff from ``base`` to ``head`` (trees compared, with renames and copies)."""
        return decode(self._diff_bytes(self.resolve(base), self.resolve(head)))

    def changed_files(self, base: str, head: str) -> list[ChangedFile]:
        """The files that differ from ``base`` to ``head``, in git's order."""
        a, b = self.resolve(base), self.resolve(head)
        raw = self._run("diff", "--raw", "--numstat", "-z", *_DIFF_OPTIONS, a, b)
        return _parsed(lambda data: parse_changed_files(data, self._diff_bytes(a, b)), raw)

    def _diff_bytes(self, a: str, b: str) -> bytes:
        return self._run("diff", *_PATCH_OPTIONS, *_DIFF_OPTIONS, a, b)

    def file_contents(self, path: str, ref: str) -> bytes:
        """The bytes of ``path`` (from the top of the repository) at ``ref``."""
        spec = f"{self.resolve(ref)}:{path}"
        out = self._run("rev-parse", "--verify", "--quiet", "--end-of-options", spec, check=False)
        obj = out.decode("ascii", "replace").strip()
        kind = (
            self._run("cat-file", "-t", obj).decode().strip() if _OBJECT_ID.fullmatch(obj) else ""
        )
        if kind != "blob":
            problem = f"is a {kind}, not a file" if kind else "does not exist"
            raise fail(
                "CA206",
                f"'{path}' {problem} at '{ref}'",
                suggestion=f"List the files with 'git ls-tree -r --name-only {ref}'.",
                ref=f"{ref}:{path}",
            )
        return self._run("cat-file", "blob", obj)

    def files_contents(self, paths: Sequence[str], ref: str) -> dict[str, bytes | None]:
        """The bytes of each of ``paths`` at ``ref`` from one ``git cat-file --batch`` process;
        None for a path that is missing or not a file there."""
        sha = self.resolve(ref)
        # --batch reads one request per line: a name with a line break is read on its own.
        batched = [p for p in paths if "\n" not in p and "\r" not in p]
        found: dict[str, bytes | None] = {}
        if batched:
            request = "".join(f"{sha}:{p}\n" for p in batched).encode("utf-8", "surrogateescape")
            out = self.git.feed(*_GIT_CONFIG, "cat-file", "--batch", stdin=request)
            found = dict(zip(batched, _parsed(_batch_objects, out), strict=True))
        for path in paths:
            if path not in found:
                try:
                    found[path] = self.file_contents(path, ref)
                except CiAgentError:
                    found[path] = None
        return {p: found[p] for p in paths}


def _batch_objects(out: bytes) -> list[bytes | None]:
    """Objects as ``git cat-file --batch`` prints them: a blob's bytes, None for the rest."""
    objects: list[bytes | None] = []
    at = 0
    while at < len(out):
        end = out.index(b"\n", at)
        header = out[at:end].split(b" ")
        at = end + 1
        if len(header) != 3 or not header[2].isdigit():  # "<request> missing" / "ambiguous"
            objects.append(None)
            continue
        size = int(header[2])
        if at + size >= len(out):
            raise ValueError("cat-file output ends inside an object")
        objects.append(out[at : at + size] if header[1] == b"blob" else None)
        at += size + 1  # the object and the newline after it
    return objects


def _parsed(parse: Callable[[bytes], T], data: bytes) -> T:
    """Parse git's output; a parser that does not understand it is an internal error."""
    try:
        return parse(data)
    except ValueError as exc:
        raise fail("CA601", problem=f"unexpected git output: {exc}") from exc


class LocalForge:
    """One synthetic pull request (number 0) from ``base`` to ``head`` of a local repository.

    Like GitHub, files, diff and commits run from the merge base of the two refs to head.
    """

    def __init__(self, repo: LocalRepository, base: str, head: str = "HEAD") -> None:
        self.repo = repo
        self.base = base
        self.head = head

    @cached_property
    def _shas(self) -> tuple[str, str, str]:
        """(base tip, merge base, head) SHAs, resolved once."""
        base, head = self.repo.resolve(self.base), self.repo.resolve(self.head)
        merge_base = self.repo.merge_base(base, head)
        if merge_base is None:
            if self.repo.is_shallow():
                raise fail("CA204", path=self.repo.root)
            raise fail(
                "CA203",
                args=f"merge-base {self.base} {self.head}",
                problem="the refs share no history",
            )
        return base, merge_base, head

    def _check(self, number: int) -> None:
        if number != LOCAL_PULL_REQUEST:
            raise fail(
                "CA206",
                ref=f"pull/{number}/head",
                suggestion=f"A local run reads one change, #{LOCAL_PULL_REQUEST}: --base..--head.",
            )

    def pull_request(self, number: int = LOCAL_PULL_REQUEST) -> PullRequestInfo:
        """A pull request made of the refs; title and body from the head commit's message."""
        self._check(number)
        base, _, head = self._shas
        tip = self.repo.commit(head)
        branch = self.repo.branch() if self.head == "HEAD" else None
        return PullRequestInfo(
            number=LOCAL_PULL_REQUEST,
            title=tip.title,
            body=tip.message.partition("\n")[2].strip("\n"),
            author=tip.author_name,
            author_association="NONE",  # nothing local is gated on it
            draft=False,
            state="open",
            base_ref=self.base,
            base_sha=base,
            head_ref=branch or self.head,
            head_sha=head,
            head_repo=self.repo.name().full_name,
            is_fork=False,
        )

    def changed_files(self, number: int = LOCAL_PULL_REQUEST) -> Iterator[ChangedFile]:
        """The changed files, merge base to head."""
        self._check(number)
        _, merge_base, head = self._shas
        return iter(self.repo.changed_files(merge_base, head))

    def diff(self, number: int = LOCAL_PULL_REQUEST) -> str:
        """The unified diff, merge base to head."""
        self._check(number)
        _, merge_base, head = self._shas
        return self.repo.diff(merge_base, head)

    def commits(self, number: int = LOCAL_PULL_REQUEST) -> Iterator[Commit]:
        """The commits on head since the merge base, oldest first."""
        self._check(number)
        _, merge_base, head = self._shas
        return iter(self.repo.commits(merge_base, head))

    def file_contents(self, path: str, ref: str) -> bytes:
        """The bytes of ``path`` at ``ref``."""
        return self.repo.file_contents(path, ref)

    def files_contents(self, paths: Sequence[str], ref: str) -> dict[str, bytes | None]:
        """The bytes of each of ``paths`` at ``ref``, read in one batch (None: not a file)."""
        return self.repo.files_contents(paths, ref)


if TYPE_CHECKING:

    def _conforms(forge: LocalForge) -> ChangeSource:
        return forge
