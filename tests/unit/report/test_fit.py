"""Fitting texts into GitHub's limits: whole rows left out first, a marked cut only as a last
resort, and what was left out always said."""

from __future__ import annotations

from collections.abc import Mapping

import cmarkgfm

from ci_agent.report.fit import fit_lists, fit_text
from ci_agent.report.limits import github_length


def table(shown: Mapping[str, int], *, files: int = 300, findings: int = 300) -> str:
    head = "## Report\n\n| finding |\n|---|\n"
    rows = "".join(f"| finding {i} is here |\n" for i in range(shown["findings"]))
    more = (
        f"\n{findings - shown['findings']} more finding(s)\n"
        if shown["findings"] < findings
        else ""
    )
    listed = "".join(f"- file_{i}.py\n" for i in range(shown["files"]))
    return head + rows + more + "\n### Files\n\n" + listed


def test_nothing_is_cut_when_it_fits() -> None:
    fitted = fit_lists(table, {"files": 300, "findings": 300}, 100_000)
    assert fitted.complete
    assert fitted.text == table({"files": 300, "findings": 300})


def test_the_least_important_list_is_cut_first_and_as_little_as_possible() -> None:
    full = table({"files": 300, "findings": 300})
    limit = len(full) - 500
    fitted = fit_lists(table, {"files": 300, "findings": 300}, limit)
    assert len(fitted.text) <= limit
    (cut,) = fitted.cuts
    assert cut.name == "files"
    assert cut.omitted > 0
    # One more row would not fit: the most that fits is shown.
    assert len(table({"files": cut.shown + 1, "findings": 300})) > limit


def test_later_lists_are_cut_once_earlier_ones_are_empty() -> None:
    fitted = fit_lists(table, {"files": 300, "findings": 300}, 2_000)
    names = {c.name: c for c in fitted.cuts}
    assert names["files"].shown == 0
    assert 0 < names["findings"].shown < 300
    assert len(fitted.text) <= 2_000
    assert "more finding(s)" in fitted.text


def test_a_text_that_cannot_fit_by_rows_is_cut_at_a_line_with_its_fence_closed() -> None:
    text = "intro\n\n````python\n" + "code line\n" * 5_000 + "````\n\nafter\n"
    cut = fit_text(text, 10_000, where="the run's artifact")
    assert github_length(cut) <= 10_000
    assert "Cut to fit GitHub's size limit" in cut
    assert "the run's artifact" in cut
    html = cmarkgfm.github_flavored_markdown_to_html(cut)
    # The note is outside the code block: the fence was closed before it.
    assert "<strong>Cut to fit" in html


def test_characters_outside_the_basic_plane_count_twice() -> None:
    text = "\U0001f600" * 40_000  # 40,000 characters, 80,000 UTF-16 units
    cut = fit_text(text + "\n", 65_536)
    assert github_length(cut) <= 65_536
