"""The ``backup verify`` and ``restore`` jobs: arguments in, an Outcome out."""

from __future__ import annotations

import hashlib
import tempfile
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from ci_agent.backup.attest import Attestation
from ci_agent.backup.context import JobContext
from ci_agent.backup.extract import DEFAULT_BUDGET, Checked, check_archive, check_directory
from ci_agent.backup.locate import Source, locate
from ci_agent.backup.naming import format_time
from ci_agent.backup.progress import bar, stages
from ci_agent.backup.report import summary_markdown, summary_text
from ci_agent.backup.restore import check_target, restore
from ci_agent.backup.stores import Verification
from ci_agent.backup.verify import Report, verify_chain
from ci_agent.errors import CiAgentError, fail
from ci_agent.json_form import to_json
from ci_agent.outcome import Outcome
from ci_agent.report.value import ArtifactRef
from ci_agent.report.value import Report as RunReport

__all__ = ["restore_job", "verify_job"]


def _check_top(ctx: JobContext, source: Source, work: Path, budget: int) -> Checked:
    if source.directory is not None:
        return check_directory(source.directory)
    archive = source.archive or work / "missing.tar.gz"  # locate() always sets one of the two
    with bar(ctx, archive.stat().st_size, f"checking {archive.name}") as advance:
        return check_archive(archive, work, source.expected, advance, budget)


def _verdict(
    ctx: JobContext, source: Source, report: Report
) -> tuple[dict[str, Any], list[str], ArtifactRef | None]:
    now = format_time(datetime.now(UTC))
    first = report.problems[0] if report.problems else None
    verification = Verification(
        now, report.ok, first.code if first else None, first.message if first else None
    )
    manifest = report.manifest
    notes = list(source.notes)
    recorded: Path | None = None
    if ctx.settings.dry_run:
        notes.append("dry run: the verification was not recorded")
    elif manifest is not None:  # only a backup gets a record, never an arbitrary file
        recorded = source.record(ctx, verification, report.top.sha256)
        if report.ok:
            for member in report.chain:  # verified as part of this chain
                source.record_member(ctx, member.label, verification, member.sha256)
    chain = [link.name for link in manifest.chain] if manifest else []
    result: dict[str, Any] = {
        "backup": manifest.name if manifest else report.top.label,
        "ok": report.ok,
        "sha256": report.top.sha256,
        "chain": chain,
        "chain_missing": list(report.missing),
        "files": len(manifest.files) + 2 if manifest else None,
        "refs": len(manifest.git.refs) if manifest else None,
        "git_checked": report.git_checked,
        "counts": manifest.metadata.counts if manifest else None,
        "problems": [to_json(e.info) for e in report.problems],
        "recorded": str(recorded) if recorded else None,
    }
    artifact = None
    if recorded is not None and source.artifact is not None:
        sha = hashlib.sha256(recorded.read_bytes()).hexdigest()
        artifact = ArtifactRef(recorded, recorded.name, sha)
        result["artifact"] = to_json(artifact)
    return result, notes, artifact


def _conclusion(ok: bool) -> Literal["success", "failure"]:
    return "success" if ok else "failure"


def _unattested(
    report: Report, attestation: Attestation | None, repository: str | None
) -> list[CiAgentError]:
    """CA529 when ``--require-attestation`` finds no attestation by the backup workflow."""
    if attestation is not None and attestation.status == "attested":
        return []
    return [
        fail(
            "CA529",
            file=report.top.label,
            digest=report.top.sha256,
            workflow="the backup workflow",
            repository=repository or "OWNER/NAME",
            problem=attestation.detail if attestation else "GitHub could not be asked",
        )
    ]


def _chain_text(result: dict[str, Any]) -> str:
    chain: list[str] = result["chain"]
    if not chain:
        return "none (full backup)"
    missing = set(result["chain_missing"])
    return ", ".join(f"{name} (MISSING)" if name in missing else name for name in chain)


def verify_job(
    ctx: JobContext,
    *,
    target: Path | None,
    artifact: str | None,
    repo: str | None,
    max_bytes: int | None = None,
    require_attestation: bool = False,
) -> Outcome:
    """``backup verify``."""
    target = ctx.absolute(target) if target else None
    budget = max_bytes or DEFAULT_BUDGET
    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ci-agent-verify-")))
        source = locate(ctx, stack, work, target=target, artifact=artifact, repo=repo)
        with ctx.section("backup verify"):
            top = _check_top(ctx, source, work, budget)
            with stages(ctx, "verifying") as stage:
                report = verify_chain(top, work, source.find, stage=stage, budget=budget)
        attestation = None
        if report.top.sha256 is not None and report.manifest is not None:
            attestation = ctx.attestation(stack, ctx.repository(repo), report.top.sha256)
        if require_attestation:
            report.problems += _unattested(report, attestation, ctx.repository(repo))
        result, notes, kept = _verdict(ctx, source, report)
    result["attestation"] = to_json(attestation)
    if attestation is None:
        notes.append(
            "authenticity not checked: no GitHub repository or token "
            "(gh attestation verify FILE --repo OWNER/NAME checks it)"
        )
    verdict = "verified" if report.ok else f"FAILED ({len(report.problems)} problem(s))"
    fields = [
        ("sha256", report.top.sha256),
        ("attestation", f"{attestation.status}: {attestation.detail}" if attestation else None),
        ("chain", _chain_text(result)),
        ("files", result["files"]),
        ("refs", result["refs"]),
        ("git fsck", "clean" if report.git_checked else "not run"),
    ]
    title = f"{result['backup']}: {verdict}"
    return Outcome(
        "backup verify",
        result=result,
        text=summary_text(title, fields, notes),
        markdown=summary_markdown(title, fields, notes),
        errors=list(report.problems),
        report=RunReport(title, conclusion=_conclusion(report.ok), artifact=kept),
    )


def restore_job(
    ctx: JobContext,
    *,
    target: Path | None,
    artifact: str | None,
    repo: str | None,
    to: Path,
    force: bool,
    max_bytes: int | None = None,
) -> Outcome:
    """``backup restore`` (with ``--dry-run``: verify and rebuild in a temporary directory,
    write nothing to ``--to``)."""
    target, to = (ctx.absolute(target) if target else None), ctx.absolute(to)
    dry_run = ctx.settings.dry_run
    budget = max_bytes or DEFAULT_BUDGET
    check_target(to, force)
    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ci-agent-restore-")))
        source = locate(ctx, stack, work, target=target, artifact=artifact, repo=repo)
        with ctx.section("backup restore"):
            top = _check_top(ctx, source, work, budget)
            with stages(ctx, "restoring") as stage:
                restored = restore(
                    top,
                    to,
                    work,
                    source.find,
                    force=force,
                    dry_run=dry_run,
                    stage=stage,
                    budget=budget,
                )
        result, notes, kept = _verdict(ctx, source, restored.report)
    done = restored.ok and not dry_run
    result |= {
        "restored_to": str(to) if done else None,
        "would_restore_to": str(to) if dry_run and restored.ok else None,
        "records": restored.counts,
        "dry_run": dry_run,
    }
    fields = [
        ("restored to", str(to) if done else "nothing restored"),
        ("would restore to", result["would_restore_to"]),
        ("working clone", str(to / "repo") if done and restored.report.git_checked else None),
        ("chain", _chain_text(result)),
        ("refs", result["refs"]),
        ("records", ", ".join(f"{k} {v}" for k, v in sorted(restored.counts.items()))),
    ]
    verdict = "FAILED" if not restored.ok else "verified, dry run" if dry_run else "done"
    title = f"restore of {result['backup']}: {verdict}"
    return Outcome(
        "backup restore",
        result=result,
        text=summary_text(title, fields, notes),
        markdown=summary_markdown(title, fields, notes),
        errors=list(restored.report.problems),
        report=RunReport(title, conclusion=_conclusion(restored.ok), artifact=kept),
    )
