"""Restoring the metadata of a chain: one JSONL file per resource, newest record of each id.

Releases, labels and milestones are listed whole by every backup, so the newest backup's file
is the truth (deletions included). The others are merged by ``id``: newest backup first, and
inside a file the last line of an id wins (a record updated while it was being listed appears
twice). Only ids are kept in memory, never records. Deleted issues and comments cannot be seen
by an incremental listing; the next full backup drops them.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ci_agent.backup.metadata import RESOURCES, WHOLE, resource_file

__all__ = ["merge_assets", "merge_chain"]


def _key(line: bytes, where: tuple[int, int]) -> Any:
    """A record's ``id``; a record without one is its own key (file, line)."""
    record = json.loads(line)
    key = record.get("id") if isinstance(record, dict) else None
    return key if isinstance(key, int | str) else ("line", *where)


def _merge(paths: Sequence[Path], dest: Path) -> int:
    """Records of ``paths`` (newest first) into ``dest``, the newest of each id; their count."""
    seen: set[Any] = set()
    written = 0
    with dest.open("wb") as out:
        for index, path in enumerate(paths):
            last: dict[Any, int] = {}
            with path.open("rb") as lines:
                for number, line in enumerate(lines):
                    last[(index, _key(line, (index, number)))] = number
            with path.open("rb") as lines:
                for number, line in enumerate(lines):
                    key = _key(line, (index, number))
                    if last[(index, key)] == number and key not in seen:
                        out.write(line)
                        written += 1
            seen.update(key for _, key in last)
    return written


def merge_chain(roots: Sequence[Path], dest: Path) -> dict[str, int]:
    """Merge ``meta/`` of extracted backups (oldest first) into ``dest/meta``; counts."""
    (dest / "meta").mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for resource in RESOURCES:
        member = resource_file(resource)
        present = [root / member for root in reversed(roots) if (root / member).is_file()]
        if not present:
            continue
        target = dest / member
        if resource in WHOLE:
            shutil.copyfile(present[0], target)
            with target.open("rb") as lines:
                counts[resource] = sum(1 for _ in lines)
        else:
            counts[resource] = _merge(present, target)
    return counts


def merge_assets(roots: Sequence[Path], dest: Path) -> int:
    """Release asset files of the chain (oldest first) into ``dest/assets``; how many."""
    copied: set[str] = set()
    for root in roots:
        folder = root / "assets"
        if not folder.is_dir():
            continue
        (dest / "assets").mkdir(parents=True, exist_ok=True)
        for path in sorted(folder.iterdir()):
            if path.is_file():
                shutil.copyfile(path, dest / "assets" / path.name)  # a newer copy wins
                copied.add(path.name)
    return len(copied)
