"""Which backup ``verify`` and ``restore`` read: an archive, an extracted directory, the newest
archive of a directory, or an Actions artifact; and where the rest of its chain is."""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from ci_agent.backup.context import JobContext
from ci_agent.backup.manifest import MANIFEST, Link
from ci_agent.backup.naming import CHECKSUM_SUFFIX, VERIFIED_SUFFIX, BackupName
from ci_agent.backup.stores import DirectoryStore, Entry, Verification
from ci_agent.backup.verify import ChainFinder
from ci_agent.errors import fail

__all__ = ["Source", "locate"]


@dataclass
class Source:
    """A backup to read and how to find the backups it builds on."""

    find: ChainFinder
    archive: Path | None = None  # a local tar.gz (downloaded for an artifact)
    directory: Path | None = None  # an extracted backup
    expected: str | None = None  # the archive's known SHA-256
    artifact: Entry | None = None
    notes: list[str] = field(default_factory=list)

    def record(
        self, ctx: JobContext, verification: Verification, sha256: str | None
    ) -> Path | None:
        """Keep the verification beside the archive; for an artifact, a file to upload. Only
        an archive with a backup's name gets one (never a stray file the user pointed at)."""
        if self.archive is None or BackupName.parse(self.archive.name) is None:
            return None
        if self.artifact is None:
            try:
                return DirectoryStore(self.archive.parent).record(
                    self.archive, verification, sha256
                )
            except OSError as exc:
                ctx.term.warn(f"could not record the verification: {exc.strerror or exc}")
                return None
        if not verification.ok:
            return None
        out = ctx.default_dir()
        out.mkdir(parents=True, exist_ok=True)
        path = out / (self.artifact.name + VERIFIED_SUFFIX)
        path.write_bytes(verification.to_bytes(self.artifact.name, sha256))
        return path

    def record_member(
        self, ctx: JobContext, name: str, verification: Verification, sha256: str | None
    ) -> None:
        """Record a passed verification of a chain member kept in the same directory (an
        artifact's record is one file per run: only the verified backup's is uploaded)."""
        if self.artifact is not None or self.archive is None:
            return
        path = self.archive.with_name(name)
        if BackupName.parse(name) is None or not path.is_file():
            return
        try:
            DirectoryStore(path.parent).record(path, verification, sha256)
        except OSError as exc:
            ctx.term.warn(f"could not record the verification of {name}: {exc.strerror or exc}")


def _beside(folder: Path) -> ChainFinder:
    def find(link: Link) -> Path | None:
        path = folder / link.name
        return path if path.is_file() else None

    return find


def _newest_in(folder: Path) -> Path:
    entries = DirectoryStore(folder).entries()
    if not entries or entries[0].path is None:
        raise fail("CA223", what="archive", where=folder)
    return entries[0].path


def _sidecar(archive: Path) -> str | None:
    sidecar = archive.with_name(archive.name + CHECKSUM_SUFFIX)
    try:
        words = sidecar.read_text(encoding="utf-8").split()
    except (OSError, UnicodeDecodeError):
        return None
    return words[0].lower() if words else None


def locate(
    ctx: JobContext,
    stack: ExitStack,
    work: Path,
    *,
    target: Path | None,
    artifact: str | None,
    repo: str | None,
) -> Source:
    """The backup named by the arguments (the newest in the default directory when none)."""
    if artifact is not None:
        return _from_artifacts(ctx, stack, work, artifact, repo)
    path = target or ctx.default_dir()
    if not path.exists():
        raise fail("CA223", what=f"'{path.name}'", where=path.parent)
    if path.is_dir() and (path / MANIFEST).is_file():
        return Source(_beside(path.parent), directory=path)
    archive = _newest_in(path) if path.is_dir() else path
    source = Source(_beside(archive.parent), archive=archive, expected=_sidecar(archive))
    if source.expected is None:
        source.notes.append(
            f"no {archive.name}{CHECKSUM_SUFFIX} beside it: only its contents were checked"
        )
    return source


def _from_artifacts(
    ctx: JobContext, stack: ExitStack, work: Path, name: str, repo: str | None
) -> Source:
    repository = ctx.repository(repo)
    store = ctx.artifacts(stack, repository)
    entries = store.entries()
    if name == "latest":
        chosen = entries[0] if entries else None
    else:
        chosen = next((e for e in entries if e.name == name), None)
    if chosen is None:
        refused = next((i for i in store.ignored if i.name == name), None)
        if refused is not None:
            workflow = store.provenance.origin.workflow
            raise fail("CA151", name=name, problem=refused.reason, workflow=workflow)
        raise fail("CA223", what=f"artifact '{name}'", where=store.where)
    for ignored in store.ignored:
        ctx.term.info(f"not a backup: {ignored.name}: {ignored.reason}")
    downloads = work / "downloads"
    by_name = {entry.name: entry for entry in entries}

    def find(link: Link) -> Path | None:
        entry = by_name.get(link.name)
        return store.fetch(entry, downloads) if entry else None

    ctx.term.info(f"downloading {chosen.name} ({chosen.size} bytes)")
    archive = store.fetch(chosen, downloads)
    return Source(find, archive=archive, expected=chosen.sha256, artifact=chosen)
