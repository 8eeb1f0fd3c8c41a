"""Where a finding may be posted inline: the anchor check with reviewdog's filter modes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from ci_agent.diff import FileDiff
from ci_agent.review.findings import Finding

__all__ = ["FilterMode", "anchorable", "in_scope"]

FilterMode = Literal["added", "diff_context", "file", "nofilter"]


def in_scope(finding: Finding, diffs: Mapping[str, FileDiff], mode: FilterMode) -> bool:
    """Whether the finding concerns the change at all, under ``mode``.

    added: every line is an added line; diff_context: every line is inside a hunk (new side);
    file: the file is in the diff; nofilter: always.
    """
    if mode == "nofilter":
        return True
    diff = diffs.get(finding.path)
    if diff is None:
        return False
    if mode == "file":
        return True
    lines = range(finding.start_line, finding.end_line + 1)
    allowed = diff.added if mode == "added" else diff.right
    return all(line in allowed for line in lines)


def anchorable(finding: Finding, diffs: Mapping[str, FileDiff]) -> bool:
    """Whether GitHub will accept an inline comment on these lines (RIGHT side, in a hunk).

    A multi-line comment must also stay within one hunk.
    """
    diff = diffs.get(finding.path)
    if diff is None or diff.is_binary:
        return False
    for hunk in diff.hunks:
        lines = {x.new_line for x in hunk.lines if x.new_line is not None and x.kind != "removed"}
        if finding.start_line in lines and finding.end_line in lines:
            return True
    return False
