"""``backup restore``: verify, then rebuild a working clone and the metadata in a new directory.

The result is built beside the target and renamed into place only when complete::

    TARGET/repo/            a working clone: every ref of the manifest, HEAD checked out
    TARGET/wiki/            the wiki, checked out (when the backup holds one)
    TARGET/assets/          release asset files (when the backup holds them)
    TARGET/meta/*.jsonl     the metadata, merged over the chain (newest record of each id)
    TARGET/MANIFEST.json    the manifest of the restored backup

A non-empty target needs ``force``; its old content is replaced only after the new one is
complete.
"""

from __future__ import annotations

import secrets
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path

from ci_agent.backup.archive import disk_errors
from ci_agent.backup.extract import DEFAULT_BUDGET, Checked
from ci_agent.backup.manifest import MANIFEST
from ci_agent.backup.merge import merge_assets, merge_chain
from ci_agent.backup.processes import run_grouped
from ci_agent.backup.verify import ChainFinder, Progress, Report, Stage, verify_chain
from ci_agent.errors import fail
from ci_agent.git import Git

__all__ = ["Restored", "check_target", "restore"]


@dataclass
class Restored:
    """What was restored where."""

    target: Path
    report: Report
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether the backup verified and was restored."""
        return self.report.ok


def check_target(target: Path, force: bool) -> None:
    """CA205 for a file, CA221 for a non-empty directory without ``force``."""
    if target.exists() and not target.is_dir():
        raise fail(
            "CA205",
            path=target,
            problem="it is a file, not a directory",
            suggestion="Give --to a new or empty directory.",
        )
    if target.is_dir() and any(target.iterdir()) and not force:
        raise fail("CA221", path=target)


def _new_directory(target: Path, kind: str) -> Path:
    """An empty directory beside ``target`` with the mode a new directory gets (the umask's),
    or the mode of the ``target`` it replaces."""
    path = target.with_name(f".{target.name}.{kind}-{secrets.token_hex(6)}")
    path.mkdir()
    if target.is_dir():
        path.chmod(stat.S_IMODE(target.stat().st_mode))
    return path


def restore(
    top: Checked,
    target: Path,
    work: Path,
    find: ChainFinder,
    *,
    force: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    stage: Stage = lambda _: None,
    budget: int = DEFAULT_BUDGET,
) -> Restored:
    """Verify ``top`` with its chain and restore it into ``target`` (with ``dry_run``, do
    everything in ``work`` and leave ``target`` alone)."""
    check_target(target, force)
    if dry_run:
        report = verify_chain(top, work, find, progress=progress, stage=stage, budget=budget)
        restored = Restored(target, report)
        if report.ok:
            restored.counts = merge_chain([m.root for m in report.members], work / "merged")
        return restored
    with disk_errors(target):
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = _new_directory(target, "restore")
    try:
        with disk_errors(target):
            report = verify_chain(
                top,
                work,
                find,
                git_dir=staging / "repo",
                bare=False,
                progress=progress,
                stage=stage,
                budget=budget,
            )
            restored = Restored(target, report)
            if not report.ok:
                return restored
            if report.git is not None and report.manifest and report.manifest.git.head.sha:
                stage("checking out HEAD")
                # fsck already checked every object: the checkout only writes the work tree.
                _checkout(report.git)
            if report.wiki is not None:
                _checkout(report.wiki)
            stage("merging the metadata")
            roots = [m.root for m in report.members]
            restored.counts = merge_chain(roots, staging)
            assets = merge_assets(roots, staging)
            if assets:
                restored.counts["asset_files"] = assets
            shutil.copyfile(top.root / MANIFEST, staging / MANIFEST)
            _swap(staging, target)
            return restored
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _checkout(git: Git) -> None:
    """Check HEAD out (in its own process group: checkout filters may start children)."""
    run_grouped(git, "-c", "core.logAllRefUpdates=false", "reset", "--hard", "--quiet")


def _swap(staging: Path, target: Path) -> None:
    """Put ``staging`` where ``target`` is; the old content goes only once the new is there."""
    if not target.exists():
        staging.replace(target)
        return
    old = target.with_name(f".{target.name}.old-{secrets.token_hex(6)}")
    target.replace(old)
    try:
        staging.replace(target)
    except BaseException:
        old.replace(target)
        raise
    shutil.rmtree(old, ignore_errors=True)
