"""Mutants are small syntax-tree changes on the target lines only, spliced into the text."""

from __future__ import annotations

import ast

from ci_agent.json_form import to_json
from ci_agent.testgen.mutants import mutants

SOURCE = """\
def f(a, b):  # a comment that must survive
    if a < b and b >= 0:
        log(a)
        return a + 1
    return not b
"""


def test_every_operator_family_is_mutated_on_the_given_lines() -> None:
    found = {(m.line, m.description) for m in mutants(SOURCE, {2, 3, 4, 5}, 50)}
    assert found == {
        (2, "< -> <="),
        (2, ">= -> >"),
        (2, "and -> or"),
        (2, "0 -> 1"),
        (3, "call to log() removed"),
        (4, "+ -> -"),
        (4, "1 -> 2"),
        (4, "return value -> None"),
        (5, "not removed"),
        (5, "return value -> None"),
    }


def test_a_mutant_changes_one_spot_and_keeps_the_rest_byte_for_byte() -> None:
    (mutant,) = [m for m in mutants(SOURCE, {2}, 50) if m.description == "< -> <="]
    assert mutant.source == SOURCE.replace("a < b", "(a <= b)")
    assert "# a comment that must survive" in mutant.source
    ast.parse(mutant.source)


def test_lines_outside_the_target_and_the_limit_are_respected() -> None:
    assert [m.line for m in mutants(SOURCE, {4}, 50)] == [4, 4, 4]
    assert len(mutants(SOURCE, {2, 3, 4, 5}, 3)) == 3
    assert mutants(SOURCE, {1}, 50) == []


def test_a_limit_below_the_mutants_spreads_them_over_the_lines_to_the_last() -> None:
    # Lines 2..5: 4, 1, 3 and 2 mutants. The first three in source order would all be on line 2.
    assert [m.line for m in mutants(SOURCE, {2, 3, 4, 5}, 3)] == [2, 4, 5]
    assert [m.line for m in mutants(SOURCE, {2, 3, 4, 5}, 4)] == [2, 3, 4, 5]
    # Fewer lines than the limit: each line's first mutant, then each line's second.
    assert [m.line for m in mutants(SOURCE, {2, 3, 4, 5}, 6)] == [2, 2, 3, 4, 4, 5]
    every = mutants(SOURCE, {2, 3, 4, 5}, 50)
    assert set(mutants(SOURCE, {2, 3, 4, 5}, 6)) <= set(every)


def test_a_long_function_gets_mutants_on_its_first_middle_and_last_lines() -> None:
    source = "def f(x):\n" + "".join(f"    x = x + {n}\n" for n in range(1, 31)) + "    return x\n"
    lines = [m.line for m in mutants(source, set(range(1, 33)), 5)]
    assert len(set(lines)) == 5 and lines[0] == 2 and lines[-1] == 32
    assert lines == sorted(lines)


def test_constants_of_each_kind_are_nudged() -> None:
    source = "X = (True, 2.5, 'abc', None)\n"
    found = {m.description for m in mutants(source, {1}, 50)}
    assert found == {"True -> False", "2.5 -> 3.5", "'abc' -> ''"}
    assert to_json(mutants(source, {1}, 50)[0])["line"] == 1


def test_mutants_on_different_lines_combine_into_one_source() -> None:
    from ci_agent.testgen.batch_mutants import combined

    source = "def f(a, b):\n    if a < b:\n        return 'low'\n    return a + 1\n"
    first = next(m for m in mutants(source, {2}, 10) if "<=" in m.description)
    second = next(m for m in mutants(source, {4}, 10) if m.description == "1 -> 2")
    both = combined(source, [first.source, second.source])
    assert both == "def f(a, b):\n    if (a <= b):\n        return 'low'\n    return a + 2\n"
    assert combined(source, [first.source]) == first.source


def test_a_statement_written_over_several_lines_is_mutated_from_its_first_line() -> None:
    source = "def f(a):\n    return g(\n        a,\n        b=2,\n    )\n"
    # coverage reports only line 2 as run: the return and what starts there are mutated
    found = mutants(source, {2}, 50)
    assert [(m.line, m.last_line, m.description) for m in found] == [(2, 5, "return value -> None")]
    assert found[0].source == "def f(a):\n    return None\n"
    # what starts on a later line of it is mutated when that line is given
    assert {m.description for m in mutants(source, {4}, 50)} == {"2 -> 3"}


def test_mutants_whose_lines_overlap_never_share_a_pack() -> None:
    from ci_agent.testgen.batch_mutants import _overlap

    source = "def f(a):\n    return g(\n        a,\n        b=2,\n    )\n"
    (whole,) = mutants(source, {2}, 50)
    (inner,) = mutants(source, {4}, 50)
    assert _overlap(whole, inner) and _overlap(inner, whole)
    assert not _overlap(inner, mutants("x = 1\ny = 2\nz = 3\n", {1}, 5)[0])


def test_a_raise_is_removed_and_a_bare_reraise_kept() -> None:
    source = (
        "def f(a):\n    try:\n        return 1 // a\n    except ZeroDivisionError:\n"
        "        raise\n    raise ValueError(a)\n"
    )
    found = mutants(source, {5, 6}, 50)
    assert [(m.line, m.description) for m in found] == [(6, "raise removed")]
    assert found[0].source.endswith("        raise\n    pass\n")


def test_a_mutant_that_only_breaks_the_module_s_import_is_not_counted_as_a_kill() -> None:
    # Every test that imports the module fails on such a mutant, the suite's own included:
    # it says nothing of what the candidate checks, and its test's header would say 0.
    from ci_agent.testgen.batch import Item
    from ci_agent.testgen.batch_mutants import _judge_mutants
    from ci_agent.testgen.funnel import CandidateState
    from ci_agent.testgen.mutants import Mutant
    from ci_agent.testgen.targets import Target
    from ci_agent.testgen.verdict import Candidate

    def item() -> Item:
        state = CandidateState(Candidate("m.py::f", "", "examples"), "tests/test_m.py")
        state.tests = ("tests/test_m.py::test_f",)
        return Item(0, state, Target("m.py", "f", 1, 3, (2,), ()), "tests/test_m.py")

    broke, caught = Mutant(2, "call removed", "broke"), Mutant(3, "> flipped", "caught")
    at_import = {(0, "broke"): ["tests/test_m.py (import)"]}

    only = item()
    _judge_mutants(only, [broke], at_import, 0.0)
    both = item()
    _judge_mutants(
        both, [broke, caught], {**at_import, (0, "caught"): ["tests/test_m.py::test_f"]}, 0.0
    )

    gate = only.state.gates[-1]
    assert not gate.passed and gate.reason.startswith(
        "kills none of 1 mutants (1 of them only broke"
    )
    assert only.state.survived == [broke] and only.state.killed_by_test == {}
    assert both.state.gates[-1].passed and both.state.killed == [caught]
    assert both.state.killed_by_test == {"tests/test_m.py::test_f": 1}
