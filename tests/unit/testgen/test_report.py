"""The run's text and Markdown: a test credited to another target names the function it was
written for, an engine that cannot run says so once, and the run's time is shown."""

from __future__ import annotations

from ci_agent.render import TemplateRenderer
from ci_agent.testgen.report import grouped_notes, result_markdown, result_text
from ci_agent.testgen.run import RunResult
from ci_agent.testgen.scope import Scope
from ci_agent.testgen.verdict import Candidate, GateResult, Verdict
from ci_agent.testgen.writer import GeneratedFile

GHOST = "the ghostwriter cannot run: ModuleNotFoundError: No module named 'black'"


def _result() -> RunResult:
    candidate = Candidate("roman.py::fromRoman", "def test_main(): pass\n", "examples", 1)
    credited = Verdict(
        Candidate(candidate.target, candidate.source, "examples", 1, "roman.py::main"),
        (GateResult("lint", True),),
        tests=("test_main",),
        gained_lines=(3, 4),
    )
    own = Verdict(candidate, (GateResult("lint", True),), tests=("test_from",), gained_lines=(7,))
    files = (GeneratedFile("tests/test_roman_generated.py", "", ("roman.py::fromRoman",)),)
    notes = tuple(f"roman.py::{name}: ghostwriter: {GHOST}" for name in ("a", "b", "c"))
    notes += ("roman.py::d: pynguin: no test calls it",)
    return RunResult(Scope("all"), (), (credited, own), files, (), 0, 0, 74.4, notes=notes)


def test_an_engine_that_gives_one_reason_for_many_targets_says_it_once() -> None:
    result = _result()

    lines = grouped_notes(result.notes)

    assert lines == [
        "3 targets (roman.py::a and 2 more, listed in the JSON result): ghostwriter: " + GHOST,
        "roman.py::d: pynguin: no test calls it",
    ]


def test_the_text_names_the_function_a_credited_test_was_written_for_and_the_time() -> None:
    text = result_text(_result(), ["tests/test_roman_generated.py"], dry_run=False)

    assert "accepted roman.py::fromRoman (examples, written for main): 1 test(s)" in text
    assert "accepted roman.py::fromRoman (examples): 1 test(s)" in text
    assert text.count("ghostwriter cannot run") == 1
    assert text.rstrip().endswith("took 74 s")


def test_the_markdown_names_the_function_a_credited_test_was_written_for() -> None:
    text = result_markdown(_result(), [], TemplateRenderer())

    assert "`roman.py::fromRoman` (written for `roman.py::main`)" in text


def test_a_change_s_lines_still_unrun_are_listed_and_the_cut_says_where_the_rest_is() -> None:
    from ci_agent.testgen.coverage_data import FileCoverage
    from ci_agent.testgen.report import diff_line, result_dict
    from ci_agent.testgen.run import diff_coverage

    baseline = {
        "roman.py": FileCoverage(
            executed=frozenset({1, 2}),
            missing=frozenset(range(3, 20)),
            missing_branches=frozenset({(2, 3), (2, 4), (9, 10)}),
        )
    }
    accepted = Verdict(
        Candidate("roman.py::toRoman", "", "examples"),
        (GateResult("lint", True),),
        gained_lines=(3, 4),
        gained_branches=((2, 3),),
    )
    refused = Verdict(
        Candidate("roman.py::toRoman", "", "pynguin"),
        (GateResult("lint", False),),
        gained_lines=(5,),
    )
    changed = {"roman.py": frozenset(range(2, 20)) | {40}, "tests/test_x.py": frozenset({1})}

    diff = diff_coverage(changed, baseline, [accepted, refused])

    assert (diff.lines, diff.lines_uncovered, diff.branches_uncovered) == (18, 17, 3)
    assert diff.still_lines == tuple(f"roman.py:{n}" for n in range(5, 20))
    assert diff.still_branches == ("roman.py:2->4", "roman.py:9->10")
    result = RunResult(Scope("base", base="main"), (), (), (), (), 0, 0, 1.0, diff=diff)
    line = diff_line(result)
    assert line.startswith("changed lines: 17 of 18 not run by the suite before, 15 still not run")
    assert "roman.py:14 and 5 more in the JSON result" in line
    assert (
        result_dict(result, [], "python")["diff_coverage"]["still_uncovered"][-1] == "roman.py:19"
    )


def test_the_markdown_counts_candidates_and_files_and_lists_targets_without_a_candidate() -> None:
    text = result_markdown(_result(), [], TemplateRenderer())

    assert "**2 candidate(s) accepted** for 0 target(s), to be written to 1 file(s): " in text
    assert "`tests/test_roman_generated.py`" in text
    assert "Targets an engine wrote no candidate for (2)" in text
    assert "roman.py::d: pynguin: no test calls it" in text
