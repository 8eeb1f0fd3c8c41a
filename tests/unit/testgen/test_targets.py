"""Targets are the innermost functions holding uncovered lines or branches; shards split them
the same way in every job."""

from __future__ import annotations

import pytest

from ci_agent.errors import CiAgentError
from ci_agent.json_form import to_json
from ci_agent.testgen.coverage_data import FileCoverage, parse_coverage_json
from ci_agent.testgen.scope import Scope, parse_shard
from ci_agent.testgen.targets import Target, is_test_file, select_targets, shard

SOURCE = """\
import os


class Box:
    def open(self):
        if self.x:
            return 1
        return 2

    def close(self):
        def inner():
            return 3
        return inner()


def top(x):
    return x
"""
COVERAGE = FileCoverage(
    executed=frozenset({1, 4, 5, 6, 7, 10, 16}),
    missing=frozenset({8, 11, 12, 13, 17}),
    missing_branches=frozenset({(6, 8)}),
)


def test_missing_lines_belong_to_the_innermost_function() -> None:
    found, outside = select_targets({"pkg/box.py": SOURCE}, {"pkg/box.py": COVERAGE})
    assert [(t.qualname, t.missing_lines, t.missing_branches) for t in found] == [
        # inner's def line runs when close runs: it is close's line.
        ("Box.close", (11, 13), ()),
        ("Box.close.<locals>.inner", (12,), ()),
        ("Box.open", (8,), ((6, 8),)),
        ("top", (17,), ()),
    ]
    assert outside == 0
    assert found[2].key == "pkg/box.py::Box.open" and found[2].module == "pkg.box"
    assert found[2].lines == frozenset({6, 8})
    assert to_json(found[2])["missing_branches"] == ["6->8"]


def test_decorators_and_def_lines_of_a_module_no_test_imports_are_not_its_functions() -> None:
    # They run at import, in no test: a target holding them stayed open after its tests ran
    # every line of its body (the offline engines' next round asked again).
    source = "import functools\n\n\n@functools.cache\ndef top(\n    x=1,\n):\n    return x\n"
    never = FileCoverage(frozenset(), frozenset({1, 4, 5, 8}), frozenset())

    found, outside = select_targets({"new.py": source}, {"new.py": never})

    assert [(t.qualname, t.missing_lines, t.start) for t in found] == [("top", (8,), 4)]
    assert outside == 3


def test_pull_request_mode_keeps_only_changed_functions() -> None:
    found, _ = select_targets(
        {"pkg/box.py": SOURCE}, {"pkg/box.py": COVERAGE}, {"pkg/box.py": frozenset({7})}
    )
    assert [t.qualname for t in found] == ["Box.open"]


def test_test_files_and_files_without_coverage_are_not_targets() -> None:
    coverage = {"tests/test_box.py": COVERAGE}
    assert select_targets({"tests/test_box.py": SOURCE, "other.py": SOURCE}, coverage) == ([], 0)
    assert is_test_file("pkg/conftest.py") and is_test_file("a/b_test.py")
    assert not is_test_file("pkg/testing_utils.py")


def test_shards_are_round_robin_over_sorted_keys() -> None:
    targets = [Target(f"m{i}.py", "f", 1, 2, (1,), ()) for i in (3, 1, 2, 5, 4)]
    first, second = shard(targets, 1, 2), shard(targets, 2, 2)
    assert [t.path for t in first] == ["m1.py", "m3.py", "m5.py"]
    assert [t.path for t in second] == ["m2.py", "m4.py"]
    assert Target("src/pkg/__init__.py", "f", 1, 2, (), ()).module == "pkg"


@pytest.mark.parametrize("value", ["0/2", "3/2", "a/b", "2", "1/0"])
def test_a_bad_shard_is_ca191(value: str) -> None:
    with pytest.raises(CiAgentError) as caught:
        parse_shard(value)
    assert caught.value.code == "CA191"


def test_scopes_and_shards_read_back() -> None:
    assert parse_shard("2/4") == (2, 4) and parse_shard(None) is None
    scope = Scope("base", "main", "HEAD", (), (1, 3))
    assert to_json(scope) == {"mode": "base", "base": "main", "head": "HEAD", "shard": "1/3"}


def test_coverage_json_is_read_relative_to_the_root(tmp_path: object) -> None:
    from pathlib import Path

    root = Path(str(tmp_path))
    data = {
        "files": {
            "a.py": {"executed_lines": [1], "missing_lines": [2], "missing_branches": [[1, 2]]},
            str(root / "b.py"): {"executed_lines": [3], "executed_branches": [[3, -1]]},
            "/elsewhere/site.py": {"executed_lines": [1]},
        }
    }
    found = parse_coverage_json(data, root)
    assert found["a.py"].missing_branches == frozenset({(1, 2)})
    assert found["b.py"].executed_branches == frozenset({(3, -1)})
    assert "/elsewhere/site.py" not in found and len(found) == 2
    with pytest.raises(ValueError):
        parse_coverage_json({}, root)
