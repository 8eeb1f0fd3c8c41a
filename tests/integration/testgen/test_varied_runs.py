"""Every other run of the repeat gate is elsewhere in time and place: the clock a day later,
another time zone, CI unset. A test that pins a value read from the clock or from CI (which the
sandbox sets) is refused there, instead of being written and failing a minute later or on a
developer's machine. (The examples' probe already drops a call that reads a variable the sandbox
sets, such as CI.)"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from tests.conftest import RunCli

CLOCK = """\
import time


def stamp(tag: str) -> str:
    if not tag:
        return "none"
    return f"{tag}-{int(time.time()) // 3600}"
"""
CI = """\
import os


def mode(prefix: str) -> str:
    if not prefix:
        return "empty"
    if os.environ.get("CI"):
        return prefix + "-ci"
    return prefix + "-local"
"""
HUMAN = "def test_nothing():\n    pass\n"


def test_tests_that_pin_the_clock_or_ci_are_refused_at_repeat(
    make_project: Callable[[Mapping[str, str]], Path], project_python: Path, run_cli: RunCli
) -> None:
    config = "test-generation:\n  repeat-runs: 2\n"
    root = make_project(
        {
            "clock.py": CLOCK,
            "envdep.py": CI,
            "tests/test_nothing.py": HUMAN,
            ".github/ci-agent.yml": config,
        }
    )

    result = run_cli(
        "tests", "--all", "--repo", str(root), "--python", str(project_python),
        "--config", str(root / ".github/ci-agent.yml"), "--dry-run", "--output", "json",
    )  # fmt: skip

    assert result.code == 0, result.out + result.err
    data = result.json()["result"]
    by_target = {c["target"]: c for c in data["candidates"]}
    refused = by_target["clock.py::stamp"]
    assert refused["refused_at"] == "repeat", refused
    reason = refused["gates"][-1]["reason"]
    assert "with the clock a day later, another time zone and CI unset" in reason
    # The examples' probe sees mode read CI (which the sandbox sets) and keeps only the input
    # that does not: a test of the empty prefix, the same wherever it runs.
    kept = by_target["envdep.py::mode"]
    assert kept["accepted"], kept
    assert kept["tests"] and all("-ci" not in t and "-local" not in t for t in kept["tests"])
    assert [a["target"] for a in data["accepted"]] == ["envdep.py::mode"]
