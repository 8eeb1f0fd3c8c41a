"""Backups kept as Actions artifacts of the repository.

An archive is uploaded with ``archive: false``, so the artifact is the file itself, named
after it, with GitHub's SHA-256 ``digest``; a passed verification is uploaded as an artifact
``NAME.tar.gz.verified.json``, so a listing shows it without downloading anything. Only the
artifacts :mod:`.provenance` accepts count, ordered by their upload time; the others are kept
in :attr:`ArtifactsStore.ignored` with the reason.
"""

from __future__ import annotations

import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Protocol

from ci_agent.backup.archive import CHUNK
from ci_agent.backup.manifest import parse_manifest
from ci_agent.backup.naming import PREFIX, SUFFIX, VERIFIED_SUFFIX, BackupName, format_time
from ci_agent.backup.provenance import Ignored, Provenance, RunReader
from ci_agent.backup.scan import read_manifest_bytes
from ci_agent.backup.stores import Entry, Verification, newest_first
from ci_agent.errors import CiAgentError, fail
from ci_agent.forge.run_protocol import ArtifactStore
from ci_agent.forge.run_types import Artifact

__all__ = ["ArtifactForge", "ArtifactsStore"]


class ArtifactForge(ArtifactStore, RunReader, Protocol):
    """Artifacts and the runs that made them."""


class ArtifactsStore:
    """Backups uploaded as Actions artifacts of the repository by its backup workflow."""

    def __init__(self, forge: ArtifactForge, provenance: Provenance) -> None:
        self.forge = forge
        self.provenance = provenance
        self.where = f"the Actions artifacts of {provenance.origin.facts.full_name}"
        self.ignored: list[Ignored] = []
        self._records: dict[str, list[Artifact]] = {}

    def _entry(self, artifact: Artifact) -> Entry | None:
        """The artifact as a backup, or None (with the reason in ``ignored``)."""
        parsed = BackupName.parse(artifact.name)
        if artifact.expired or parsed is None:
            return None
        problem = self.provenance.problem(artifact, parsed.created_at)
        if problem is not None:
            self.ignored.append(Ignored(artifact.name, problem))
            return None
        digest = artifact.digest[7:] if artifact.digest else None
        return Entry(
            artifact.name,
            parsed,
            artifact.size,
            digest,
            artifact=artifact,
            stored_at=artifact.created_at,
        )

    def entries(self) -> list[Entry]:
        """Unexpired backup artifacts of the backup workflow, newest upload first, with their
        last passed verification (a record counts only from the backup workflow too)."""
        self.ignored = []
        backups: list[Entry] = []
        records: dict[str, list[Artifact]] = {}
        for artifact in self.forge.artifacts():
            if artifact.expired or not artifact.name.startswith(PREFIX):
                continue
            if artifact.name.endswith(SUFFIX + VERIFIED_SUFFIX):
                problem = self.provenance.problem(artifact, None)
                if problem is None:
                    name = artifact.name.removesuffix(VERIFIED_SUFFIX)
                    records.setdefault(name, []).append(artifact)
                else:
                    self.ignored.append(Ignored(artifact.name, problem))
                continue
            entry = self._entry(artifact)
            if entry is not None:
                backups.append(entry)
        self._records = records
        return newest_first([_with_record(entry, records) for entry in backups])

    def latest(self, slug: str) -> Entry | None:
        """The newest backup artifact of ``slug``: GitHub lists newest first, so the listing
        stops at the first one that counts (many other artifacts cost few pages)."""
        for artifact in self.forge.artifacts():
            parsed = BackupName.parse(artifact.name)
            if parsed is None or parsed.slug.lower() != slug.lower():
                continue
            entry = self._entry(artifact)
            if entry is not None:
                return entry
        return None

    def fetch(self, entry: Entry, work: Path) -> Path:
        """Download into ``work`` (digest checked by the forge), unzip a zipped upload, and
        check that its manifest agrees with the run that made it (CA151 when not)."""
        if entry.artifact is None:
            raise fail("CA223", what=entry.name, where=self.where)
        work.mkdir(parents=True, exist_ok=True)
        target = work / entry.name
        download = self.forge.download_artifact(entry.artifact, work / (entry.name + ".download"))
        with download.open("rb") as head:
            zipped = head.read(4) == b"PK\x03\x04"
        if not zipped:
            download.replace(target)
        else:
            try:
                _unzip_one(download, entry.name, target)
            finally:
                download.unlink(missing_ok=True)
        try:
            manifest = parse_manifest(read_manifest_bytes(target), entry.name)
        except CiAgentError:
            return target  # verify reports what is wrong with it, member by member
        problem = self.provenance.manifest_problem(entry.artifact, manifest)
        if problem is not None:
            target.unlink(missing_ok=True)
            raise fail(
                "CA151",
                name=entry.name,
                problem=problem,
                workflow=self.provenance.origin.workflow,
            )
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
