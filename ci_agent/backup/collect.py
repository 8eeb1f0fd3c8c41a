"""The GitHub side of one backup: the listings (:mod:`.metadata`), then issue events and
release assets (:mod:`.coverage`), into ``meta/`` and ``assets/``, with the watermarks the
next incremental backup starts from and a note for everything left out."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol

from ci_agent.backup.coverage import Coverage, ExtrasSource, export_assets, export_events
from ci_agent.backup.manifest import MetaPart
from ci_agent.backup.metadata import export_metadata
from ci_agent.backup.remotes import GitAccess
from ci_agent.forge.run_protocol import ArchiveReader

__all__ = ["MetadataSource", "collect_metadata"]

Log = Callable[[str], None]


class MetadataSource(ArchiveReader, ExtrasSource, GitAccess, Protocol):
    """Everything the GitHub side of a backup reads."""


def collect_metadata(
    reader: MetadataSource,
    root: Path,
    since: Mapping[str, str | None],
    coverage: Coverage,
    log: Log,
) -> tuple[MetaPart, list[str]]:
    """Write the metadata under ``root``; the manifest's part and the notes to show."""
    exported = export_metadata(reader, root, since, log)
    counts, watermarks = dict(exported.counts), dict(exported.watermarks)
    notes = [f"{r}: {why}" for r, why in sorted(exported.unavailable.items())]
    if coverage.issue_events:
        events = export_events(reader, root, since.get("issue_events"))
        counts["issue_events"], watermarks["issue_events"] = events.count, events.watermark
        log(f"issue_events: {events.count} record(s)")
    assets = export_assets(reader, root, coverage.assets, since.get("release_assets"))
    if coverage.assets.include:
        counts["release_assets"] = assets.count
        watermarks["release_assets"] = assets.watermark
        log(f"release assets: {len(assets.files)} file(s) of {assets.count} listed")
    notes += assets.notes
    part = MetaPart(
        counts=counts,
        unavailable=exported.unavailable,
        since=dict(since),
        watermarks=watermarks,
        notes=tuple(notes),
    )
    return part, notes
