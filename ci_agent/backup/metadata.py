"""GitHub metadata as JSONL through the forge's :class:`ArchiveReader`, page by page.

One file per resource under ``meta/``, one record a line (GitHub's JSON with sorted keys). The
listings that GitHub filters by ``updated_at`` (issues, issue comments, review comments, and
pull requests, which the forge stops at the first older one) start from the previous backup's
watermark; reviews are fetched for the pull requests listed; releases, labels and milestones
are small and always listed whole. Records stream to disk, so memory stays flat.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ci_agent.backup.naming import format_time, parse_time
from ci_agent.errors import CiAgentError
from ci_agent.forge.run_protocol import ArchiveReader
from ci_agent.forge.run_types import ArchiveKind, Record

__all__ = [
    "INCREMENTAL",
    "LISTINGS",
    "RESOURCES",
    "WHOLE",
    "Exported",
    "export_metadata",
    "jsonl_line",
    "resource_file",
]

# resource -> the listing it comes from (reviews come per pull request).
LISTINGS: dict[str, ArchiveKind] = {
    "issues": ArchiveKind.ISSUES,
    "issue_comments": ArchiveKind.ISSUE_COMMENTS,
    "pulls": ArchiveKind.PULLS,
    "review_comments": ArchiveKind.REVIEW_COMMENTS,
    "releases": ArchiveKind.RELEASES,
    "labels": ArchiveKind.LABELS,
    "milestones": ArchiveKind.MILESTONES,
}
RESOURCES = (*LISTINGS, "reviews", "issue_events", "release_assets")
INCREMENTAL = frozenset(
    {"issues", "issue_comments", "pulls", "review_comments", "reviews", "issue_events"}
    | {"release_assets"}
)
WHOLE = frozenset(RESOURCES) - INCREMENTAL
_ISSUE_SIDE = frozenset({"issues", "issue_comments"})
Log = Callable[[str], None]


def resource_file(resource: str) -> str:
    """The member name of a resource, e.g. ``meta/issues.jsonl``."""
    return f"meta/{resource}.jsonl"


def jsonl_line(record: Record) -> bytes:
    """One record as a canonical JSON line (UTF-8; ``\\u`` escapes only for lone surrogates,
    which GitHub's JSON can carry and UTF-8 cannot)."""
    text = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    try:
        return text.encode("utf-8") + b"\n"
    except UnicodeEncodeError:
        escaped = json.dumps(record, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
        return escaped.encode("ascii") + b"\n"


@dataclass
class Exported:
    """What was exported: records per resource, watermarks, and what could not be had."""

    counts: dict[str, int] = field(default_factory=dict)
    watermarks: dict[str, str | None] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)


def _issues_disabled(exc: CiAgentError) -> bool:
    return exc.code == "CA305" and exc.context.get("status") == 410


def _newest(current: str | None, record: Record) -> str | None:
    stamp = record.get("updated_at")
    if not isinstance(stamp, str):
        return current
    try:
        seen = format_time(parse_time(stamp))
    except ValueError:
        return current
    return seen if current is None or seen > current else current


def export_metadata(
    reader: ArchiveReader,
    root: Path,
    since: Mapping[str, str | None],
    log: Log = lambda _: None,
) -> Exported:
    """Write ``meta/*.jsonl`` under ``root``; ``since`` maps a resource to its watermark."""
    out = Exported()
    (root / "meta").mkdir(parents=True, exist_ok=True)
    pulls: list[int] = []
    for resource, kind in LISTINGS.items():
        mark = since.get(resource) if resource in INCREMENTAL else None
        moment = parse_time(mark) if mark else None
        records = reader.listing(kind, moment)
        if resource == "pulls":
            records = _remember(records, pulls)
        try:
            count, newest = _write(root / resource_file(resource), records)
        except CiAgentError as exc:
            if not (resource in _ISSUE_SIDE and _issues_disabled(exc)):
                raise
            (root / resource_file(resource)).unlink(missing_ok=True)
            out.unavailable[resource] = "issues are disabled for the repository (GitHub: 410)"
            log(f"{resource}: skipped, issues are disabled for the repository")
            continue
        out.counts[resource] = count
        out.files.append(resource_file(resource))
        if resource in INCREMENTAL:
            out.watermarks[resource] = newest or mark
        log(f"{resource}: {count} record(s)" + (f" updated since {mark}" if mark else ""))
    numbers = list(dict.fromkeys(pulls))  # a pull request updated while listed comes twice
    reviews = (review for number in numbers for review in reader.reviews(number))
    count, _ = _write(root / resource_file("reviews"), reviews)
    out.counts["reviews"] = count
    out.files.append(resource_file("reviews"))
    out.watermarks["reviews"] = out.watermarks.get("pulls")
    log(f"reviews: {count} record(s) of {len(numbers)} pull request(s)")
    return out


def _remember(records: Iterator[Record], numbers: list[int]) -> Iterator[Record]:
    for record in records:
        number = record.get("number")
        if isinstance(number, int):
            numbers.append(number)
        yield record


def _write(path: Path, records: Iterator[Any]) -> tuple[int, str | None]:
    """Stream records into ``path``; their count and the newest ``updated_at``."""
    count, newest = 0, None
    with path.open("wb") as out:
        for record in records:
            out.write(jsonl_line(record))
            count += 1
            newest = _newest(newest, record)
    return count, newest
