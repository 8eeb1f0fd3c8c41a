"""The coverage account: every changed file reviewed, or not, with the reason."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ci_agent.forge.types import ChangedFile, FileStatus
from ci_agent.review.engine import EngineResult
from ci_agent.review.excludes import Excluder

__all__ = ["FileCoverage", "account", "file_coverage", "skip_reason"]


@dataclass(frozen=True)
class FileCoverage:
    """Every changed file is accounted for: reviewed, or skipped with the reason."""

    path: str
    status: str
    additions: int
    deletions: int
    reviewed: bool
    reason: str = ""
    summary: str = ""
    # Not reviewed because an engine failed on it (not because no engine applies).
    failed: bool = False


def skip_reason(change: ChangedFile, excluder: Excluder) -> str:
    """Why a changed file is not even given to the engines (empty: it is)."""
    if change.binary or change.patch is None:
        return "binary or too large for a text diff"
    if change.status is FileStatus.REMOVED:
        return "deleted"
    if excluder.excluded(change.path):
        return "excluded (lock, generated, minified or vendored, or review.exclude)"
    if not change.patch:
        return "no text change (empty file, pure rename or mode change)"
    return ""


def account(
    change: ChangedFile,
    *,
    reviewed: bool,
    reason: str = "",
    summary: str = "",
    failed: bool = False,
) -> FileCoverage:
    """The coverage row of ``change``."""
    return FileCoverage(
        change.path,
        change.status.value,
        change.additions,
        change.deletions,
        reviewed,
        reason,
        summary,
        failed,
    )


def file_coverage(
    change: ChangedFile, results: Sequence[tuple[str, EngineResult]], has_model: bool
) -> FileCoverage:
    """Reviewed only if an engine read the file and none failed on it; else why not."""
    path = change.path
    failures = [f"{name}: {r.skipped[path]}" for name, r in results if path in r.skipped]
    readers = [name for name, r in results if path not in r.skipped and path not in r.not_read]
    summary = next((r.summaries[path] for _, r in results if path in r.summaries), "")
    if failures:
        reason = "not reviewed: " + "; ".join(failures)
        failed = any(path in r.failed for _, r in results)
        return account(change, reviewed=False, reason=reason, summary=summary, failed=failed)
    if not readers:
        why = "no engine for this language" + ("" if has_model else " (no model configured)")
        return account(change, reviewed=False, reason=f"not reviewed: {why}")
    return account(change, reviewed=True, summary=summary)
