"""The sandbox's and test runner's parts: configuration, secret places, reports, processes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pydantic import ValidationError

from ci_agent.change import junit_outcomes
from ci_agent.change.coverage_data import read_coverage
from ci_agent.change.junit_outcomes import read_outcomes
from ci_agent.change.process import execute
from ci_agent.change.secret_places import (
    ancestor_pids,
    hidden_mounts,
    sanitized_git_config,
    secrets_in_reach,
)
from ci_agent.config_model import FileConfig
from ci_agent.config_tests import TestsConfig
from ci_agent.config_validate import validate_section


def test_the_tests_section_is_part_of_the_file_config() -> None:
    config = validate_section(
        FileConfig,
        {"tests": {"command": "uv run pytest", "timeout": 60, "pass-env": ["PIP_INDEX_URL"]}},
    )
    assert config.tests.argv() == ("uv", "run", "pytest")
    assert config.tests.timeout == 60 and config.tests.isolation == "auto"
    assert TestsConfig().argv() is None


@pytest.mark.parametrize(
    ("section", "problem"),
    [
        ({"command": "pytest 'unclosed"}, "cannot be split"),
        ({"command": "   "}, "the command is empty"),
        ({"pass-env": ["MY_API_TOKEN"]}, "looks like a credential"),
        ({"pass-env": ["AWS_SECRET_ACCESS_KEY"]}, "looks like a credential"),
        ({"pass-env": ["not a name"]}, "is not an environment variable name"),
        ({"isolation": "docker"}, "isolation"),
        ({"comand": "pytest"}, "comand"),
    ],
)
def test_bad_tests_settings_are_refused(section: dict[str, object], problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        validate_section(TestsConfig, section)


def test_secrets_in_reach_names_variables_with_values_only() -> None:
    found = secrets_in_reach({"GITHUB_TOKEN": "x", "OPENAI_API_KEY": "y", "EMPTY_TOKEN": " "})
    assert "GITHUB_TOKEN (this process)" in found and "OPENAI_API_KEY (this process)" in found
    assert not any(name.startswith("EMPTY_TOKEN") for name in found)
    assert not any("PATH" in name for name in secrets_in_reach({"PATH": "/bin"}))


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
def test_ancestors_are_read_from_proc() -> None:
    assert next(ancestor_pids()) == os.getppid()


def test_the_git_configuration_copy_keeps_harmless_keys_only(tmp_path: Path) -> None:
    source, copy = tmp_path / "config", tmp_path / "copy"
    included = tmp_path / "credentials.config"
    for key, value in (
        ("core.repositoryformatversion", "0"),
        ("core.bare", "false"),
        ("http.https://github.com/.extraheader", "AUTHORIZATION: basic c2VjcmV0"),
        ("credential.helper", "store"),
        ("remote.origin.url", "https://x-access-token:ghs_secret@github.com/o/r"),
        ("remote.origin.fetch", "+refs/heads/*:refs/remotes/origin/*"),
        ("url.https://ghs_other@github.com/.insteadOf", "https://github.com/"),
        ("includeIf.gitdir:/w/.git.path", str(included)),
        ("core.sshCommand", "ssh -i key"),
    ):
        subprocess.run(["git", "config", "--file", str(source), key, value], check=True)
    assert sanitized_git_config(source, copy) == (str(included),)
    text = copy.read_text()
    assert "repositoryformatversion" in text and "refs/remotes/origin" in text
    assert "url = https://github.com/o/r" in text
    for gone in ("c2VjcmV0", "ghs_secret", "ghs_other", "helper", "sshCommand", "include"):
        assert gone not in text


def test_hidden_mounts_cover_the_runner_temp_home_files_and_git_config(tmp_path: Path) -> None:
    home, temp, git_dir = tmp_path / "home", tmp_path / "temp", tmp_path / "repo" / ".git"
    for directory in (home, temp, git_dir):
        directory.mkdir(parents=True)
    subprocess.run(
        ["git", "config", "--file", str(git_dir / "config"), "core.bare", "0"], check=True
    )
    (home / ".gitconfig").write_text("[user]\n\tname = me\n")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    environ = {"HOME": str(home), "RUNNER_TEMP": str(temp), "XDG_CONFIG_HOME": str(home / "x")}
    mounts = hidden_mounts(environ, git_dir, scratch, ("/kept",))
    assert str(temp.resolve()) in mounts.masks
    assert str((home / ".config" / "gh").resolve()) in mounts.masks
    assert str((home / "x" / "gh").resolve()) in mounts.masks
    assert str((home / ".netrc").resolve()) in mounts.masks
    targets = [target for target, _ in mounts.replace]
    assert targets == [str((git_dir / "config").resolve()), str((home / ".gitconfig").resolve())]
    assert all(Path(copy).is_file() for _, copy in mounts.replace)
    assert mounts.keep == ("/kept",)


JUNIT = """<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest">
<testcase classname="tests.test_a" name="test_ok" file="tests/test_a.py" time="0.5"/>
<testcase classname="tests.test_a.TestGroup" name="test_bad[1]" file="tests/test_a.py" time="x">
  <failure message="assert 1 == 2">trace</failure></testcase>
<testcase classname="tests.test_b" name="test_setup" file="tests/test_b.py">
  <error message="boom"/></testcase>
<testcase classname="tests.test_b" name="test_skip" file="tests/test_b.py">
  <skipped message="no"/></testcase>
<testcase classname="pkg.test_c.TestX" name="test_y"/>
<testcase classname="other" name="test_z" file="elsewhere.py"/>
</testsuite></testsuites>"""


def test_every_outcome_is_read_from_junit(tmp_path: Path) -> None:
    report = tmp_path / "junit.xml"
    report.write_text(JUNIT)
    outcomes, note = read_outcomes(report)
    assert note == ""
    assert [(o.test_id, o.outcome) for o in outcomes] == [
        ("tests/test_a.py::test_ok", "passed"),
        ("tests/test_a.py::TestGroup::test_bad[1]", "failed"),
        ("tests/test_b.py::test_setup", "error"),
        ("tests/test_b.py::test_skip", "skipped"),
        ("pkg/test_c.py::TestX::test_y", "passed"),
        # xunit1's file names where the method is defined (a base class's file for an
        # inherited test); the class name says which module the test ran in.
        ("other.py::test_z", "passed"),
    ]
    assert outcomes[0].seconds == 0.5 and outcomes[1].seconds == 0.0
    assert outcomes[1].message == "assert 1 == 2"


def test_a_missing_broken_or_huge_report_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert read_outcomes(tmp_path / "none.xml") == ((), "pytest wrote no JUnit report")
    broken = tmp_path / "broken.xml"
    broken.write_text(JUNIT[: JUNIT.index('<testcase classname="tests.test_b"')])
    outcomes, note = read_outcomes(broken)
    assert len(outcomes) == 2 and "read in part" in note
    monkeypatch.setattr(junit_outcomes, "MAX_REPORT_BYTES", 10)
    assert "not read" in read_outcomes(broken)[1]


@pytest.mark.parametrize("branch", [False, True])
def test_coverage_data_is_read_from_coverage_s_file(tmp_path: Path, branch: bool) -> None:
    pytest.importorskip("coverage")
    (tmp_path / "mod.py").write_text(
        "def f(x):\n    if x:\n        return 1\n    return 2\n\nf(1)\n"
    )
    data_file = tmp_path / "data.db"
    args = [sys.executable, "-m", "coverage", "run", f"--data-file={data_file}"]
    subprocess.run([*args, *(["--branch"] if branch else []), "mod.py"], cwd=tmp_path, check=True)
    data, note = read_coverage(data_file, tmp_path)
    assert note == "" and data is not None
    assert data.covered_lines("mod.py") >= {1, 2, 3, 6}
    assert 4 not in data.covered_lines("mod.py")
    assert bool(data.arcs) is branch and bool(data.lines) is not branch


def test_unreadable_coverage_data_says_why(tmp_path: Path) -> None:
    assert read_coverage(tmp_path / "none.db", tmp_path) == (None, "the run wrote no coverage data")
    bad = tmp_path / "bad.db"
    bad.write_text("not sqlite")
    data, note = read_coverage(bad, tmp_path)
    assert data is None and "cannot be" in note


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="process groups are POSIX")
def test_a_timeout_stops_the_command_and_its_children(tmp_path: Path) -> None:
    marker = tmp_path / "child-ran"
    script = f"sleep 30 & sleep 30; touch {marker}"
    started = time.monotonic()
    code, output = execute(
        ["sh", "-c", f"echo started; {script}"], tmp_path, {"PATH": os.defpath}, 1
    )
    assert code is None and b"started" in output
    assert time.monotonic() - started < 15 and not marker.exists()
