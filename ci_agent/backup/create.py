"""``backup create``: plan (what kind, full or incremental, on top of what), then build.

Everything is staged in a marked hidden directory inside ``--out`` (the temporary archive
too) and the archive is renamed into place; the staging directory is removed whatever happens,
so a failure, a full disk, Ctrl-C or SIGTERM leaves no partial backup behind, and what a
killed create left is removed by the next one (:mod:`.staging`). ``created_at`` is an input
(``--created-at``, ``SOURCE_DATE_EPOCH``, else the clock): the archive bytes depend only on it
and the data.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

from ci_agent import __version__
from ci_agent.atomic import write_bytes_atomically
from ci_agent.backup import gitdata
from ci_agent.backup.archive import digest_file, disk_errors, write_archive
from ci_agent.backup.collect import MetadataSource, collect_metadata
from ci_agent.backup.coverage import Coverage
from ci_agent.backup.gitpart import repo_part, wiki_part
from ci_agent.backup.manifest import (
    MANIFEST,
    SUMS,
    Identity,
    Manifest,
    MetaPart,
    render_sums,
)
from ci_agent.backup.naming import CHECKSUM_SUFFIX, BackupName, Kind, Mode, format_time
from ci_agent.backup.previous import MAX_CHAIN, Previous, find_previous
from ci_agent.backup.staging import Stale, clean_stale, make_stage
from ci_agent.backup.stores import Store
from ci_agent.errors import CiAgentError, fail
from ci_agent.forge.local import LocalRepository
from ci_agent.metrics import Metrics

__all__ = ["Created", "Plan", "Request", "build", "plan"]

Log = Callable[[str], None]
Progress = Callable[[int], None]
ProgressBar = Callable[[int], AbstractContextManager[Progress]]
Wanted = Literal["auto", "full", "incremental"]


@dataclass(frozen=True)
class Request:
    """What the user asked for."""

    path: Path
    out: Path
    kind: Kind
    wanted: Wanted
    created_at: datetime
    level: int = 6
    repository: str | None = None  # owner/name on GitHub; None: metadata is skipped
    skip_reason: str | None = None  # why metadata is skipped (no token, --no-metadata)
    coverage: Coverage = field(default_factory=Coverage)


@dataclass
class Plan:
    """What ``build`` will do."""

    request: Request
    repo: LocalRepository
    repository: str
    snapshot: gitdata.RepoSnapshot
    mode: Mode
    previous: Previous | None
    identity: Identity
    notes: list[str] = field(default_factory=list)
    stale: list[Stale] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The archive's file name."""
        r = self.request
        return BackupName.for_repository(self.repository, r.created_at, r.kind, self.mode).file_name


@dataclass(frozen=True)
class Created:
    """The archive written, with its manifest."""

    path: Path
    sha256: str
    size: int
    manifest: Manifest
    notes: tuple[str, ...]


def _check_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise fail(
            "CA205",
            path=out,
            problem="it is a file, not a directory",
            suggestion="Give --out a directory (it is created when missing).",
        )


def plan(request: Request, stores: Sequence[Store], metadata: bool) -> Plan:
    """Check the inputs and choose full or incremental; reads, never writes."""
    _check_out(request.out)
    repo = LocalRepository.open(request.path)
    if repo.is_shallow():
        raise fail(
            "CA204",
            path=repo.root,
            suggestion="Back up a full clone: actions/checkout with 'fetch-depth: 0', "
            "or run 'git fetch --unshallow' first.",
        )
    snap = gitdata.snapshot(repo.git)
    if snap.empty and not metadata:
        raise fail("CA222", path=repo.root)
    repository = request.repository or repo.name().full_name
    identity = gitdata.identity(repo.git, request.repository)
    result = Plan(request, repo, repository, snap, "full", None, identity)
    wanted = request.wanted
    if wanted == "auto":
        wanted = "incremental" if request.kind == "daily" else "full"
    if wanted == "incremental":
        _choose_previous(result, stores, explicit=request.wanted == "incremental")
    if snap.empty:
        result.notes.append("the repository has no commits: git data skipped")
    return result


def _choose_previous(result: Plan, stores: Sequence[Store], explicit: bool) -> None:
    work = Path(tempfile.mkdtemp(prefix="ci-agent-previous-"))
    try:
        previous = find_previous(stores, result.repository, result.identity, work)
    except CiAgentError as exc:
        if exc.code != "CA503":
            raise
        hint = "The newest backup does not match its digest: pass --full, and verify that one."
        raise fail("CA503", suggestion=hint, **exc.context) from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if previous is None:
        where = " or ".join(store.where for store in stores) or "no store"
        if explicit:
            raise fail(
                "CA223",
                what="to build on",
                where=where,
                suggestion="Drop --incremental: the first backup of a repository is full.",
            )
        result.notes.append(f"no previous backup in {where}: a full backup")
        return
    if len(previous.chain) >= MAX_CHAIN:
        result.notes.append(f"the chain reached {MAX_CHAIN} backups: a full backup")
        return
    result.mode, result.previous = "incremental", previous
    result.notes.append(f"incremental on {previous.manifest.name} (from {previous.where})")


def build(
    plan: Plan,
    reader: MetadataSource | None,
    metrics: Metrics,
    *,
    log: Log = lambda _: None,
    progress: ProgressBar | None = None,
) -> Created:
    """Write the archive and its ``.sha256``; ``progress(total)`` gives a byte counter.

    ``--out`` is created when missing and removed again if nothing could be written to it;
    leftovers of interrupted creates are removed first (see :mod:`.staging`)."""
    out = plan.request.out
    made_out = not out.exists()
    try:
        with disk_errors(out):
            out.mkdir(parents=True, exist_ok=True)
            for item in clean_stale(out, dry_run=False):
                plan.stale.append(item)
                log(f"removed {item.path.name} ({item.size} bytes): {item.reason}")
            stage = make_stage(out)
            try:
                return _build_in(plan, reader, metrics, stage=stage, log=log, progress=progress)
            finally:
                shutil.rmtree(stage, ignore_errors=True)
    except BaseException:
        if made_out:
            with contextlib.suppress(OSError):
                out.rmdir()  # only when empty: never anything the user put there
        raise


def _build_in(
    plan: Plan,
    reader: MetadataSource | None,
    metrics: Metrics,
    *,
    stage: Path,
    log: Log,
    progress: ProgressBar | None,
) -> Created:
    request = plan.request
    before = metrics.snapshot().api_calls.total
    data = stage / "data"
    data.mkdir()
    coverage = request.coverage
    git_part = repo_part(
        plan.repo.git,
        plan.snapshot,
        plan.previous,
        data,
        coverage=coverage,
        access=reader,
        notes=plan.notes,
        log=log,
    )
    wiki = None
    if coverage.wiki and reader is not None:
        wiki = wiki_part(plan.repo.git, data, access=reader, notes=plan.notes, log=log)
    meta_part = _metadata(plan, reader, data, log)
    files = {
        path.relative_to(data).as_posix(): digest_file(path)
        for path in sorted(data.rglob("*"))
        if path.is_file()
    }
    used = metrics.snapshot().api_calls.total - before
    manifest = Manifest(
        tool={"name": "ci-agent", "version": __version__},
        name=plan.name,
        repository=plan.repository,
        identity=plan.identity,
        created_at=format_time(request.created_at),
        kind=request.kind,
        mode=plan.mode,
        previous=plan.previous.link if plan.previous else None,
        chain=plan.previous.chain if plan.previous else (),
        git=git_part,
        wiki=wiki,
        metadata=meta_part,
        api_requests=used,
        compression_level=request.level,
        files=files,
    )
    (data / MANIFEST).write_bytes(manifest.to_bytes())
    sums = {**files, MANIFEST: digest_file(data / MANIFEST)}
    (data / SUMS).write_bytes(render_sums(sums))
    members = [(name, data / name) for name in (*files, MANIFEST, SUMS)]
    total = sum(path.stat().st_size for _, path in members)
    dest = request.out / plan.name
    log(f"writing {dest.name} ({total} bytes before compression)")
    with progress(total) if progress else nullcontext(None) as advance:
        sha = write_archive(
            dest,
            members,
            mtime=int(request.created_at.timestamp()),
            level=request.level,
            progress=advance,
            tmp_dir=stage,
        )
    try:
        sidecar = dest.with_name(dest.name + CHECKSUM_SUFFIX)
        write_bytes_atomically(sidecar, f"{sha}  {dest.name}\n".encode())
    except BaseException:
        dest.unlink(missing_ok=True)
        raise
    return Created(dest, sha, dest.stat().st_size, manifest, tuple(plan.notes))


def _metadata(plan: Plan, reader: MetadataSource | None, stage: Path, log: Log) -> MetaPart:
    request = plan.request
    if reader is None:
        reason = request.skip_reason or "no GitHub repository or token"
        plan.notes.append(f"GitHub metadata skipped: {reason}; only git data is backed up")
        return MetaPart(skipped=reason)
    since: dict[str, str | None] = {}
    if plan.previous is not None and plan.previous.manifest.metadata.skipped is None:
        since = dict(plan.previous.manifest.metadata.watermarks)
    part, notes = collect_metadata(reader, stage, since, request.coverage, log)
    plan.notes.extend(notes)
    return part
