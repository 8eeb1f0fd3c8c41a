"""``backup list``, ``stats`` and ``prune`` over a store (a directory or Actions artifacts)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from ci_agent.backup.manifest import parse_manifest
from ci_agent.backup.naming import KINDS, format_time
from ci_agent.backup.retention import Decision, Policy, ancestors, decide
from ci_agent.backup.scan import read_manifest_bytes
from ci_agent.backup.stores import Entry, Store
from ci_agent.errors import CiAgentError

__all__ = ["describe", "prune", "statistics", "with_manifests"]

Log = Callable[[str], None]


def describe(entry: Entry, entries: Sequence[Entry] = ()) -> dict[str, Any]:
    """One backup as JSON: name, kind, created, size, counts, digest, last verification."""
    manifest = entry.manifest
    verification = entry.verification
    chain = [link.name for link in manifest.chain] if manifest else ancestors(entry, entries)
    return {
        "name": entry.name,
        "kind": entry.parsed.kind,
        "mode": entry.parsed.mode,
        "created_at": format_time(entry.created_at),
        "uploaded_at": format_time(entry.stored_at) if entry.stored_at else None,
        "size": entry.size,
        "sha256": entry.sha256,
        "counts": dict(manifest.metadata.counts) if manifest else None,
        "refs": len(manifest.git.refs) if manifest else None,
        "builds_on": chain,
        "last_verification": None
        if verification is None
        else {"at": verification.at, "ok": verification.ok, "code": verification.code},
        "problem": entry.problem,
        "location": str(entry.path)
        if entry.path
        else (f"artifact {entry.artifact.id}" if entry.artifact else None),
    }


def with_manifests(store: Store, entries: Sequence[Entry], log: Log) -> list[Entry]:
    """Entries with their manifests, downloading each archive that lacks one (then deleting it)."""
    out = []
    work = Path(tempfile.mkdtemp(prefix="ci-agent-list-"))
    try:
        for entry in entries:
            if entry.manifest is not None:
                out.append(entry)
                continue
            log(f"reading the manifest of {entry.name}")
            try:
                path = store.fetch(entry, work)
                manifest = parse_manifest(read_manifest_bytes(path), entry.name)
                path.unlink(missing_ok=True)
                out.append(replace(entry, manifest=manifest))
            except CiAgentError as exc:
                out.append(replace(entry, problem=f"{exc.code}: {exc.message}"))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out


def _broken(entry: Entry, names: set[str], entries: Sequence[Entry]) -> bool:
    return entry.problem is not None or any(n not in names for n in ancestors(entry, entries))


def statistics(entries: Sequence[Entry]) -> dict[str, Any]:
    """Counts and sizes per kind, chains, verification, broken backups."""
    names = {e.name for e in entries}
    verified = [e for e in entries if e.verified_ok]
    stamps = [e.verification.at for e in entries if e.verification is not None]
    by_kind = {
        kind: {
            "count": sum(1 for e in entries if e.parsed.kind == kind),
            "size": sum(e.size for e in entries if e.parsed.kind == kind),
        }
        for kind in KINDS
    }
    return {
        "count": len(entries),
        "total_size": sum(e.size for e in entries),
        "by_kind": by_kind,
        "full": sum(1 for e in entries if e.parsed.mode == "full"),
        "incremental": sum(1 for e in entries if e.parsed.mode == "incremental"),
        "longest_chain": max((len(ancestors(e, entries)) + 1 for e in entries), default=0),
        "newest": format_time(entries[0].created_at) if entries else None,
        "oldest": format_time(entries[-1].created_at) if entries else None,
        "verified": len(verified),
        "newest_verified": verified[0].name if verified else None,
        "last_verification": max(stamps) if stamps else None,
        "broken": [e.name for e in entries if _broken(e, names, entries)],
    }


def prune(
    store: Store, entries: Sequence[Entry], policy: Policy, *, dry_run: bool, log: Log
) -> list[Decision]:
    """Delete what the policy does not keep (nothing with ``dry_run``); the decisions."""
    decisions = decide(entries, policy)
    for decision in decisions:
        if decision.keep:
            continue
        if dry_run:
            log(f"would delete {decision.entry.name}")
        else:
            log(f"deleting {decision.entry.name}")
            store.delete(decision.entry)
    return decisions
