"""The review pipeline: read the change → engines → verify → select → a report for reporters."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from ci_agent.config_model import ReviewConfig, Severity
from ci_agent.diff import FileDiff, parse_file_patch
from ci_agent.errors import CiAgentError
from ci_agent.forge.protocol import ChangeSource
from ci_agent.forge.types import ChangedFile, PullRequestInfo
from ci_agent.llm.provider import Warmable
from ci_agent.review.anchors import anchorable, in_scope
from ci_agent.review.coverage import FileCoverage, account, file_coverage, skip_reason
from ci_agent.review.engine import EngineResult, ReviewEngine, ReviewFile, RiskLevel
from ci_agent.review.excludes import Excluder
from ci_agent.review.findings import Finding, severity_rank
from ci_agent.review.selection import Selection, select_findings
from ci_agent.review.suggestions import check_suggestion

__all__ = ["BatchContents", "FileCoverage", "ReviewReport", "run_review"]


@runtime_checkable
class BatchContents(Protocol):
    """A change source that reads many files at one ref in one go (one process or request)."""

    def files_contents(self, paths: Sequence[str], ref: str) -> Mapping[str, bytes | None]:
        """The bytes of each of ``paths`` at ``ref``; None for one that cannot be read."""


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
    dropped_reasons: Mapping[str, int] = field(default_factory=dict)
    out_of_scope: int = 0
    notes: tuple[str, ...] = field(default=())
    keys: Mapping[Finding, str] = field(default_factory=dict, repr=False)

    def key(self, finding: Finding) -> str:
        """The fingerprint of a finding (path, normalised code of its lines, title)."""
        return self.keys[finding]

    @property
    def partial(self) -> tuple[FileCoverage, ...]:
        """Files an engine failed on: the review of them is missing, not clean."""
        return tuple(f for f in self.files if f.failed)

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
    listed_keys: frozenset[str] = frozenset(),
    progress: Callable[[str], None] = lambda _: None,
    since: tuple[str, frozenset[str]] | None = None,
    pull_request: PullRequestInfo | None = None,
) -> ReviewReport:
    """Review pull request ``number`` of ``source`` with ``engines`` and verify the results.

    ``since`` = (earlier head SHA, paths changed after it) makes an incremental review: other
    files were reviewed at that SHA and are accounted for as such, not reviewed again.
    ``posted_keys`` were posted inline before; ``listed_keys`` were listed in the summary only
    and stay there.
    """
    for engine in engines:
        if isinstance(engine, Warmable):  # in the background, while the change is read
            engine.warm()
    pr = pull_request or source.pull_request(number)
    changed = list(source.changed_files(number))
    excluder = Excluder(config.exclude)
    coverage: dict[str, FileCoverage] = {}
    parsed: list[tuple[ChangedFile, FileDiff]] = []
    for change in changed:
        reason = skip_reason(change, excluder)
        if reason:
            coverage[change.path] = account(change, reviewed=False, reason=reason)
            continue
        if since is not None and change.path not in since[1]:
            reason = f"unchanged since the review of {since[0][:12]}"
            coverage[change.path] = account(change, reviewed=True, reason=reason)
            continue
        try:
            diff = parse_file_patch(
                change.path, change.patch or "", previous_path=change.previous_path
            )
        except (ValueError, CiAgentError) as exc:
            # A name or patch the parser cannot read is one file not reviewed, not a crash.
            reason = f"not reviewed: its diff could not be read ({_one_line(str(exc))})"
            coverage[change.path] = account(change, reviewed=False, reason=reason)
            continue
        parsed.append((change, diff))
    texts = _texts(source, [c.path for c, _ in parsed], pr.head_sha)
    files = [ReviewFile(c.path, d, texts.get(c.path)) for c, d in parsed]
    results = _run_engines(engines, files, progress)
    by_path = {c.path: c for c, _ in parsed}
    has_model = any(name.startswith("llm:") for name, _ in results)
    for f in files:
        coverage[f.path] = file_coverage(by_path[f.path], results, has_model)
    diffs = {f.path: f.diff for f in files}
    contents = {f.path: f.content for f in files}
    findings, dropped, out_of_scope = _verify(
        [x for _, r in results for x in r.findings], diffs, contents, config
    )
    keys = {f: f.key(_code(contents.get(f.path), f)) for f in findings}
    selection = select_findings(
        findings,
        lambda f: _code(contents.get(f.path), f),
        posted_keys=posted_keys,
        listed_keys=listed_keys,
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
        dropped_suggestions=sum(dropped.values()),
        dropped_reasons=dict(dropped),
        out_of_scope=out_of_scope,
        notes=(*(n for _, r in results for n in r.notes), *_dropped_note(dropped)),
        keys=keys,
    )


def _run_engines(
    engines: Sequence[ReviewEngine], files: list[ReviewFile], progress: Callable[[str], None]
) -> list[tuple[str, EngineResult]]:
    """Every engine at once: model requests go out while the static engine runs."""
    for engine in engines:
        progress(f"{engine.name}: {len(files)} file(s)")
    if len(engines) <= 1:
        return [(e.name, e.review(files)) for e in engines]
    with ThreadPoolExecutor(max_workers=len(engines)) as pool:
        futures = [(e.name, pool.submit(e.review, files)) for e in engines]
        return [(name, future.result()) for name, future in futures]


def _texts(source: ChangeSource, paths: list[str], ref: str) -> dict[str, str | None]:
    """The files' text at ``ref``: in one batch when the source can, else one by one."""
    if isinstance(source, BatchContents) and paths:
        data = dict(source.files_contents(paths, ref))
    else:
        data = {path: _read(source, path, ref) for path in paths}
    return {
        p: None if b is None else b.decode("utf-8", errors="surrogateescape")
        for p, b in data.items()
    }


def _read(source: ChangeSource, path: str, ref: str) -> bytes | None:
    try:
        return source.file_contents(path, ref)
    except CiAgentError:
        return None


_DROPPED_WHY = {
    "off-by-one": "repeated a line from outside their range (off by one)",
    "deletes-code": "deleted a line their finding does not mention",
    "blank-line": "deleted a blank line",
    "security": "removed security-relevant code",
    "syntax": "did not parse",
    "no-change": "changed nothing",
    "past-end": "pointed past the end of the file",
    "unavailable": "were on a file whose content could not be read",
}


def _dropped_note(dropped: Counter[str]) -> tuple[str, ...]:
    """Say how many suggestions were withheld and why (their findings are still posted)."""
    if not dropped:
        return ()
    why = ", ".join(f"{n} {_DROPPED_WHY.get(kind, kind)}" for kind, n in dropped.most_common())
    total = sum(dropped.values())
    return (f"{total} suggestion(s) withheld, their findings posted without them: {why}",)


def _one_line(text: str) -> str:
    return " ".join(text.split())[:200]


def _verify(
    findings: list[Finding],
    diffs: dict[str, FileDiff],
    contents: dict[str, str | None],
    config: ReviewConfig,
) -> tuple[list[Finding], Counter[str], int]:
    """Keep findings about the change; strip suggestions that do not make exactly their edit."""
    kept: list[Finding] = []
    dropped: Counter[str] = Counter()
    out_of_scope = 0
    for finding in findings:
        if not in_scope(finding, diffs, config.filter_mode):
            out_of_scope += 1
            continue
        check = (
            check_suggestion(finding, contents.get(finding.path))
            if finding.suggestion is not None
            else None
        )
        if check is not None and not check.ok:
            dropped[check.kind] += 1
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
