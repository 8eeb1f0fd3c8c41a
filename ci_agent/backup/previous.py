"""The backup an incremental one builds on: the newest backup of the same repository, found in
a directory or among the Actions artifacts, its digest checked before it is trusted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ci_agent.backup.archive import digest_file
from ci_agent.backup.manifest import Identity, Link, Manifest, parse_manifest
from ci_agent.backup.naming import BackupName
from ci_agent.backup.scan import read_manifest_bytes
from ci_agent.backup.stores import Store

__all__ = ["MAX_CHAIN", "Previous", "find_previous", "same_repository"]

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


def same_repository(manifest: Manifest, identity: Identity) -> bool:
    """Whether ``manifest`` is a backup of the repository ``identity`` names (a backup made
    before identities were recorded counts only by its GitHub name)."""
    if manifest.identity is not None:
        return manifest.identity.same(identity)
    return identity.github is not None and manifest.repository.lower() == identity.github.lower()


def find_previous(
    stores: Sequence[Store], repository: str, identity: Identity, work: Path
) -> Previous | None:
    """The newest backup of the repository ``identity`` names, in the first store that has
    one (a name alone proves nothing: another repository in a directory of the same name
    makes the same slug)."""
    slug = BackupName.for_repository(repository, datetime.now(UTC), "manual", "full").slug
    for store in stores:
        newest = store.latest(slug)
        if newest is None:
            continue
        path = store.fetch(newest, work)  # CA503 when it does not match its digest
        manifest = parse_manifest(read_manifest_bytes(path), newest.name)
        if not same_repository(manifest, identity):
            continue
        sha = newest.sha256 or digest_file(path).sha256
        return Previous(manifest, sha, store.where)
    return None
