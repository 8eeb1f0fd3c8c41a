"""The backup an incremental one builds on: the newest backup of the same repository, found in
a directory or among the Actions artifacts, its digest checked before it is trusted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ci_agent.backup.archive import digest_file
from ci_agent.backup.manifest import Link, Manifest, parse_manifest
from ci_agent.backup.naming import BackupName
from ci_agent.backup.scan import read_manifest_bytes
from ci_agent.backup.stores import Store

__all__ = ["MAX_CHAIN", "Previous", "find_previous"]

# An incremental chain longer than this is cut with a full backup, whatever was asked: a
# long chain is slow to restore and breaks as a whole when one link is lost.
MAX_CHAIN = 31


@dataclass(frozen=True)
class Previous:
    """A backup to build on: its manifest, archive digest and where it was found."""

    manifest: Manifest
    sha256: str
    where: str

    @property
    def link(self) -> Link:
        """The link a new incremental backup records for it."""
        return Link(
            name=self.manifest.name, sha256=self.sha256, created_at=self.manifest.created_at
        )

    @property
    def chain(self) -> tuple[Link, ...]:
        """The chain of a backup built on this one."""
        return (*self.manifest.chain, self.link)


def find_previous(stores: Sequence[Store], repository: str, work: Path) -> Previous | None:
    """The newest backup of ``repository`` in the first store that has one."""
    slug = BackupName.for_repository(repository, datetime.now(UTC), "manual", "full").slug
    for store in stores:
        newest = store.latest(slug)
        if newest is None:
            continue
        path = store.fetch(newest, work)  # CA503 when it does not match its digest
        manifest = parse_manifest(read_manifest_bytes(path), newest.name)
        if manifest.repository.lower() != repository.lower():
            continue  # another repository whose name makes the same slug
        sha = newest.sha256 or digest_file(path).sha256
        return Previous(manifest, sha, store.where)
    return None
