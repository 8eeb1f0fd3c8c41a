"""What a backup holds beyond the listings of :mod:`.metadata`: issue events and release asset
files (python-github-backup's coverage), each incremental where GitHub allows it.

- ``meta/issue_events.jsonl``: every issue and pull-request event of the repository
  (``labeled``, ``closed``, ``merged``, ``referenced``, ...). The listing is newest first with
  no ``since`` parameter, so an incremental backup stops at the first event older than the
  previous backup's newest (events never change). Per-issue timelines are not fetched: one
  request per issue, and the events listing holds the same events.
- ``assets/<id>``: release asset files, streamed to disk, with ``meta/release_assets.jsonl``
  saying for each asset of each release its file, size and SHA-256, or why it was left out
  (larger than ``backup.release-asset-max-bytes``, or past ``backup.release-assets-max-total``),
  with the URL where the whole file is. An incremental backup lists only assets updated after
  the newest one the previous backup listed (assets are uploaded once; an edit of the name or
  label updates them).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from ci_agent.backup.metadata import jsonl_line, resource_file
from ci_agent.backup.naming import format_time, parse_time
from ci_agent.forge.run_types import Record

__all__ = [
    "ASSETS_DIR",
    "AssetPolicy",
    "Coverage",
    "Exported",
    "ExtrasSource",
    "export_assets",
    "export_events",
]

ASSETS_DIR = "assets"


class ExtrasSource(Protocol):
    """Issue events and release asset bytes."""

    def issue_events(self, since: datetime | None = None) -> Iterator[Record]:
        """Events, newest first, down to ``since``."""

    def download_release_asset(self, asset_id: int, dest: Path) -> tuple[int, str]:
        """An asset's bytes into ``dest``; size and SHA-256 hex."""


@dataclass(frozen=True)
class AssetPolicy:
    """Whether release asset files are backed up, and the caps."""

    include: bool = False
    max_bytes: int = 100 << 20
    max_total: int = 1 << 30


@dataclass(frozen=True)
class Coverage:
    """What a backup covers beyond git refs and the listings (``backup.*`` in the config)."""

    issue_events: bool = True
    assets: AssetPolicy = AssetPolicy()
    wiki: bool = True
    pull_refs: bool = False


@dataclass
class Exported:
    """Records written, the watermark for the next backup, and notes on what was cut."""

    count: int = 0
    watermark: str | None = None
    notes: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def _later(current: str | None, stamp: Any) -> str | None:
    if not isinstance(stamp, str):
        return current
    try:
        seen = format_time(parse_time(stamp))
    except ValueError:
        return current
    return seen if current is None or seen > current else current


def export_events(source: ExtrasSource, root: Path, since: str | None) -> Exported:
    """``meta/issue_events.jsonl``: events newer than or at ``since`` (all when None)."""
    out = Exported(watermark=since)
    moment = parse_time(since) if since else None
    path = root / resource_file("issue_events")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        for event in source.issue_events(moment):
            handle.write(jsonl_line(event))
            out.count += 1
            out.watermark = _later(out.watermark, event.get("created_at"))
    return out


def _assets(releases: Path) -> Iterator[tuple[Record, Record]]:
    """(release, asset) pairs from ``meta/releases.jsonl``."""
    with releases.open("rb") as lines:
        for line in lines:
            release = json.loads(line)
            for asset in release.get("assets") or ():
                if isinstance(asset, dict) and isinstance(asset.get("id"), int):
                    yield release, asset


def _entry(release: Record, asset: Record, **extra: Any) -> dict[str, Any]:
    return {
        "id": asset["id"],
        "release_id": release.get("id"),
        "tag_name": release.get("tag_name"),
        "name": asset.get("name"),
        "size": asset.get("size"),
        "updated_at": asset.get("updated_at"),
        "url": asset.get("browser_download_url"),
        **extra,
    }


def export_assets(
    source: ExtrasSource, root: Path, policy: AssetPolicy, since: str | None
) -> Exported:
    """Download the assets listed in ``meta/releases.jsonl`` under the caps; the index
    ``meta/release_assets.jsonl`` says what each asset became."""
    out = Exported(watermark=since)
    releases = root / resource_file("releases")
    if not policy.include or not releases.is_file():
        return out
    total = 0
    too_big: list[str] = []
    over_total: list[str] = []
    damaged: list[str] = []
    index = root / resource_file("release_assets")
    with index.open("wb") as handle:
        for release, asset in _assets(releases):
            size = int(asset.get("size") or 0)
            updated = asset.get("updated_at")
            if since and isinstance(updated, str) and format_time(parse_time(updated)) <= since:
                continue  # listed by an earlier backup of the chain, which holds it
            record = _entry(release, asset)
            out.watermark = _later(out.watermark, updated)
            if size > policy.max_bytes:
                record["skipped"] = f"larger than {policy.max_bytes} bytes"
                too_big.append(f"{asset.get('name')} ({size} bytes)")
            elif total + size > policy.max_total:
                record["skipped"] = f"past the {policy.max_total} bytes of assets per backup"
                over_total.append(f"{asset.get('name')} ({size} bytes)")
            else:
                member = f"{ASSETS_DIR}/{asset['id']}"
                got, sha = _download(source, root, asset, member)
                problem = _mismatch(asset, got, sha)
                if problem is None:
                    total += got
                    record |= {"file": member, "sha256": sha, "size": got}
                    out.files.append(member)
                else:  # kept out of the backup: it is not the file GitHub describes
                    (root / member).unlink()
                    record["skipped"] = problem
                    damaged.append(f"{asset.get('name')}: {problem}")
            handle.write(jsonl_line(record))
            out.count += 1
    if too_big:
        out.notes.append(
            f"release assets: {len(too_big)} larger than backup.release-asset-max-bytes "
            f"({policy.max_bytes}) left out: {', '.join(too_big[:5])}; their URLs are in "
            "meta/release_assets.jsonl"
        )
    if damaged:
        out.notes.append(f"release assets left out as damaged: {'; '.join(damaged[:5])}")
    if over_total:
        out.notes.append(
            f"release assets: {len(over_total)} left out past backup.release-assets-max-total "
            f"({policy.max_total}): {', '.join(over_total[:5])}; their URLs are in "
            "meta/release_assets.jsonl"
        )
    return out


def _download(source: ExtrasSource, root: Path, asset: Record, member: str) -> tuple[int, str]:
    """Stream one asset into ``member``; its size and SHA-256."""
    dest = root / member
    dest.parent.mkdir(parents=True, exist_ok=True)
    return source.download_release_asset(int(asset["id"]), dest)


def _mismatch(asset: Record, size: int, sha: str) -> str | None:
    """How the downloaded bytes disagree with GitHub's listing (None: they agree)."""
    digest = asset.get("digest")
    if isinstance(digest, str) and digest.startswith("sha256:") and digest[7:].lower() != sha:
        return f"its bytes do not match GitHub's digest (expected {digest[7:]}, got {sha})"
    if asset.get("size") is not None and int(asset["size"]) != size:
        return f"{size} bytes were served, GitHub lists {asset['size']}"
    return None
