"""A scheduled run split over a matrix: each shard checks its own targets, and the merge job
combines their files into one delivery after running the whole suite with all of them."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path

from tests.conftest import RunCli

CALC = """\
def clamp(value: int, low: int, high: int) -> int:
    if value < low:
        return low
    if value > high:
        return high
    return value


def sign(x: int) -> int:
    if x < 0:
        return -1
    if x == 0:
        return 0
    return 1
"""


def test_shards_split_the_targets_and_merge_into_one_file(
    make_project: Callable[[Mapping[str, str]], Path],
    project_python: Path,
    run_cli: RunCli,
    tmp_path: Path,
) -> None:
    root = make_project({"calc.py": CALC, "tests/test_nothing.py": "def test_ok():\n    pass\n"})
    results = []
    for index in (1, 2):
        result = run_cli(
            "tests",
            "--all",
            "--shard",
            f"{index}/2",
            "--repo",
            str(root),
            "--python",
            str(project_python),
            "--dry-run",
            "--output",
            "json",
        )
        assert result.code == 0, result.out + result.err
        data = result.json()["result"]
        assert data["targets"]["total"] == 2
        assert [t["function"] for t in data["targets"]["list"]] == [["clamp"], ["sign"]][index - 1]
        assert [f["path"] for f in data["files"]] == ["tests/test_calc_generated.py"]
        saved = tmp_path / f"shard-{index}.json"
        saved.write_text(result.out)
        results.append(str(saved))

    merged = run_cli(
        "tests",
        "--merge",
        results[0],
        "--merge",
        results[1],
        "--repo",
        str(root),
        "--python",
        str(project_python),
        "--output",
        "json",
    )

    assert merged.code == 0, merged.out + merged.err
    data = merged.json()["result"]
    assert data["shards"] == ["1/2", "2/2"] and data["missing_shards"] == []
    assert data["funnel"]["candidates"] == 2 and data["funnel"]["suite"] == 2
    assert data["written"] == ["tests/test_calc_generated.py"]
    text = (root / "tests/test_calc_generated.py").read_text()
    assert "# ci-agent: target calc.py::clamp (examples)" in text
    assert "# ci-agent: target calc.py::sign (examples)" in text
    assert text.count("import pytest") == 1
    run = [str(project_python), "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    done = subprocess.run(run, check=False, cwd=root, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout
    assert "passed" in done.stdout


def test_shard_results_of_different_commits_are_refused(
    make_project: Callable[[Mapping[str, str]], Path], run_cli: RunCli, tmp_path: Path
) -> None:
    root = make_project({"calc.py": CALC})
    for index, commit in ((1, "a" * 40), (2, "b" * 40)):
        body = {"commit": commit, "scope": {"shard": f"{index}/2"}, "files": []}
        (tmp_path / f"{index}.json").write_text(json.dumps({"result": body}))

    result = run_cli(
        "tests",
        "--merge",
        str(tmp_path / "1.json"),
        "--merge",
        str(tmp_path / "2.json"),
        "--repo",
        str(root),
        "--output",
        "json",
    )

    assert result.code == 4
    (error,) = result.json()["errors"]
    assert error["code"] == "CA582" and "different commits" in error["message"]


def test_a_result_made_from_uncommitted_code_says_so_and_is_not_merged(
    make_project: Callable[[Mapping[str, str]], Path],
    project_python: Path,
    run_cli: RunCli,
    tmp_path: Path,
) -> None:
    root = make_project({"calc.py": CALC, "tests/test_nothing.py": "def test_ok():\n    pass\n"})
    (root / "calc.py").write_text(
        CALC + "\n\ndef sign(x: int) -> int:\n    return -1 if x < 0 else 1\n"
    )
    shard = tmp_path / "shard.json"

    made = run_cli(
        "tests", "--all", "--shard", "1/1", "--repo", str(root), "--python", str(project_python),
        "--dry-run", "--output", "json",
    )  # fmt: skip
    shard.write_text(made.out)
    merged = run_cli("tests", "--merge", str(shard), "--repo", str(root), "--output", "json")

    assert made.code == 0, made.out + made.err
    assert made.json()["result"]["dirty"] is True
    assert merged.code == 4
    (error,) = merged.json()["errors"]
    assert error["code"] == "CA582" and "uncommitted changes" in error["message"]
