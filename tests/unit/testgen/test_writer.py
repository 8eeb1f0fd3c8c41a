"""Accepted candidates become one new file per module: imports merged, names kept apart, a
header above each test; shard files merge the same way."""

from __future__ import annotations

import ast
from pathlib import Path

from ci_agent.json_form import to_json
from ci_agent.testgen.examples_engine import choose_cases, render_module
from ci_agent.testgen.merge import merge_modules
from ci_agent.testgen.mutants import Mutant
from ci_agent.testgen.targets import Target
from ci_agent.testgen.verdict import Candidate, GateResult, Verdict
from ci_agent.testgen.writer import compose_file, output_path

TARGET = Target("pkg/calc.py", "clamp", 1, 7, (3, 4), ((3, 4),))


def _verdict(target: str, source: str, killed: int = 1) -> Verdict:
    mutant = Mutant(3, "< -> <=", "")
    return Verdict(
        Candidate(target, source, "model"),
        (GateResult("lint", True),),
        source,
        ("tests/t.py::test_a",),
        (3, 4, 5, 9),
        ((3, 4),),
        (mutant,) * killed,
        (mutant,),
        {"tests/t.py::test_a": killed},
    )


def test_output_paths_never_take_an_existing_file() -> None:
    pattern = "tests/test_{module}_generated.py"
    assert output_path(pattern, TARGET, []) == "tests/test_calc_generated.py"
    taken = ["tests/test_calc_generated.py", "tests/test_calc_generated_2.py"]
    assert output_path(pattern, TARGET, taken) == "tests/test_calc_generated_3.py"
    assert output_path("t/{package}_{module}.py", TARGET, []) == "t/pkg_calc.py"


def test_two_candidates_share_one_file_with_merged_imports_and_headers(tmp_path: Path) -> None:
    body = "\n\n\ndef test_a():\n    assert clamp({}, 0, 2) == 1\n"
    first = "import pytest\nfrom pkg.calc import clamp" + body.format(1)
    second = '"""Doc."""\nfrom pkg.calc import clamp' + body.format(3)
    made = compose_file(
        "tests/test_calc_generated.py",
        [_verdict("pkg/calc.py::clamp", first), _verdict("pkg/calc.py::other", second, 0)],
        tmp_path,
    )
    tree = ast.parse(made.text)
    names = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    assert names == ["test_a", "test_a_2"]
    assert made.text.count("from pkg.calc import clamp") == 1
    assert "# ci-agent: target pkg/calc.py::clamp (model)" in made.text
    assert "# module gains lines 3-5, 9; branches 3->4" in made.text
    assert "# this test kills 1 of the 2 mutants it was judged on" in made.text
    assert made.targets == ("pkg/calc.py::clamp", "pkg/calc.py::other")
    assert to_json(made)["path"] == "tests/test_calc_generated.py"


def test_shard_files_merge_on_the_syntax_tree(tmp_path: Path) -> None:
    one = "import pytest\n\nfrom m import f\n\n\n# header one\ndef test_f():\n    assert f()\n"
    two = "from m import f\nfrom m import g\n\n\n# header two\ndef test_f():\n    assert g()\n"
    text = merge_modules([one, two], tmp_path)
    assert "from m import f, g" in text  # merged, then sorted by the repository's ruff
    assert "# header one\ndef test_f():" in text and "# header two\ndef test_f_2():" in text
    ast.parse(text)


def test_examples_are_written_as_readable_parametrised_tests() -> None:
    cases = [
        {
            "args": ["-1", "0"],
            "kind": "returns",
            "value": "0",
            "lines": [3],
            "arcs": [],
            "kills": [0],
        },
        {
            "args": ["5", "0"],
            "kind": "returns",
            "value": "5",
            "lines": [4],
            "arcs": [],
            "kills": [],
        },
        {
            "args": ["1", "1"],
            "kind": "returns",
            "value": "1",
            "lines": [4],
            "arcs": [],
            "kills": [],
        },
        {
            "args": ["'x'", "0"],
            "kind": "raises",
            "value": "builtins.TypeError",
            "lines": [2],
            "arcs": [],
            "kills": [1],
        },
    ]
    chosen = choose_cases(cases, {3, 4})
    assert [c["args"] for c in chosen] == [["-1", "0"], ["5", "0"], ["'x'", "0"]]
    text = render_module("calc", "floor_at", ["x", "low"], ["pos", "pos"], chosen)
    assert "from calc import floor_at" in text
    assert (
        "def test_floor_at_returns(x, low, expected):\n    assert floor_at(x, low) == expected"
        in text
    )
    assert "        (-1, 0, 0),\n        (5, 0, 5),\n" in text
    assert "def test_floor_at_raises_typeerror(x, low):\n    with pytest.raises(TypeError):" in text
    ast.parse(text)
    single = render_module("calc", "neg", ["x"], ["kw:x"], [cases[3]])
    assert "@pytest.mark.parametrize(\n    \"x\",\n    [\n        'x',\n" in single
    assert "neg(x=x)" in single


def test_of_the_cases_that_gain_as_much_the_plainest_is_chosen() -> None:
    def case(arg: str) -> dict[str, object]:
        return {
            "args": [arg],
            "kind": "returns",
            "value": "1",
            "lines": [3],
            "arcs": [],
            "kills": [0],
        }

    cases = [case("'(?i)({}){}$'"), case("'%s{2,}'"), case("'apple'"), case("'a'")]

    (chosen,) = choose_cases(cases, {3})

    assert chosen["args"] == ["'a'"]
