"""Findings, anchors, suggestions and selection: the checks before anything is posted."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from ci_agent.diff import parse_file_patch
from ci_agent.report.suggestion import suggestion_block, suggestion_lines
from ci_agent.review.anchors import anchorable, in_scope
from ci_agent.review.findings import Finding
from ci_agent.review.selection import select_findings
from ci_agent.review.suggestions import check_suggestion

PATCH = (
    "@@ -1,4 +1,5 @@\n a = 1\n-b = 2\n+b = 3\n c = 4\n+d = 5\n e = 6\n"
    "@@ -20,2 +21,3 @@\n x = 1\n+y = 2\n z = 3"
)
DIFFS = {"m.py": parse_file_patch("m.py", PATCH)}
CONTENT = "a = 1\nb = 3\nc = 4\nd = 5\ne = 6\n" + "".join(f"n{i} = {i}\n" for i in range(6, 21))
CONTENT += "x = 1\ny = 2\nz = 3\n"


def finding(**overrides: Any) -> Finding:
    values: dict[str, Any] = {
        "path": "m.py",
        "start_line": 2,
        "end_line": 2,
        "severity": "medium",
        "category": "bug",
        "title": "Wrong constant",
        "body": "b should stay 2",
    }
    values.update(overrides)
    return Finding(**values)


def test_finding_validation() -> None:
    with pytest.raises(ValidationError):
        finding(start_line=3, end_line=2)
    with pytest.raises(ValidationError):
        finding(severity="blocker")
    with pytest.raises(ValidationError):
        finding(unexpected="x")
    assert finding(severity="high", confidence=0.5).rank == 2.0


@pytest.mark.parametrize(
    ("lines", "mode", "expected"),
    [
        ((2, 2), "added", True),
        ((2, 4), "added", False),
        ((2, 4), "diff_context", True),
        ((10, 10), "diff_context", False),
        ((10, 10), "file", True),
        ((22, 22), "added", True),
    ],
)
def test_filter_modes(lines: tuple[int, int], mode: Any, expected: bool) -> None:
    assert in_scope(finding(start_line=lines[0], end_line=lines[1]), DIFFS, mode) is expected


def test_unknown_file_only_passes_nofilter() -> None:
    other = finding(path="other.py")
    assert not in_scope(other, DIFFS, "file")
    assert in_scope(other, DIFFS, "nofilter")
    assert not anchorable(other, DIFFS)


def test_anchor_must_sit_in_one_hunk() -> None:
    assert anchorable(finding(start_line=1, end_line=5), DIFFS)
    assert anchorable(finding(start_line=21, end_line=23), DIFFS)
    assert not anchorable(finding(start_line=5, end_line=21), DIFFS)
    assert not anchorable(finding(start_line=10, end_line=10), DIFFS)


def test_suggestion_applies_and_parses() -> None:
    good = finding(suggestion="b = 2")
    assert check_suggestion(good, CONTENT).ok
    assert (
        check_suggestion(finding(suggestion="b = 3"), CONTENT).reason
        == "suggestion changes nothing"
    )
    broken = check_suggestion(finding(suggestion="b = (2"), CONTENT)
    assert (broken.ok, broken.reason) == (False, "the suggested Python does not parse")
    past = check_suggestion(finding(start_line=99, end_line=99, suggestion="x"), CONTENT)
    assert not past.ok and "past the end" in past.reason
    assert check_suggestion(finding(), CONTENT).reason == "no suggestion"
    assert check_suggestion(good, None).reason == "file content unavailable"
    # Non-Python files are not parsed.
    assert check_suggestion(finding(path="m.txt", suggestion="b = (2"), CONTENT).ok


def test_suggestion_fence_cannot_be_closed_by_its_text() -> None:
    assert suggestion_block(suggestion_lines("x = 1\n")) == "```suggestion\nx = 1\n```"
    block = suggestion_block(suggestion_lines('doc = """\n```\n"""'))
    assert block.startswith("````suggestion\n") and block.endswith("\n````")


def test_a_suggestion_keeps_its_blank_lines() -> None:
    # Committing a suggestion writes exactly the block: a stripped blank line would be deleted.
    assert suggestion_lines("x = 1\n\n") == ["x = 1", ""]
    assert suggestion_block(["x = 1", ""]) == "```suggestion\nx = 1\n\n```"
    assert suggestion_block([]) == "```suggestion\n```"  # the range is deleted


def test_selection_dedupes_ranks_caps_and_skips_posted() -> None:
    code = {2: "b = 3", 4: "d = 5", 22: "y = 2"}

    def code_of(f: Finding) -> str:
        return code.get(f.start_line, "")

    low = finding(severity="low", confidence=0.5)
    same_but_stronger = finding(severity="high", confidence=0.9, body="other words")
    static_twin = finding(severity="medium", confidence=0.9, title="B001: x", source="static:ruff")
    second = finding(start_line=4, end_line=4, title="Another", severity="critical", confidence=0.9)
    third = finding(start_line=22, end_line=22, title="Third", severity="info")
    posted_key = third.key("y = 2")
    selection = select_findings(
        [low, same_but_stronger, static_twin, second, third],
        code_of,
        posted_keys=frozenset({posted_key}),
        max_inline=1,
    )
    assert selection.duplicates == 2
    assert selection.inline == (second,)
    assert selection.summary_only == (same_but_stronger,)
    assert selection.already_posted == (third,)


def test_selection_keeps_unanchorable_findings_for_the_summary() -> None:
    outside = finding(start_line=10, end_line=10, title="Elsewhere")
    selection = select_findings([outside], lambda f: "", inline_ok=lambda f: anchorable(f, DIFFS))
    assert selection.inline == ()
    assert selection.summary_only == (outside,)
