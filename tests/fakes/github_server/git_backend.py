"""A real git repository on disk behind each fake repository: every SHA, tree, diff and patch
the fake serves comes from ``git`` plumbing commands run here."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from .git_objects import CommitInfo, Person, TreeEntry, parse_person

ZERO_SHA = "0" * 40
_FORBIDDEN_ENV = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY")


class GitError(RuntimeError):
    """A git command failed."""


def _git_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _FORBIDDEN_ENV}
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, GIT_TERMINAL_PROMPT="0")
    env.update(extra or {})
    return env


class GitRepo:
    """Plumbing over one repository directory (bare or not)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._commits: dict[str, CommitInfo] = {}  # by full SHA: a commit never changes

    @classmethod
    def init(cls, path: Path, default_branch: str = "main") -> GitRepo:
        """Create an empty bare repository at ``path``."""
        path.mkdir(parents=True, exist_ok=True)
        repo = cls(path)
        repo.run("init", "-q", "--bare", f"--initial-branch={default_branch}")
        return repo

    def run(
        self, *args: str, data: bytes | None = None, env: dict[str, str] | None = None
    ) -> bytes:
        """Run ``git args`` here and return stdout; raise GitError when it fails."""
        proc = subprocess.run(
            ["git", "-c", "core.quotepath=false", "-C", str(self.path), *args],
            input=data,
            capture_output=True,
            env=_git_env(env),
            check=False,
            timeout=60,
        )
        if proc.returncode != 0:
            raise GitError(f"git {' '.join(args)}: {proc.stderr.decode(errors='replace')}")
        return proc.stdout

    def text(self, *args: str) -> str:
        """``run`` decoded, trailing newline stripped."""
        return self.run(*args).decode(errors="replace").rstrip("\n")

    # Objects and refs

    def object_type(self, name: str) -> str | None:
        """``commit``/``tree``/``blob``/``tag`` for an object name, None when absent."""
        try:
            return self.text("cat-file", "-t", name)
        except GitError:
            return None

    def resolve(self, rev: str) -> str | None:
        """The commit SHA ``rev`` (SHA, branch, tag, ref) names, None when none."""
        try:
            return self.text(
                "rev-parse", "--verify", "--quiet", "--end-of-options", rev + "^{commit}"
            )
        except GitError:
            return None

    def refs(self, prefix: str = "refs/") -> list[tuple[str, str, str]]:
        """``(refname, sha, type)`` of the refs under ``prefix``, sorted by name."""
        out = self.text("for-each-ref", "--format=%(refname) %(objectname) %(objecttype)", prefix)
        rows = [tuple(line.split(" ")) for line in out.splitlines() if line]
        return sorted((r[0], r[1], r[2]) for r in rows)

    def _git_dir(self) -> Path | None:
        dot_git = self.path / ".git"
        if dot_git.is_dir():
            return dot_git
        return self.path if (self.path / "HEAD").is_file() else None

    def ref_sha(self, refname: str) -> str | None:
        """The object a full ref name points at, None when it does not exist."""
        git_dir = self._git_dir()
        if git_dir is None:  # e.g. a linked worktree: ask git
            return next((sha for name, sha, _ in self.refs(refname) if name == refname), None)
        # Read the ref files directly: much cheaper than a git process per lookup.
        loose = git_dir / refname
        if loose.is_file():
            content = loose.read_text().strip()
            if content.startswith("ref: "):
                return self.ref_sha(content[5:])
            return content or None
        packed = git_dir / "packed-refs"
        if packed.is_file():
            for line in packed.read_text().splitlines():
                sha, _, name = line.partition(" ")
                if name == refname:
                    return sha
        return None

    def set_ref(self, refname: str, sha: str) -> None:
        """Point ``refname`` at ``sha``."""
        self.run("update-ref", refname, sha)

    def delete_ref(self, refname: str) -> None:
        """Delete ``refname``."""
        self.run("update-ref", "-d", refname)

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        """Whether ``ancestor`` is reachable from ``descendant``."""
        try:
            self.run("merge-base", "--is-ancestor", ancestor, descendant)
        except GitError:
            return False
        return True

    def merge_base(self, a: str, b: str) -> str | None:
        """The best common ancestor of two commits."""
        try:
            return self.text("merge-base", a, b) or None
        except GitError:
            return None

    def read_commit(self, sha: str) -> CommitInfo:
        """Parse commit ``sha`` (read from git once per full SHA)."""
        if sha in self._commits:
            return self._commits[sha]
        info = self._read_commit(sha)
        if len(sha) == 40:
            self._commits[sha] = info
        return info

    def _read_commit(self, sha: str) -> CommitInfo:
        raw = self.run("cat-file", "commit", sha).decode(errors="replace")
        header, _, message = raw.partition("\n\n")
        tree, parents = "", []
        author = committer = None
        for line in header.splitlines():
            key, _, value = line.partition(" ")
            if key == "tree":
                tree = value
            elif key == "parent":
                parents.append(value)
            elif key == "author":
                author = parse_person(value)
            elif key == "committer":
                committer = parse_person(value)
        assert author is not None and committer is not None, f"malformed commit {sha}"
        return CommitInfo(sha, tree, parents, author, committer, message)

    def ls_tree(self, treeish: str, *, recursive: bool = False, path: str = "") -> list[TreeEntry]:
        """Entries of a tree (``recursive`` lists subtrees and their contents, like GitHub)."""
        args = ["ls-tree", "-l", "-z"] + (["-r", "-t"] if recursive else []) + [treeish]
        if path:
            args += ["--", path]
        entries = []
        for item in self.run(*args).decode(errors="replace").split("\0"):
            if not item:
                continue
            meta, _, name = item.partition("\t")
            mode, kind, sha, size = meta.split(maxsplit=3)
            entries.append(TreeEntry(mode, kind, sha, None if size == "-" else int(size), name))
        return entries

    def read_blob(self, sha: str) -> bytes:
        """The bytes of blob ``sha``."""
        return self.run("cat-file", "blob", sha)

    def write_blob(self, data: bytes) -> str:
        """Store ``data`` as a blob and return its SHA."""
        return self.run("hash-object", "-w", "--stdin", data=data).decode().strip()

    def write_tree(self, entries: list[dict[str, str | None]], base_tree: str | None) -> str:
        """A new tree: ``base_tree`` with ``entries`` (path, mode, sha; sha None deletes)."""
        with tempfile.TemporaryDirectory() as scratch:
            env = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
            if base_tree:
                self.run("read-tree", base_tree, env=env)
            lines = []
            for entry in entries:  # mode 0 with the null SHA removes a path from the index
                sha = entry.get("sha")
                mode = "0" if sha is None else entry.get("mode") or "100644"
                lines.append(f"{mode} {sha or ZERO_SHA}\t{entry['path']}\n")
            if lines:
                self.run("update-index", "--index-info", data="".join(lines).encode(), env=env)
            return self.run("write-tree", env=env).decode().strip()

    def write_commit(
        self, tree: str, parents: list[str], message: str, author: Person, committer: Person
    ) -> str:
        """Store a commit object and return its SHA."""
        args = ["commit-tree", tree]
        for parent in parents:
            args += ["-p", parent]
        env = {**author.env("AUTHOR"), **committer.env("COMMITTER")}
        return self.run(*args, data=message.encode(), env=env).decode().strip()

    def commit_files(
        self,
        branch: str,
        files: dict[str, str | bytes | None],
        message: str,
        author: Person,
        parent: str | None = None,
    ) -> str:
        """Commit ``files`` (None deletes) on ``branch``, creating it from ``parent`` if new.

        One ``git fast-import`` process writes the blobs, tree, commit and ref at once."""
        refname = f"refs/heads/{branch}"
        base = self.ref_sha(refname) or (self.resolve(parent) if parent else None)
        stamp = f"{int(author.date.timestamp())} +0000"
        text = message.encode()
        stream = [
            f"commit {refname}\n".encode(),
            f"author {author.name} <{author.email}> {stamp}\n".encode(),
            f"committer {author.name} <{author.email}> {stamp}\n".encode(),
            f"data {len(text)}\n".encode(),
            text,
            b"\n",
        ]
        if base:
            stream.append(f"from {base}\n".encode())
        for path, content in files.items():
            if content is None:
                stream.append(f"D {path}\n".encode())
                continue
            data = content.encode() if isinstance(content, str) else content
            stream += [
                f"M 100644 inline {path}\n".encode(),
                f"data {len(data)}\n".encode(),
                data,
                b"\n",
            ]
        self.run("fast-import", "--quiet", "--force", data=b"".join(stream))
        sha = self.ref_sha(refname)
        assert sha is not None
        return sha

    # History and diffs

    def rev_list(self, base: str | None, head: str) -> list[str]:
        """Commits reachable from ``head`` and not from ``base``, oldest first."""
        args = ["rev-list", "--reverse", "--topo-order", head] + ([f"^{base}"] if base else [])
        return self.text(*args).split()

    def log(
        self,
        rev: str,
        *,
        path: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> list[str]:
        """Commit SHAs reachable from ``rev``, newest first, filtered like GitHub's list."""
        args = ["log", "--format=%H", rev]
        args += [f"--since={since}"] if since else []
        args += [f"--until={until}"] if until else []
        args += ["--", path] if path else []
        return self.text(*args).split()

    def diff(self, base: str, head: str) -> str:
        """The unified diff GitHub shows between two commits (renames detected, full SHAs)."""
        return self.run(
            "diff",
            "--no-color",
            "--no-ext-diff",
            "--full-index",
            "-M",
            "--src-prefix=a/",
            "--dst-prefix=b/",
            base,
            head,
        ).decode(errors="replace")

    def format_patch(self, base: str, head: str) -> str:
        """``git format-patch --stdout`` of ``base..head`` (GitHub's ``.patch`` media type)."""
        return self.run("format-patch", "--stdout", "--full-index", f"{base}..{head}").decode(
            errors="replace"
        )

    def mergeable(self, base: str, head: str) -> bool | None:
        """Whether ``head`` merges cleanly into ``base`` (None when git cannot tell)."""
        proc = subprocess.run(
            ["git", "-C", str(self.path), "merge-tree", "--write-tree", base, head],
            capture_output=True,
            env=_git_env(),
            check=False,
            timeout=60,
        )
        return {0: True, 1: False}.get(proc.returncode)

    def fetch(self, source: Path, refspec: str) -> None:
        """Fetch ``refspec`` from the repository at ``source`` (fork heads into the base)."""
        # Let the source serve any object by SHA, as GitHub serves fork commits to the base.
        upload_pack = "--upload-pack=git -c uploadpack.allowAnySHA1InWant=true upload-pack"
        self.run("fetch", "-q", "--no-tags", "--force", upload_pack, str(source), refspec)
