"""Where backups live: a local directory here, Actions artifacts in :mod:`.artifacts`.

A directory holds ``NAME.tar.gz`` with ``NAME.tar.gz.sha256`` (its digest) and
``NAME.tar.gz.verified.json`` (its last verification). In Actions the archive is an artifact
named after the file (``archive: false``) whose ``digest`` GitHub computed; a passed
verification is uploaded as an artifact ``NAME.tar.gz.verified.json``, so listing artifacts
shows it without downloading anything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Protocol

from ci_agent.atomic import write_bytes_atomically
from ci_agent.backup.archive import digest_file
from ci_agent.backup.manifest import Manifest, parse_manifest
from ci_agent.backup.naming import (
    CHECKSUM_SUFFIX,
    PREFIX,
    SUFFIX,
    VERIFIED_SUFFIX,
    BackupName,
)
from ci_agent.backup.scan import read_manifest_bytes
from ci_agent.errors import CiAgentError, fail
from ci_agent.forge.run_types import Artifact

__all__ = ["DirectoryStore", "Entry", "Store", "Verification", "newest_first"]


@dataclass(frozen=True)
class Verification:
    """The outcome of one verification of a backup."""

    at: str
    ok: bool
    code: str | None = None
    message: str | None = None

    def to_bytes(self, name: str, sha256: str | None) -> bytes:
        """The JSON of a ``.verified.json`` record."""
        data = {"name": name, "sha256": sha256, "verified_at": self.at, "ok": self.ok}
        if not self.ok:
            data |= {"code": self.code, "message": self.message}
        return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> Verification | None:
        """Parse a record; None when it is unreadable."""
        try:
            raw = json.loads(data)
            return cls(
                str(raw["verified_at"]), bool(raw["ok"]), raw.get("code"), raw.get("message")
            )
        except (ValueError, KeyError, TypeError):
            return None


@dataclass(frozen=True)
class Entry:
    """One backup in a store."""

    name: str
    parsed: BackupName
    size: int
    sha256: str | None
    verification: Verification | None = None
    manifest: Manifest | None = None
    problem: str | None = None  # why the manifest could not be read
    path: Path | None = None
    artifact: Artifact | None = None
    stored_at: datetime | None = None  # an artifact's upload time, by GitHub's clock

    @property
    def created_at(self) -> datetime:
        """When the backup was made (from its name)."""
        return self.parsed.created_at

    @property
    def order(self) -> datetime:
        """What "newest" means: an artifact's upload time (a name can say anything), else the
        time in the name."""
        return self.stored_at or self.created_at

    @property
    def verified_ok(self) -> bool:
        """Whether its last verification passed."""
        return self.verification is not None and self.verification.ok


class Store(Protocol):
    """A place that holds backups."""

    where: str

    def entries(self) -> list[Entry]:
        """The backups, newest first."""

    def latest(self, slug: str) -> Entry | None:
        """The newest backup whose name carries ``slug``, reading no more than needed."""

    def fetch(self, entry: Entry, work: Path) -> Path:
        """A local path to the archive, its digest checked (CA503 on a mismatch)."""

    def delete(self, entry: Entry) -> None:
        """Delete the backup and its records."""


def newest_first(entries: list[Entry]) -> list[Entry]:
    """Entries sorted newest first (by :attr:`Entry.order`, then by name)."""
    return sorted(entries, key=lambda e: (e.order, e.name), reverse=True)


class DirectoryStore:
    """Backups in a local directory."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = str(path)

    def entries(self) -> list[Entry]:
        """Every ``ci-agent-backup-*.tar.gz`` with a well-formed name, newest first."""
        if not self.path.is_dir():
            return []
        found = []
        for path in self.path.glob(f"{PREFIX}*{SUFFIX}"):
            parsed = BackupName.parse(path.name)
            if parsed is None or not path.is_file():
                continue
            entry = Entry(path.name, parsed, path.stat().st_size, _sidecar_digest(path), path=path)
            record = path.with_name(path.name + VERIFIED_SUFFIX)
            if record.is_file():
                entry = replace(entry, verification=Verification.from_bytes(record.read_bytes()))
            try:
                manifest = parse_manifest(read_manifest_bytes(path), path.name)
                entry = replace(entry, manifest=manifest)
            except CiAgentError as exc:
                entry = replace(entry, problem=f"{exc.code}: {exc.message}")
            found.append(entry)
        return newest_first(found)

    def latest(self, slug: str) -> Entry | None:
        """The newest backup of the repository ``slug`` names."""
        return next((e for e in self.entries() if e.parsed.slug.lower() == slug.lower()), None)

    def fetch(self, entry: Entry, work: Path) -> Path:
        """The archive itself, after checking it against its ``.sha256`` file."""
        path = entry.path or self.path / entry.name
        if entry.sha256 is not None:
            actual = digest_file(path).sha256
            if actual != entry.sha256:
                raise fail("CA503", file=path, expected=entry.sha256, actual=actual)
        return path

    def delete(self, entry: Entry) -> None:
        """Remove the archive, its digest and its verification record."""
        path = entry.path or self.path / entry.name
        for suffix in ("", CHECKSUM_SUFFIX, VERIFIED_SUFFIX):
            path.with_name(path.name + suffix).unlink(missing_ok=True)

    def record(self, path: Path, verification: Verification, sha256: str | None) -> Path:
        """Write ``NAME.tar.gz.verified.json`` beside the archive."""
        target = path.with_name(path.name + VERIFIED_SUFFIX)
        write_bytes_atomically(target, verification.to_bytes(path.name, sha256))
        return target


def _sidecar_digest(path: Path) -> str | None:
    sidecar = path.with_name(path.name + CHECKSUM_SUFFIX)
    try:
        words = sidecar.read_text(encoding="utf-8").split()
    except (OSError, UnicodeDecodeError):
        return None
    return words[0].lower() if words and len(words[0]) == 64 else None
