"""Backups kept as Actions artifacts of the repository.

An archive is uploaded with ``archive: false``, so the artifact is the file itself, named
after it, with GitHub's SHA-256 ``digest``; a passed verification is uploaded as an artifact
``NAME.tar.gz.verified.json``, so a listing shows it without downloading anything.
"""

from __future__ import annotations

import zipfile
from dataclasses import replace
from pathlib import Path

from ci_agent.backup.archive import CHUNK
from ci_agent.backup.naming import PREFIX, SUFFIX, VERIFIED_SUFFIX, BackupName, format_time
from ci_agent.backup.stores import Entry, Verification, newest_first
from ci_agent.errors import fail
from ci_agent.forge.run_protocol import ArtifactStore
from ci_agent.forge.run_types import Artifact

__all__ = ["ArtifactsStore"]


class ArtifactsStore:
    """Backups uploaded as Actions artifacts of the repository."""

    def __init__(self, forge: ArtifactStore, repository: str) -> None:
        self.forge = forge
        self.where = f"the Actions artifacts of {repository}"
        self._records: dict[str, list[Artifact]] = {}

    def entries(self) -> list[Entry]:
        """Unexpired backup artifacts, newest first, with their last passed verification."""
        backups: list[Entry] = []
        records: dict[str, list[Artifact]] = {}
        for artifact in self.forge.artifacts():
            if artifact.expired or not artifact.name.startswith(PREFIX):
                continue
            if artifact.name.endswith(SUFFIX + VERIFIED_SUFFIX):
                records.setdefault(artifact.name.removesuffix(VERIFIED_SUFFIX), []).append(artifact)
                continue
            parsed = BackupName.parse(artifact.name)
            if parsed is not None:
                digest = artifact.digest[7:] if artifact.digest else None
                backups.append(
                    Entry(artifact.name, parsed, artifact.size, digest, artifact=artifact)
                )
        self._records = records
        return newest_first([_with_record(entry, records) for entry in backups])

    def latest(self, slug: str) -> Entry | None:
        """The newest backup artifact of ``slug``: GitHub lists newest first, so the listing
        stops at the first one (a repository with many other artifacts costs few pages)."""
        for artifact in self.forge.artifacts():
            parsed = None if artifact.expired else BackupName.parse(artifact.name)
            if parsed is not None and parsed.slug.lower() == slug.lower():
                digest = artifact.digest[7:] if artifact.digest else None
                return Entry(artifact.name, parsed, artifact.size, digest, artifact=artifact)
        return None

    def fetch(self, entry: Entry, work: Path) -> Path:
        """Download into ``work`` (digest checked by the forge); unzip a zipped upload."""
        if entry.artifact is None:
            raise fail("CA223", what=entry.name, where=self.where)
        work.mkdir(parents=True, exist_ok=True)
        target = work / entry.name
        download = self.forge.download_artifact(entry.artifact, work / (entry.name + ".download"))
        with download.open("rb") as head:
            zipped = head.read(4) == b"PK\x03\x04"
        if not zipped:
            download.replace(target)
            return target
        try:
            _unzip_one(download, entry.name, target)
        finally:
            download.unlink(missing_ok=True)
        return target

    def delete(self, entry: Entry) -> None:
        """Delete the artifact and its verification records."""
        if entry.artifact is not None:
            self.forge.delete_artifact(entry.artifact.id)
        for record in self._records.get(entry.name, []):
            self.forge.delete_artifact(record.id)


def _with_record(entry: Entry, records: dict[str, list[Artifact]]) -> Entry:
    """The entry with its newest verification record artifact, if any."""
    stamps = [a.created_at for a in records.get(entry.name, []) if a.created_at]
    if not stamps:
        return entry
    return replace(entry, verification=Verification(format_time(max(stamps)), True))


def _unzip_one(zipped: Path, name: str, target: Path) -> None:
    """Extract the member called ``name`` (and nothing else) from an artifact zip."""
    with zipfile.ZipFile(zipped) as archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        if [info.filename for info in members] != [name]:
            listed = ", ".join(info.filename for info in members[:5])
            raise fail(
                "CA521", file=zipped.name, problem=f"the artifact holds {listed or 'nothing'}"
            )
        with archive.open(members[0]) as source, target.open("wb") as out:
            while chunk := source.read(CHUNK):
                out.write(chunk)
