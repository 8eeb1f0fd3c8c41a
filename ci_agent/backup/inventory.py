"""The ``backup list``, ``stats`` and ``prune`` jobs over a directory or Actions artifacts."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Any, Literal

from ci_agent.backup.artifacts import ArtifactsStore
from ci_agent.backup.catalog import describe, prune, statistics, with_manifests
from ci_agent.backup.context import JobContext
from ci_agent.backup.report import listing_markdown, listing_text, prune_text, stats_text
from ci_agent.backup.retention import Policy
from ci_agent.backup.staging import clean_stale, find_stale
from ci_agent.backup.stores import DirectoryStore, Entry, Store
from ci_agent.errors import fail
from ci_agent.outcome import Outcome
from ci_agent.report.value import Report

__all__ = ["SourceName", "list_job", "prune_job", "stats_job"]

SourceName = Literal["dir", "artifacts"]


def _store(
    ctx: JobContext, stack: ExitStack, source: SourceName, folder: Path | None, repo: str | None
) -> Store:
    if source == "artifacts":
        repository = ctx.repository(repo)
        return ctx.artifacts(stack, repository)
    path = ctx.absolute(folder or ctx.default_dir())
    if path.exists() and not path.is_dir():
        raise fail("CA205", path=path, problem="it is a file, not a directory")
    return DirectoryStore(path)


def list_job(
    ctx: JobContext, *, source: SourceName, folder: Path | None, repo: str | None, deep: bool
) -> Outcome:
    """``backup list``: every backup, newest first."""
    with ExitStack() as stack:
        store = _store(ctx, stack, source, folder, repo)
        entries = store.entries()
        if deep:
            entries = with_manifests(store, entries, ctx.term.info)
    items = [describe(entry, entries) for entry in entries]
    notes = []
    if source == "artifacts" and not deep and entries:
        notes.append("record counts need the archives: add --deep to download and read them")
    ignored = _ignored(store)
    notes += [f"not a backup: {item['name']}: {item['reason']}" for item in ignored]
    stale = _stale(store)
    notes += [
        f"left by an interrupted create: {item['path']} ({item['size']} bytes, {item['reason']}); "
        "the next create or prune removes it"
        for item in stale
    ]
    result: dict[str, Any] = {
        "where": store.where,
        "backups": items,
        "ignored": ignored,
        "stale": stale,
        "notes": notes,
    }
    if entries:
        first = entries[0]
        result["latest"] = {
            "name": first.name,
            "run_id": first.artifact.run_id if first.artifact else None,
        }
    text = listing_text(items, store.where, notes)
    return Outcome(
        "backup list",
        result=result,
        text=text,
        markdown=listing_markdown(items, store.where),
        report=Report(f"{len(items)} backup(s) in {store.where}", conclusion="success"),
    )


def _ignored(store: Store) -> list[dict[str, str]]:
    """Artifacts named like backups that do not count, with the reason."""
    if not isinstance(store, ArtifactsStore):
        return []
    return [{"name": item.name, "reason": item.reason} for item in store.ignored]


def _stale(store: Store, *, clean: bool = False, dry_run: bool = True) -> list[dict[str, Any]]:
    """Leftovers of interrupted creates in a directory store (removed when ``clean``)."""
    if not isinstance(store, DirectoryStore):
        return []
    found = clean_stale(store.path, dry_run=dry_run) if clean else find_stale(store.path)
    return [{"path": str(i.path), "size": i.size, "reason": i.reason} for i in found]


def stats_job(
    ctx: JobContext, *, source: SourceName, folder: Path | None, repo: str | None
) -> Outcome:
    """``backup stats``: counts and sizes per kind, chains, verification."""
    with ExitStack() as stack:
        store = _store(ctx, stack, source, folder, repo)
        stats = statistics(store.entries())
    stats["where"] = store.where
    return Outcome(
        "backup stats",
        result=stats,
        text=stats_text(stats, store.where),
        report=Report(f"{stats['count']} backup(s) in {store.where}", conclusion="success"),
    )


def _policy(ctx: JobContext, daily: int | None, weekly: int | None, manual: int | None) -> Policy:
    configured = ctx.settings.config.backup.retention
    return Policy(
        daily=daily if daily is not None else configured.daily,
        weekly=weekly if weekly is not None else configured.weekly,
        manual=manual if manual is not None else configured.manual,
    )


def prune_job(
    ctx: JobContext,
    *,
    source: SourceName,
    folder: Path | None,
    repo: str | None,
    keep_daily: int | None,
    keep_weekly: int | None,
    keep_manual: int | None,
) -> Outcome:
    """``backup prune``: apply the retention policy (``--dry-run`` lists only)."""
    policy = _policy(ctx, keep_daily, keep_weekly, keep_manual)
    dry_run = ctx.settings.dry_run
    with ExitStack() as stack:
        store = _store(ctx, stack, source, folder, repo)
        entries: list[Entry] = store.entries()
        decisions = prune(store, entries, policy, dry_run=dry_run, log=ctx.term.info)
        stale = _stale(store, clean=True, dry_run=dry_run)
    kept = [{"name": d.entry.name, "reasons": list(d.reasons)} for d in decisions if d.keep]
    deleted = [d.entry.name for d in decisions if not d.keep]
    ignored = _ignored(store)
    result = {
        "where": store.where,
        "policy": {"daily": policy.daily, "weekly": policy.weekly, "manual": policy.manual},
        "kept": kept,
        "deleted" if not dry_run else "would_delete": deleted,
        "ignored": ignored,
        "stale_removed" if not dry_run else "stale_would_remove": stale,
        "dry_run": dry_run,
    }
    text = prune_text(kept, deleted, dry_run, stale=stale, ignored=ignored)
    verb = "would delete" if dry_run else "deleted"
    title = f"kept {len(kept)}, {verb} {len(deleted)}"
    report = Report(title, conclusion="success")
    return Outcome("backup prune", result=result, text=text, report=report)
