"""The review pipeline: read the change → engines → verify → select → a report for reporters."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from ci_agent.config_model import ReviewConfig, Severity
from ci_agent.diff import FileDiff, parse_file_patch
from ci_agent.errors import CiAgentError
from ci_agent.forge.protocol import ChangeSource
from ci_agent.forge.types import ChangedFile, FileStatus, PullRequestInfo
from ci_agent.review.anchors import anchorable, in_scope
from ci_agent.review.engine import EngineResult, ReviewEngine, ReviewFile, RiskLevel
from ci_agent.review.excludes import Excluder
from ci_agent.review.findings import Finding, severity_rank
from ci_agent.review.selection import Selection, select_findings
from ci_agent.review.suggestions import check_suggestion

__all__ = ["FileCoverage", "ReviewReport", "run_review"]


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


@dataclass(frozen=True)
class ReviewReport:
    """Everything the reporters need; nothing here has been posted yet."""

    pull_request: PullRequestInfo
    files: tuple[FileCoverage, ...]
    selection: Selection
    engines: tuple[str, ...]
    risk: RiskLevel
    fail_level: Severity
    dropped_suggestions: int = 0
    out_of_scope: int = 0
    notes: tuple[str, ...] = field(default=())
    keys: Mapping[Finding, str] = field(default_factory=dict, repr=False)

    def key(self, finding: Finding) -> str:
        """The fingerprint of a finding (path, normalised code of its lines, title)."""
        return self.keys[finding]

    @property
    def findings(self) -> tuple[Finding, ...]:
        """New findings: inline first, then summary-only."""
        return self.selection.inline + self.selection.summary_only

    @property
    def max_severity(self) -> str:
        """The highest severity among new findings, or ``none``."""
        ranks = [severity_rank(f.severity) for f in self.findings]
        return Severity(max(ranks)).label if ranks else "none"

    @property
    def at_fail_level(self) -> int:
        """How many new findings meet ``fail-level`` (0 when fail-level is none)."""
        if self.fail_level is Severity.NONE:
            return 0
        return sum(1 for f in self.findings if severity_rank(f.severity) >= self.fail_level)


def run_review(
    source: ChangeSource,
    number: int,
    config: ReviewConfig,
    fail_level: Severity,
    engines: Sequence[ReviewEngine],
    *,
    posted_keys: frozenset[str] = frozenset(),
    progress: Callable[[str], None] = lambda _: None,
    since: tuple[str, frozenset[str]] | None = None,
    pull_request: PullRequestInfo | None = None,
) -> ReviewReport:
    """Review pull request ``number`` of ``source`` with ``engines`` and verify the results.

    ``since`` = (earlier head SHA, paths changed after it) makes an incremental review: other
    files were reviewed at that SHA and are accounted for as such, not reviewed again.
    """
    pr = pull_request or source.pull_request(number)
    changed = list(source.changed_files(number))
    excluder = Excluder(config.exclude)
    coverage: dict[str, FileCoverage] = {}
    files: list[ReviewFile] = []
    for change in changed:
        reason = _skip_reason(change, excluder)
        if reason:
            coverage[change.path] = _coverage(change, reviewed=False, reason=reason)
            continue
        if since is not None and change.path not in since[1]:
            reason = f"unchanged since the review of {since[0][:12]}"
            coverage[change.path] = _coverage(change, reviewed=True, reason=reason)
            continue
        diff = parse_file_patch(change.path, change.patch or "", previous_path=change.previous_path)
        files.append(ReviewFile(change.path, diff, _text(source, change.path, pr.head_sha)))
    results: list[tuple[str, EngineResult]] = []
    for engine in engines:
        progress(f"{engine.name}: {len(files)} file(s)")
        results.append((engine.name, engine.review(files)))
    diffs = {f.path: f.diff for f in files}
    contents = {f.path: f.content for f in files}
    for f in files:
        skipped = [f"{name}: {r.skipped[f.path]}" for name, r in results if f.path in r.skipped]
        summary = next((r.summaries[f.path] for _, r in results if f.path in r.summaries), "")
        change = next(c for c in changed if c.path == f.path)
        coverage[f.path] = _coverage(
            change, reviewed=not skipped, reason="; ".join(skipped), summary=summary
        )
    findings, dropped, out_of_scope = _verify(
        [x for _, r in results for x in r.findings], diffs, contents, config
    )
    keys = {f: f.key(_code(contents.get(f.path), f)) for f in findings}
    selection = select_findings(
        findings,
        lambda f: _code(contents.get(f.path), f),
        posted_keys=posted_keys,
        max_inline=config.max_inline_comments,
        inline_ok=lambda f: anchorable(f, diffs),
    )
    return ReviewReport(
        pull_request=pr,
        files=tuple(coverage[c.path] for c in changed),
        selection=selection,
        engines=tuple(name for name, _ in results),
        risk=_risk(results, selection),
        fail_level=fail_level,
        dropped_suggestions=dropped,
        out_of_scope=out_of_scope,
        notes=tuple(n for _, r in results for n in r.notes),
        keys=keys,
    )


def _skip_reason(change: ChangedFile, excluder: Excluder) -> str:
    if change.binary or change.patch is None:
        return "binary or too large for a text diff"
    if change.status is FileStatus.REMOVED:
        return "deleted"
    if excluder.excluded(change.path):
        return "excluded (lock, generated, minified or vendored, or review.exclude)"
    if not change.patch:
        return "no text change (empty file, pure rename or mode change)"
    return ""


def _coverage(
    change: ChangedFile, *, reviewed: bool, reason: str = "", summary: str = ""
) -> FileCoverage:
    return FileCoverage(
        change.path,
        change.status.value,
        change.additions,
        change.deletions,
        reviewed,
        reason,
        summary,
    )


def _text(source: ChangeSource, path: str, ref: str) -> str | None:
    try:
        data = source.file_contents(path, ref)
    except CiAgentError:
        return None
    return data.decode("utf-8", errors="surrogateescape")


def _verify(
    findings: list[Finding],
    diffs: dict[str, FileDiff],
    contents: dict[str, str | None],
    config: ReviewConfig,
) -> tuple[list[Finding], int, int]:
    """Keep findings about the change; strip suggestions that do not apply cleanly."""
    kept: list[Finding] = []
    dropped = out_of_scope = 0
    for finding in findings:
        if not in_scope(finding, diffs, config.filter_mode):
            out_of_scope += 1
            continue
        content = contents.get(finding.path)
        if finding.suggestion is not None and not check_suggestion(finding, content).ok:
            dropped += 1
            kept.append(finding.model_copy(update={"suggestion": None}))
        else:
            kept.append(finding)
    return kept, dropped, out_of_scope


def _code(content: str | None, finding: Finding) -> str:
    if content is None:
        return ""
    return "\n".join(content.splitlines()[finding.start_line - 1 : finding.end_line])


_RISKS: tuple[RiskLevel, ...] = ("low", "medium", "high", "critical")


def _risk(results: list[tuple[str, EngineResult]], selection: Selection) -> RiskLevel:
    """The engines' own judgement, raised to match the worst finding."""
    stated = [r.risk for _, r in results if r.risk]
    ranks = [_RISKS.index(r) for r in stated]
    worst = max(
        (severity_rank(f.severity) for f in selection.inline + selection.summary_only), default=0
    )
    # critical → critical, high → high, medium → medium, low/info → low
    from_findings = max(0, min(3, worst - 2))
    return _RISKS[max([*ranks, from_findings])]
