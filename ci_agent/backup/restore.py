"""``backup restore``: verify, then rebuild a working clone and the metadata in a new directory.

The result is built beside the target and renamed into place only when complete::

    TARGET/repo/            a working clone: every ref of the manifest, HEAD checked out
    TARGET/meta/*.jsonl     the metadata, merged over the chain (newest record of each id)
    TARGET/MANIFEST.json    the manifest of the restored backup

A non-empty target needs ``force``; its old content is replaced only after the new one is
complete.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ci_agent.backup.archive import disk_errors
from ci_agent.backup.extract import Checked
from ci_agent.backup.gitdata import fsck
from ci_agent.backup.manifest import MANIFEST
from ci_agent.backup.merge import merge_chain
from ci_agent.backup.verify import ChainFinder, Progress, Report, Stage, verify_chain
from ci_agent.errors import fail

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


def restore(
    top: Checked,
    target: Path,
    work: Path,
    find: ChainFinder,
    *,
    force: bool = False,
    progress: Progress | None = None,
    stage: Stage = lambda _: None,
) -> Restored:
    """Verify ``top`` with its chain and restore it into ``target``."""
    check_target(target, force)
    with disk_errors(target):
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.restore-"))
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
            )
            restored = Restored(target, report)
            if not report.ok:
                return restored
            if report.git is not None and report.manifest and report.manifest.git.head.sha:
                stage("checking out HEAD")
                report.git.run("reset", "--hard", "--quiet", "HEAD")
                fsck(report.git, top.label)
            stage("merging the metadata")
            restored.counts = merge_chain([m.root for m in report.members], staging)
            shutil.copyfile(top.root / MANIFEST, staging / MANIFEST)
            _swap(staging, target)
            return restored
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _swap(staging: Path, target: Path) -> None:
    """Put ``staging`` where ``target`` is; the old content goes only once the new is there."""
    if not target.exists():
        staging.replace(target)
        return
    old = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.old-"))
    old.rmdir()
    target.replace(old)
    try:
        staging.replace(target)
    except BaseException:
        old.replace(target)
        raise
    shutil.rmtree(old, ignore_errors=True)
