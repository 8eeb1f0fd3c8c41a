"""Which backups ``prune`` keeps: a pure function of the backups and the policy.

Kept: the newest N of each kind (daily 7, weekly 4; manual all unless a number is given), the
newest backup, the newest *verified* backup, and every backup a kept incremental one builds
on. The chain comes from the manifest when it was read; for artifacts (listed by name only)
an incremental backup is taken to build on everything back to the newest full backup older
than it — a superset of its real chain, because ``create`` always builds on the newest backup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ci_agent.backup.naming import KINDS, Kind
from ci_agent.backup.stores import Entry

__all__ = ["Decision", "Policy", "ancestors", "decide"]


@dataclass(frozen=True)
class Policy:
    """How many backups of each kind to keep; None keeps all of that kind."""

    daily: int | None = 7
    weekly: int | None = 4
    manual: int | None = None

    def limit(self, kind: Kind) -> int | None:
        """The limit for ``kind``."""
        limits: dict[Kind, int | None] = {
            "daily": self.daily,
            "weekly": self.weekly,
            "manual": self.manual,
        }
        return limits[kind]


@dataclass(frozen=True)
class Decision:
    """Keep or delete one backup, and why it is kept."""

    entry: Entry
    keep: bool
    reasons: tuple[str, ...] = ()


def ancestors(entry: Entry, entries: Sequence[Entry]) -> list[str]:
    """Names of the backups ``entry`` builds on (``entries`` newest first)."""
    if entry.parsed.mode == "full":
        return []
    if entry.manifest is not None:
        return [link.name for link in entry.manifest.chain]
    names = []
    for older in entries:
        if older.order >= entry.order:
            continue
        names.append(older.name)
        if older.parsed.mode == "full":
            break
    return names


def decide(entries: Sequence[Entry], policy: Policy) -> list[Decision]:
    """A decision for each entry (``entries`` newest first), in the same order."""
    reasons: dict[str, list[str]] = {}

    def keep(entry_name: str, why: str) -> None:
        known = reasons.setdefault(entry_name, [])
        if why not in known:
            known.append(why)

    for kind in KINDS:
        of_kind = [e for e in entries if e.parsed.kind == kind]
        limit = policy.limit(kind)
        for entry in of_kind if limit is None else of_kind[:limit]:
            keep(entry.name, f"{kind}: all kept" if limit is None else f"newest {limit} {kind}")
    if entries:
        keep(entries[0].name, "newest backup")
    verified = next((e for e in entries if e.verified_ok), None)
    if verified is not None:
        keep(verified.name, "newest verified backup")
    for entry in entries:
        if entry.name in reasons:
            for name in ancestors(entry, entries):
                keep(name, "part of a kept backup's chain")
    return [Decision(e, e.name in reasons, tuple(reasons.get(e.name, ()))) for e in entries]
