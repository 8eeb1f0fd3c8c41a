"""The git side of a backup: refs, the bundle, and rebuilding a repository from bundles.

Every command goes through :class:`~ci_agent.git.Git` as an argument list. Bundles are made
with ``pack.threads=1``: threaded delta search picks different deltas from run to run, which
would make the archive bytes differ for the same repository.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ci_agent.backup.manifest import Head, Identity, Ref
from ci_agent.backup.processes import run_grouped
from ci_agent.errors import CiAgentError, fail
from ci_agent.git import Git

__all__ = [
    "RefDiff",
    "RepoSnapshot",
    "build_repository",
    "compare_refs",
    "create_bundle",
    "fsck",
    "has_new_objects",
    "identity",
    "read_refs",
    "snapshot",
    "write_refs",
]

_REF_FORMAT = "%(objectname) %(objecttype) %(refname) %(*objectname) %(symref)"
_DETERMINISTIC = ("-c", "pack.threads=1")


@dataclass(frozen=True)
class RepoSnapshot:
    """A repository's refs and HEAD at one moment."""

    object_format: str
    head: Head
    refs: tuple[Ref, ...]

    @property
    def empty(self) -> bool:
        """Whether there is nothing to bundle (no ref at all)."""
        return not self.refs and self.head.sha is None

    def objects(self) -> list[str]:
        """Every object a ref or HEAD points to, and what annotated tags point to."""
        found = {ref.sha for ref in self.refs} | {ref.peeled for ref in self.refs if ref.peeled}
        if self.head.sha:
            found.add(self.head.sha)
        return sorted(found)


def read_refs(git: Git) -> tuple[Ref, ...]:
    """Every ref as ``git for-each-ref`` lists it, sorted by name."""
    out = git.run("for-each-ref", f"--format={_REF_FORMAT}")
    refs = []
    for line in out.splitlines():
        sha, kind, name, peeled, symref = [*line.split(" "), "", ""][:5]
        refs.append(
            Ref(name=name, sha=sha, type=kind, peeled=peeled or None, symref=symref or None)
        )
    return tuple(sorted(refs, key=lambda r: r.name))


def snapshot(git: Git) -> RepoSnapshot:
    """Refs, HEAD and object format of the repository ``git`` runs in."""
    symref = git.run("symbolic-ref", "--quiet", "HEAD", check=False) or None
    head_sha = git.run("rev-parse", "--verify", "--quiet", "HEAD", check=False) or None
    object_format = git.run("rev-parse", "--show-object-format", check=False) or "sha1"
    return RepoSnapshot(object_format, Head(symref=symref, sha=head_sha), read_refs(git))


def has_new_objects(git: Git, known: Sequence[str]) -> bool:
    """Whether any ref reaches an object that ``known`` objects do not (a new tag counts)."""
    return bool(
        git.run(
            "rev-list", "--objects", "-n", "1", "--ignore-missing", "--all", "--not", *known
        ).strip()
    )


def _packed(git: Git) -> bool:
    """Whether (nearly) every object is in a pack already, as in a fresh clone."""
    counts = dict(
        line.split(": ", 1) for line in git.run("count-objects", "-v").splitlines() if ": " in line
    )
    loose, packed = int(counts.get("count", "0")), int(counts.get("in-pack", "0"))
    return loose <= max(100, packed // 100)


def create_bundle(git: Git, dest: Path, known: Sequence[str]) -> None:
    """A bundle of every ref (HEAD, branches, tags, notes, remotes) without what ``known``
    objects reach (those of the previous backup's refs; gone ones are ignored).

    A packed repository's deltas are reused as they are and no new delta search runs
    (``pack.window=0``): the search is what makes bundles differ from run to run and what
    costs time, and a clone has nothing left to deltify. Loose objects are deltified with
    one thread, for the same determinism."""
    config = [*_DETERMINISTIC, *(("-c", "pack.window=0") if _packed(git) else ())]
    args = [*config, "bundle", "create", "--quiet", str(dest.absolute())]
    if known:
        args += ["--ignore-missing", "--all", "--not", *known]
    else:
        args.append("--all")
    run_grouped(git, *args)


def identity(git: Git, github: str | None) -> Identity:
    """The repository's identity: its GitHub repository when known (``--repo``, or an origin
    remote on GitHub), else its root commits and origin URL."""
    name = github or git.remote_repository()
    if name:
        return Identity(github=name)
    roots = git.run("rev-list", "--max-parents=0", "--all", check=False).split()
    remote = git.run("remote", "get-url", "origin", check=False) or None
    return Identity(roots=tuple(sorted(set(roots))), remote=remote)


def _git_dir(path: Path, bare: bool) -> Path:
    return path if bare else path / ".git"


def write_refs(git_dir: Path, refs: Sequence[Ref], head: Head) -> None:
    """Write every ref into one ``packed-refs`` file (symbolic ones as loose files) and HEAD:
    no process per ref and no reflog, which is where thousands of refs cost time."""
    lines = ["# pack-refs with: sorted \n"]
    for ref in sorted(refs, key=lambda r: r.name.encode()):
        if ref.symref:
            loose = git_dir / ref.name
            loose.parent.mkdir(parents=True, exist_ok=True)
            loose.write_text(f"ref: {ref.symref}\n", encoding="utf-8")
        else:
            lines.append(f"{ref.sha} {ref.name}\n")
    (git_dir / "packed-refs").write_text("".join(lines), encoding="utf-8")
    if head.symref:
        (git_dir / "HEAD").write_text(f"ref: {head.symref}\n", encoding="utf-8")
    elif head.sha:
        (git_dir / "HEAD").write_text(f"{head.sha}\n", encoding="utf-8")


def _safe_ref(name: str) -> bool:
    parts = name.split("/")
    return (
        name.startswith("refs/")
        and all(p and not p.startswith(".") and not p.endswith(".lock") for p in parts)
        and not any(c in name for c in " ~^:?*[\\\n\x00")
    )


def build_repository(
    path: Path, bundles: Sequence[Path], refs: Sequence[Ref], head: Head, *, bare: bool, file: str
) -> Git:
    """A new repository at ``path`` holding the bundles' objects (oldest first), with exactly
    ``refs`` and ``head``. CA524 when the bundles cannot give that."""
    path = path.absolute()
    path.mkdir(parents=True, exist_ok=True)
    git = Git(path)
    bad = [r.name for r in refs if not _safe_ref(r.name)]
    bad += [r.symref for r in refs if r.symref and not _safe_ref(r.symref)]
    if head.symref and not _safe_ref(head.symref):
        bad.append(head.symref)
    if bad:
        raise fail("CA524", file=file, problem=f"an invalid ref name: {bad[0]!r}")
    try:
        git.run("init", "--quiet", *(["--bare"] if bare else []), str(path))
        git_dir = _git_dir(path, bare)
        if (git_dir / "reftable").exists():  # pragma: no cover - git >= 2.45 with reftable
            raise fail("CA524", file=file, problem="the reftable ref format is not supported")
        for bundle in bundles:
            # unbundle checks the prerequisites (the earlier bundles' objects) and indexes the
            # pack; it writes no ref.
            run_grouped(git, "bundle", "unbundle", str(bundle.absolute()))
        write_refs(git_dir, refs, head)
    except CiAgentError as exc:
        if exc.code != "CA203":
            raise
        raise fail("CA524", file=file, problem=str(exc.context.get("problem"))) from None
    return git


@dataclass(frozen=True)
class RefDiff:
    """How a repository's refs differ from a manifest's."""

    missing: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    moved: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.missing or self.extra or self.moved)

    def describe(self) -> str:
        """One line naming up to three refs of each kind."""
        parts = []
        for label, names in (
            ("missing", self.missing),
            ("extra", self.extra),
            ("moved", self.moved),
        ):
            if names:
                shown = ", ".join(names[:3]) + (
                    f" and {len(names) - 3} more" if len(names) > 3 else ""
                )
                parts.append(f"{label}: {shown}")
        return "; ".join(parts)


def compare_refs(git: Git, refs: Sequence[Ref], head: Head) -> RefDiff:
    """Compare one ``for-each-ref`` listing (targets, types, peeled tags, symbolic targets)
    and HEAD with what the manifest recorded."""
    actual = {ref.name: ref for ref in read_refs(git)}
    wanted = {ref.name: ref for ref in refs}
    moved = [name for name in wanted if name in actual and actual[name] != wanted[name]]
    if head.symref:
        target = actual.get(head.symref)
        if (target.sha if target else None) != head.sha:
            moved.append("HEAD")
    elif head.sha:
        found = git.run("rev-parse", "--verify", "--quiet", "HEAD^{object}", check=False)
        if found != head.sha:
            moved.append("HEAD")
    return RefDiff(
        tuple(sorted(set(wanted) - set(actual))),
        tuple(sorted(set(actual) - set(wanted))),
        tuple(moved),
    )


def fsck(git: Git, file: str) -> None:
    """``git fsck --full --strict``; CA524 with git's first complaint when it fails."""
    try:
        run_grouped(git, "fsck", "--full", "--strict", "--no-dangling", "--no-progress")
    except CiAgentError as exc:
        if exc.code != "CA203":
            raise
        raise fail("CA524", file=file, problem=f"git fsck: {exc.context.get('problem')}") from None
