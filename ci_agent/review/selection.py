"""Choosing what to post: dedupe across chunks, engines and earlier runs; rank; cap."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ci_agent.review.findings import Finding

__all__ = ["Selection", "select_findings"]


@dataclass(frozen=True)
class Selection:
    """Findings to post inline, to list in the summary only, and duplicates dropped."""

    inline: tuple[Finding, ...] = ()
    summary_only: tuple[Finding, ...] = ()
    duplicates: int = 0
    already_posted: tuple[Finding, ...] = field(default=())
    beyond_cap: int = 0


def select_findings(
    findings: Iterable[Finding],
    code_of: Callable[[Finding], str],
    *,
    posted_keys: frozenset[str] = frozenset(),
    listed_keys: frozenset[str] = frozenset(),
    max_inline: int = 20,
    inline_ok: Callable[[Finding], bool] = lambda _: True,
) -> Selection:
    """Dedupe by fingerprint, skip what earlier runs posted, rank by severity times confidence.

    ``code_of`` gives the code of a finding's lines (for the fingerprint); ``inline_ok`` says
    whether a finding can be anchored inline at all. Findings an earlier run listed in the
    summary only (``listed_keys``) stay there: a re-run never promotes them to inline.
    """
    best: dict[str, Finding] = {}
    # Two engines reporting the same category on the same lines say the same thing in
    # different words; the fingerprint (which includes the title) cannot see that.
    by_place: dict[tuple[str, int, int, str], str] = {}
    duplicates = 0
    for finding in findings:
        key = finding.key(code_of(finding))
        place = (finding.path, finding.start_line, finding.end_line, finding.category)
        other = by_place.get(place)
        if other is not None and other != key and best[other].source != finding.source:
            key = other
        kept = best.get(key)
        if kept is not None:
            duplicates += 1
            if finding.rank <= kept.rank:
                continue
        best[key] = finding
        by_place[place] = key
    ranked = sorted(
        best.items(), key=lambda item: (-item[1].rank, item[1].path, item[1].start_line)
    )
    # A finding merged into another's place keeps that one's key here, but its comment was
    # marked with its own fingerprint: either one means an earlier run posted it.
    earlier = {key for key, f in ranked if key in posted_keys or f.key(code_of(f)) in posted_keys}
    # Findings only the summary listed stay there: a re-run never promotes them inline.
    listed = {key for key, f in ranked if key in listed_keys or f.key(code_of(f)) in listed_keys}
    posted = tuple(f for key, f in ranked if key in earlier)
    fresh = [f for key, f in ranked if key not in earlier]
    anchorable = [f for f in fresh if inline_ok(f)]
    candidates = [f for key, f in ranked if key not in earlier | listed and inline_ok(f)]
    inline = candidates[:max_inline]
    chosen = {id(f) for f in inline}
    return Selection(
        inline=tuple(inline),
        summary_only=tuple(f for f in fresh if id(f) not in chosen),
        duplicates=duplicates,
        already_posted=posted,
        beyond_cap=len(anchorable) - len(inline),
    )
