"""prune's policy: newest N per kind, manual kept, the newest verified backup and every chain
a kept backup needs are never deleted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ci_agent.backup.manifest import FileEntry, GitPart, Link, Manifest, MetaPart
from ci_agent.backup.naming import BackupName, Kind, Mode
from ci_agent.backup.retention import Policy, ancestors, decide
from ci_agent.backup.stores import Entry, Verification

START = datetime(2026, 1, 1, tzinfo=UTC)


def entry(day: int, kind: Kind, mode: Mode, *, verified: bool = False) -> Entry:
    parsed = BackupName.for_repository("acme/widgets", START + timedelta(days=day), kind, mode)
    check = Verification("2026-02-01T00:00:00Z", True) if verified else None
    return Entry(parsed.file_name, parsed, 10, "ab" * 32, verification=check)


def newest_first(*entries: Entry) -> list[Entry]:
    return sorted(entries, key=lambda e: e.created_at, reverse=True)


def kept(entries: list[Entry], policy: Policy) -> list[int]:
    return [
        (e.created_at - START).days
        for e, d in zip(entries, decide(entries, policy), strict=True)
        if d.keep
    ]


def test_newest_n_of_each_kind_and_all_manual() -> None:
    entries = newest_first(
        *(entry(day, "weekly", "full") for day in (0, 7, 14, 21, 28, 35)),
        *(entry(day, "manual", "full") for day in (3, 30)),
    )
    assert kept(entries, Policy(daily=7, weekly=4)) == [35, 30, 28, 21, 14, 3]
    assert kept(entries, Policy(weekly=2, manual=1)) == [35, 30, 28]
    assert kept(entries, Policy(weekly=None)) == [35, 30, 28, 21, 14, 7, 3, 0]


def test_a_kept_incremental_keeps_its_chain() -> None:
    # weekly full on day 0, dailies 1..6 build on it; keep only 1 daily and 0 weekly... but the
    # newest daily needs everything back to the full one.
    entries = newest_first(
        entry(0, "weekly", "full"), *(entry(d, "daily", "incremental") for d in range(1, 7))
    )
    decisions = decide(entries, Policy(daily=1, weekly=1))
    assert all(d.keep for d in decisions)
    assert "part of a kept backup's chain" in decisions[-1].reasons


def test_chains_end_at_the_newest_older_full_backup() -> None:
    entries = newest_first(
        entry(0, "weekly", "full"),
        entry(1, "daily", "incremental"),
        entry(7, "weekly", "full"),
        entry(8, "daily", "incremental"),
        entry(9, "daily", "incremental"),
    )
    assert kept(entries, Policy(daily=1, weekly=1)) == [9, 8, 7]
    newest = entries[0]
    assert ancestors(newest, entries) == [entries[1].name, entries[2].name]


def test_the_manifest_chain_wins_over_inference() -> None:
    base = entry(0, "manual", "full")
    other = entry(1, "daily", "incremental")
    link = Link(name=base.name, sha256="ab" * 32, created_at="2026-01-01T00:00:00Z")
    top = entry(2, "daily", "incremental")
    manifest = Manifest(
        tool={},
        name=top.name,
        repository="acme/widgets",
        created_at="2026-01-03T00:00:00Z",
        kind="daily",
        mode="incremental",
        previous=link,
        chain=(link,),
        git=GitPart(),
        metadata=MetaPart(),
        files={"x": FileEntry(sha256="ab" * 32, size=1)},
    )
    top = Entry(top.name, top.parsed, 1, None, manifest=manifest)
    assert ancestors(top, newest_first(base, other, top)) == [base.name]


def test_the_newest_verified_backup_is_never_deleted() -> None:
    entries = newest_first(
        entry(0, "weekly", "full", verified=True),
        *(entry(d, "weekly", "full") for d in range(1, 4)),
    )
    decisions = decide(entries, Policy(weekly=1))
    assert [d.keep for d in decisions] == [True, False, False, True]
    assert decisions[-1].reasons == ("newest verified backup",)


def test_nothing_to_decide() -> None:
    assert decide([], Policy()) == []
