"""The examples probe on classes, exceptions and command lines: it records what a test can
assert on an object (its public attributes, an exception's message, what was printed), and the
module written from that is a real test that passes here and fails on a planted bug."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ci_agent.testgen.examples_engine import choose_cases, render_module
from ci_agent.testgen.mutants import mutants
from ci_agent.testgen.probes import examples
from ci_agent.testgen.targets import function_spans

MODULE = """\
import argparse
import sys


class Point:
    def __init__(self, x: int, y: int = 0):
        self.x = x
        self.y = y
        self._seen = object()

    def shifted(self, by: int) -> int:
        return self.x + by


class LimitError(ValueError):
    def __init__(self, limit, found):
        super().__init__(f"{found} is over {limit}")
        self.limit = limit
        self.found = found


def parse_args(args):
    parser = argparse.ArgumentParser(prog="tool")
    parser.add_argument("name")
    parser.add_argument("-q", "--quiet", action="store_true")
    return parser.parse_args(args)


def main():
    parser = argparse.ArgumentParser(prog="tool")
    parser.add_argument("count", type=int)
    parser.add_argument("-l", "--loud", action="store_true")
    options = parser.parse_args()
    print("hey" * options.count if options.loud else options.count)
    return 0
"""


@pytest.fixture
def module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    (tmp_path / "shapes.py").write_text(MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "argv", list(sys.argv))  # the probe sets the command line
    yield tmp_path
    sys.modules.pop("shapes", None)


def _probe(tmp_path: Path, qualname: str) -> dict[str, Any]:
    spans = {name: (first, last) for name, first, last in function_spans(MODULE)}
    first, last = spans[qualname]
    ask, out = tmp_path / "ask.json", tmp_path / "out.json"
    request = {
        "module": "shapes",
        "qualname": qualname,
        "source": "\n".join(MODULE.splitlines()[first - 1 : last]),
        "mutants": [m.source for m in mutants(MODULE, set(range(first, last + 1)), 20)],
    }
    ask.write_text(json.dumps({"requests": [request]}))
    assert examples.main(["probe", str(ask), str(out)]) == 0
    answer: dict[str, Any] = json.loads(out.read_text())["answers"][0]
    assert answer["problem"] == ""
    answer["chosen"] = choose_cases(answer["cases"], set(range(first, last + 1)))
    return answer


def _written(qualname: str, answer: dict[str, Any]) -> str:
    text = render_module(
        "shapes",
        qualname,
        answer["names"],
        answer["kinds"],
        answer["chosen"],
        shape=answer["shape"],
        split=answer["split"],
        argv=answer["argv"],
    )
    ast.parse(text)
    return text


def _pytest(root: Path, test: str, source: str) -> int:
    """Run the written test with real pytest against ``source`` as the module."""
    (root / "shapes.py").write_text(source)
    (root / "test_written.py").write_text(test)
    run = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_written.py"]
    return subprocess.run(run, check=False, cwd=root, capture_output=True).returncode


def test_a_constructor_is_probed_for_the_attributes_it_stores(module: Path) -> None:
    answer = _probe(module, "Point.__init__")
    assert answer["shape"] == "init" and answer["names"] == ["x", "y"]
    states = [c for c in answer["cases"] if c["kind"] == "state"]
    assert {"x": 1, "y": 0} in [ast.literal_eval(c["value"]["attributes"]) for c in states]
    # The private attribute holds an object no test can spell: only public literals are kept.
    assert not any(c["value"]["full"] for c in states)
    text = _written("Point.__init__", answer)
    assert "def test_Point_init(x, y, attributes):\n    made = Point(x, y)\n" in text
    assert "{name: getattr(made, name) for name in attributes} == attributes" in text
    assert _pytest(module, text, MODULE) == 0
    assert _pytest(module, text, MODULE.replace("self.y = y", "self.y = x")) == 1


def test_a_method_is_called_on_an_object_built_from_small_inputs(module: Path) -> None:
    answer = _probe(module, "Point.shifted")
    assert answer["shape"] == "method" and answer["split"] == 2
    assert answer["names"] == ["x", "y", "by"]
    text = _written("Point.shifted", answer)
    assert "assert Point(x, y).shifted(by) == expected" in text
    assert _pytest(module, text, MODULE) == 0
    assert _pytest(module, text, MODULE.replace("self.x + by", "self.x - by")) == 1


def test_an_exception_class_is_asserted_on_its_message_and_fields(module: Path) -> None:
    answer = _probe(module, "LimitError.__init__")
    text = _written("LimitError.__init__", answer)
    assert "def test_LimitError_init(limit, found, message, attributes):" in text
    assert "    assert str(made) == message\n    assert vars(made) == attributes\n" in text
    assert _pytest(module, text, MODULE) == 0
    assert _pytest(module, text, MODULE.replace("is over", "is under")) == 1
    assert _pytest(module, text, MODULE.replace("self.found = found", "self.found = limit")) == 1


def test_an_argument_parser_is_given_command_lines_and_its_namespace_asserted(
    module: Path,
) -> None:
    answer = _probe(module, "parse_args")
    lines = [ast.literal_eval(c["args"][0]) for c in answer["cases"]]
    assert ["-q", "1"] in lines  # an option string of the module, with a value
    text = _written("parse_args", answer)
    assert "    made = parse_args(args)\n    assert vars(made) == attributes\n" in text
    assert "'quiet': " in text
    # A command line argparse refuses is a case too (it exits), not the end of the probe.
    raised = {c["value"] for c in answer["cases"] if c["kind"] == "raises"}
    assert "builtins.SystemExit" in raised
    assert _pytest(module, text, MODULE) == 0
    bug = MODULE.replace('action="store_true")\n    return', 'action="store_false")\n    return')
    assert _pytest(module, text, bug) == 1


def test_code_that_reads_sys_argv_is_run_on_command_lines_and_its_output_asserted(
    module: Path,
) -> None:
    answer = _probe(module, "main")
    assert answer["argv"] and answer["names"] == ["argv"] and answer["kinds"] == ["argv"]
    text = _written("main", answer)
    assert text.startswith("import sys\n\nimport pytest\n\nfrom shapes import main\n")
    assert (
        "def test_main_returns(argv, expected, output, monkeypatch, capsys):\n"
        '    monkeypatch.setattr(sys, "argv", argv)\n'
        "    assert main() == expected\n"
        "    assert capsys.readouterr().out == output\n"
    ) in text
    assert _pytest(module, text, MODULE) == 0
    assert _pytest(module, text, MODULE.replace("if options.loud", "if not options.loud")) == 1


def test_inputs_named_like_a_column_or_an_import_are_renamed() -> None:
    case = {
        "args": ["'boom'", "1"],
        "kind": "state",
        "value": {"message": "'boom'", "attributes": "{'message': 'boom'}", "full": True},
        "out": "",
        "lines": [],
        "arcs": [],
        "kills": [0],
    }
    text = render_module(
        "errors",
        "Failure.__init__",
        ["message", "Failure"],
        ["pos", "kw:Failure"],
        [case],
        shape="init",
    )
    assert "def test_Failure_init(message_, Failure_, message, attributes):" in text
    assert "made = Failure(message_, Failure=Failure_)" in text
    ast.parse(text)


def test_each_target_starts_from_a_fresh_import_of_its_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "rules.py").write_text(
        "RULES = ['a']\n\n\ndef add_rule(rule: str) -> None:\n    RULES.insert(0, rule)\n\n\n"
        "def first() -> str:\n    return RULES[0]\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    requests = [
        {"module": "rules", "qualname": name, "source": "", "mutants": []}
        for name in ("add_rule", "first")
    ]
    ask, out = tmp_path / "ask.json", tmp_path / "out.json"
    ask.write_text(json.dumps({"requests": requests}))
    try:
        assert examples.main(["probe", str(ask), str(out)]) == 0
    finally:
        sys.modules.pop("rules", None)
    _, first = json.loads(out.read_text())["answers"]
    # add_rule's calls put other rules first; first() is probed on the module as imported.
    assert {c["value"] for c in first["cases"]} == {"'a'"}
