"""The ``backup create`` job: arguments in, an Outcome out (verify and restore:
:mod:`.checking`)."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ci_agent.backup.context import JobContext, resolve_created_at
from ci_agent.backup.coverage import AssetPolicy, Coverage
from ci_agent.backup.create import Created, Plan, Request, Wanted, build, plan
from ci_agent.backup.naming import Kind
from ci_agent.backup.progress import bar
from ci_agent.backup.report import human_size, summary_markdown, summary_text
from ci_agent.backup.staging import find_stale
from ci_agent.backup.stores import DirectoryStore, Store
from ci_agent.json_form import to_json
from ci_agent.outcome import Outcome
from ci_agent.report.value import ArtifactRef, Report

if TYPE_CHECKING:
    from ci_agent.config_model import BackupConfig

__all__ = ["create_job"]


def create_job(
    ctx: JobContext,
    *,
    path: Path | None,
    out: Path | None,
    kind: Kind,
    wanted: Wanted,
    created_at: str | None,
    source: str,
    repo: str | None,
    no_metadata: bool,
) -> Outcome:
    """``backup create``."""
    settings = ctx.settings
    repository = ctx.repository(repo)
    metadata = ctx.can_reach_github(repository) and not no_metadata
    skip = "--no-metadata was given" if no_metadata else "no GitHub repository or token"
    request = Request(
        path=ctx.absolute(path or settings.workspace),
        out=ctx.absolute(out or ctx.default_dir()),
        kind=kind,
        wanted=wanted,
        created_at=resolve_created_at(created_at, ctx.environ),
        level=settings.config.backup.compression_level,
        repository=repository,
        skip_reason=None if metadata else skip,
        coverage=_coverage(settings.config.backup),
    )
    with ExitStack() as stack:
        forge = ctx.forge(stack, repository) if metadata or source == "artifacts" else None
        stores: list[Store] = []
        if source in ("auto", "dir"):
            stores.append(DirectoryStore(request.out))
        if forge is not None and source in ("auto", "artifacts"):
            stores.append(ctx.artifacts(stack, repository, forge))
        with ctx.section("backup plan"):
            chosen = plan(request, stores, metadata)
            for note in chosen.notes:
                ctx.term.info(note)
        if settings.dry_run:
            return _planned(chosen)
        with ctx.section("backup create"):
            created = build(
                chosen,
                forge if metadata else None,
                ctx.metrics,
                log=ctx.term.info,
                progress=lambda total: bar(ctx, total, "writing the archive"),
            )
    return _created(created)


def _coverage(config: BackupConfig) -> Coverage:
    assets = AssetPolicy(
        config.include_release_assets,
        config.release_asset_max_bytes,
        config.release_assets_max_total,
    )
    return Coverage(
        config.include_issue_events, assets, config.include_wiki, config.include_pull_refs
    )


def _planned(chosen: Plan) -> Outcome:
    for item in find_stale(chosen.request.out):
        chosen.notes.append(f"would remove {item.path.name} ({item.size} bytes): {item.reason}")
    fields = [
        ("would write", chosen.name),
        ("mode", chosen.mode),
        ("builds on", chosen.previous.manifest.name if chosen.previous else None),
        ("refs", len(chosen.snapshot.refs)),
    ]
    result = {"dry_run": True, "name": chosen.name, "mode": chosen.mode, "notes": chosen.notes}
    title = "backup create (dry run)"
    text = summary_text(title, fields, chosen.notes)
    return Outcome("backup create", result=result, text=text, report=Report(title))


def _created(created: Created) -> Outcome:
    m = created.manifest
    artifact = ArtifactRef(created.path, created.path.name, created.sha256)
    result: dict[str, Any] = {
        "artifact": to_json(artifact),
        "backup": {
            "name": m.name,
            "repository": m.repository,
            "kind": m.kind,
            "mode": m.mode,
            "created_at": m.created_at,
            "size": created.size,
            "previous": m.previous.name if m.previous else None,
            "chain_length": len(m.chain),
            "refs": len(m.git.refs),
            "bundle": m.git.bundle is not None,
            "counts": m.metadata.counts,
            "unavailable": m.metadata.unavailable,
            "metadata_skipped": m.metadata.skipped,
            "watermarks": m.metadata.watermarks,
            "api_requests": m.api_requests,
        },
        "notes": list(created.notes),
    }
    counts = ", ".join(f"{k} {v}" for k, v in sorted(m.metadata.counts.items()))
    fields = [
        ("archive", str(created.path)),
        ("sha256", created.sha256),
        ("size", human_size(created.size)),
        ("kind", f"{m.kind} ({m.mode})"),
        ("builds on", m.previous.name if m.previous else None),
        ("refs", len(m.git.refs)),
        ("records", counts or "none (metadata skipped)"),
        ("API requests", m.api_requests),
    ]
    title = f"backup {m.name}"
    return Outcome(
        "backup create",
        result=result,
        text=summary_text(title, fields, created.notes),
        markdown=summary_markdown(title, fields, created.notes),
        report=Report(title, conclusion="success", artifact=artifact),
    )
