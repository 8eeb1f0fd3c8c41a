"""``ci-agent triage --log``: outputs, directories of logs, JUnit reports, configuration, and
coded errors (never a traceback) for bad input."""

from __future__ import annotations

import gzip
import json
import os
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from ci_agent.commands.triage import triage_outcome
from ci_agent.triage.triage import TriageOptions, triage_logs

from .conftest import Project, TriageCli
from .joblog import RunStep, job_log

Cli = Callable[..., TriageCli]


def failing(project: Project) -> Path:
    project.write(
        "tests/test_calc.py",
        "from calc import add\n\n\ndef test_add():\n    assert add(2, 2) == 5\n",
    )
    log = project.root.parent / "job.log"
    log.write_text(job_log([project.pytest("tests")]))
    return log


def test_text_output(project: Project, triage_cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    log = failing(project)
    monkeypatch.chdir(project.root)
    result = triage_cli("--log", str(log))
    assert result.code == 0, result.err
    assert "job 'job', step 'Run python -m pytest tests', exit code 1" in result.out
    assert "failing tests: tests/test_calc.py::test_add" in result.out
    assert "locations: tests/test_calc.py:5" in result.out
    assert "strategy: patch (kind): 1 failing test (pytest)" in result.out
    assert "Traceback" not in result.err


def test_json_output(project: Project, triage_cli: Cli) -> None:
    log = failing(project)
    result = triage_cli("--log", str(log), "--root", str(project.root), "--output", "json")
    envelope = result.json()
    assert (envelope["command"], envelope["status"], envelope["exit_code"]) == ("triage", "ok", 0)
    data = envelope["result"]
    assert (data["strategy"], data["kind"], data["rule"]) == ("patch", "test", "kind")
    [job] = data["jobs"]
    assert job["failing_tests"] == ["tests/test_calc.py::test_add"]
    assert job["locations"] == ["tests/test_calc.py:5"]
    assert job["failures"][0]["message"] == "assert 4 == 5"
    assert len(job["signature"]) == 16
    assert 0 < job["excerpt_tokens"] <= 1500


def test_markdown_output(project: Project, triage_cli: Cli) -> None:
    log = failing(project)
    result = triage_cli("--log", str(log), "--root", str(project.root), "--output", "markdown")
    assert result.out.startswith("## ci-agent triage: patch")
    assert "| job | Run python -m pytest tests | test | patch |" in result.out
    assert "```text\n" in result.out


def test_markdown_defuses_log_text_in_reasons(triage_cli: Cli, tmp_path: Path) -> None:
    hostile = "Connection reset by peer @octo-org/admins <img src=x> [x](https://evil.example)"
    log = tmp_path / "job.log"
    log.write_text(job_log([RunStep("curl https://example.com", f"curl: (56) {hostile}", 56)]))
    result = triage_cli("--log", str(log), "--output", "markdown")
    reasons = [
        line for line in result.out.splitlines() if line.startswith(("**Strategy", "- reason"))
    ]
    assert len(reasons) == 2
    for line in reasons:
        assert "`@octo-org/admins`" in line
        assert "&lt;img src=x&gt;" in line
        assert "(link removed)" in line and "](https://evil.example)" not in line


def test_a_directory_of_job_logs(project: Project, triage_cli: Cli, tmp_path: Path) -> None:
    project.write("src/bad.py", "import os\n")
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "0_lint.txt").write_text(job_log([project.ruff("check", "--select", "F401", "src")]))
    project.write("tests/test_calc.py", "def test_x():\n    assert 1 == 2\n")
    (logs / "1_test (3.12).txt").write_text(job_log([project.pytest("tests")]))
    (logs / "lint").mkdir()  # an old archive's job folder: no step files, the job log is read
    (logs / "lint" / "system.txt").write_text("Requested labels: ubuntu-latest\n")
    data = triage_cli("--log", str(logs), "--root", str(project.root), "--output", "json").json()
    jobs = {job["job"]: job for job in data["result"]["jobs"]}
    assert set(jobs) == {"lint", "test (3.12)"}
    assert (jobs["lint"]["strategy"], jobs["test (3.12)"]["strategy"]) == ("fixers", "patch")
    assert data["result"]["strategy"] == "patch"
    assert data["result"]["reason"].startswith("patch is the strongest need: lint: fixers")


def test_junit_fills_in_and_alone(project: Project, triage_cli: Cli) -> None:
    project.write("tests/test_calc.py", "def test_x():\n    assert 1 == 2\n")
    report = project.root.parent / "junit.xml"
    step = project.pytest("--tb=no", "-o", "junit_family=xunit1", f"--junitxml={report}", "tests")
    log = project.root.parent / "job.log"
    log.write_text(job_log([step]))
    root = ("--root", str(project.root))
    [job] = triage_cli("--log", str(log), "--junit", str(report), *root, "--output", "json").json()[
        "result"
    ]["jobs"]
    assert job["failing_tests"] == ["tests/test_calc.py::test_x"]
    assert job["locations"] == ["tests/test_calc.py:1"], "--tb=no: JUnit's line of the test"
    [alone] = triage_cli("--junit", str(report), *root, "--output", "json").json()["result"]["jobs"]
    assert (alone["job"], alone["failing_tests"]) == ("junit", ["tests/test_calc.py::test_x"])


def test_configuration_overrides_and_known_flaky_tests(
    project: Project, triage_cli: Cli, tmp_path: Path
) -> None:
    log = failing(project)
    config = tmp_path / "ci-agent.yml"
    config.write_text("fix:\n  triage:\n    strategies:\n      test: analyze\n")
    data = triage_cli("--log", str(log), "--config", str(config), "--output", "json").json()
    assert (data["result"]["strategy"], data["result"]["rule"]) == ("analyze", "kind")
    config.write_text("fix:\n  triage:\n    flaky-tests: ['tests/test_calc.py::*']\n")
    data = triage_cli("--log", str(log), "--config", str(config), "--output", "json").json()
    assert (data["result"]["strategy"], data["result"]["rule"]) == ("rerun", "known-flaky")
    passed = ("--passed", "tests/test_calc.py::test_add")
    data = triage_cli("--log", str(log), *passed, "--output", "json").json()
    assert (data["result"]["strategy"], data["result"]["rule"]) == ("rerun", "flaky")


def test_an_unrecognised_failure_is_analyzed_with_the_step_tail(
    triage_cli: Cli, tmp_path: Path
) -> None:
    log = tmp_path / "deploy.log"
    log.write_text(job_log([RunStep("./deploy.sh", "uploading\nthe bucket refused us\n", 3)]))
    data = triage_cli("--log", str(log), "--output", "json").json()["result"]
    assert (data["strategy"], data["kind"]) == ("analyze", "unknown")
    assert data["reason"] == (
        "the job failed in step 'Run ./deploy.sh' with exit code 3; "
        "no failure recognised in its log"
    )
    assert data["jobs"][0]["excerpt"] == "uploading\nthe bucket refused us"


def archive(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as handle:
        handle.writestr("notes/readme.md", "no logs here")
    return path


@pytest.mark.parametrize(
    ("make", "code", "words"),
    [
        (lambda p: p / "missing.log", "CA130", "does not exist"),
        (lambda p: (p / "empty.log").touch() or p / "empty.log", "CA133", "is empty"),
        (lambda p: (p / "x.bin").write_bytes(b"\x00\x01") and p / "x.bin", "CA131", "NUL"),
        (lambda p: archive(p / "logs.zip"), "CA140", "holds no job or step logs"),
        (lambda p: (p / "l.gz").write_bytes(gzip.compress(b"x")) and p / "l.gz", "CA131", "gzip"),
        (lambda p: (p / "d").mkdir() or p / "d", "CA137", "holds no logs"),
    ],
)
def test_bad_logs_are_coded_errors(
    triage_cli: Cli, tmp_path: Path, make: Callable[[Path], Path], code: str, words: str
) -> None:
    path = make(tmp_path)
    result = triage_cli("--log", str(path))
    assert result.code == 2
    assert f"error[{code}]" in result.err and words in result.err
    assert "Traceback" not in result.err + result.out
    envelope = triage_cli("--log", str(path), "--output", "json").json()
    assert envelope["status"] == "error" and envelope["errors"][0]["code"] == code


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        ((), "give --log FILE|DIR or --run ID"),
        (("--log", "a.log", "--run", "1"), "give --log or --run, not both"),
        (("--log", "a.log", "--rerun"), "--rerun and --repo need --run ID"),
        (("--run", "abc"), "'abc' is not a valid integer"),
    ],
)
def test_usage_errors(triage_cli: Cli, args: tuple[str, ...], problem: str) -> None:
    result = triage_cli(*args)
    assert result.code == 2
    assert "error[CA108]" in result.err and problem in result.err


def test_an_invalid_junit_report(triage_cli: Cli, tmp_path: Path) -> None:
    report = tmp_path / "junit.xml"
    report.write_text("<testsuite><testcase name='x'>")
    result = triage_cli("--junit", str(report))
    assert result.code == 2 and "error[CA132]" in result.err
    result = triage_cli("--junit", str(tmp_path / "none.xml"))
    assert result.code == 2 and "error[CA130]" in result.err and "JUnit report" in result.err


def test_every_failing_test_is_kept_and_the_whole_list_is_written(
    project: Project, triage_cli: Cli, tmp_path: Path
) -> None:
    project.write(
        "tests/test_many.py",
        """\
        import pytest


        @pytest.mark.parametrize("n", range(1100))
        def test_many(n):
            assert n < 0
        """,
    )
    log = tmp_path / "job.log"
    log.write_text(job_log([project.pytest("-q", "tests")]))
    whole = tmp_path / "triage.json"
    text = triage_cli("--log", str(log), "--root", str(project.root), "--json-out", str(whole))
    assert text.code == 0, text.err
    assert "1100 failing tests (pytest)" in text.out
    assert (
        "(found 1100 failing tests, 1 location, 1100 failures; up to 10 of each are listed "
        f"here; the whole list: {whole})"
    ) in text.out
    assert "tests/test_many.py::test_many[9] and 1090 more" in text.out
    [job] = json.loads(whole.read_text())["jobs"]
    assert job["failing_tests"] == [f"tests/test_many.py::test_many[{n}]" for n in range(1100)]
    assert (len(job["failures"]), job["failures_omitted"]) == (1100, 0)
    # Past the first failures (whose excerpt lines are kept) sections are read sparsely:
    # messages and locations stay whole.
    assert {f["location"] for f in job["failures"]} == {"tests/test_many.py:6"}
    assert [f["message"] for f in job["failures"][-2:]] == ["assert 1098 < 0", "assert 1099 < 0"]
    markdown = triage_cli("--log", str(log), "--output", "markdown", "--json-out", str(whole))
    assert "up to 10 of each are listed here; the whole list:" in markdown.out
    dry = tmp_path / "dry.json"
    dry_run = triage_cli("--log", str(log), "--json-out", str(dry), "--dry-run")
    assert not dry.exists()
    assert f"the whole list: not written to {dry} (--dry-run)" in dry_run.out


def test_an_unwritable_json_out_is_a_coded_error(project: Project, triage_cli: Cli) -> None:
    log = failing(project)
    target = project.root / "missing" / "triage.json"
    result = triage_cli("--log", str(log), "--json-out", str(target))
    assert result.code == 2
    assert "CA139" in result.err and "Traceback" not in result.err
    assert not target.parent.exists()


def test_a_json_out_that_is_one_of_the_logs_is_refused_and_the_log_kept(
    project: Project, triage_cli: Cli
) -> None:
    log = failing(project)
    before = log.read_bytes()
    for given in (log, log.parent):
        result = triage_cli("--log", str(given), "--json-out", str(log))
        assert result.code == 2, result.err
        assert "CA139" in result.err and "one of the logs given" in result.err
        assert log.read_bytes() == before


def test_a_fifo_or_a_device_is_not_a_log(project: Project, triage_cli: Cli) -> None:
    fifo = project.root / "pipe.log"
    os.mkfifo(fifo)
    for given in (fifo, Path("/dev/zero")):
        result = triage_cli("--log", str(given))
        assert result.code == 2, result.err
        assert "CA131" in result.err and "not a regular file" in result.err


def test_a_log_given_twice_is_one_job(project: Project, triage_cli: Cli) -> None:
    log = failing(project)
    result = triage_cli(
        "--log", str(log), "--log", str(log.parent / ".." / log.parent.name / log.name)
    )
    assert result.out.startswith("triage of 1 log file(s): 1 failed job"), result.out


def test_markdown_is_rendered_only_when_it_is_shown(project: Project) -> None:
    result = triage_logs([failing(project)], TriageOptions(roots=(str(project.root),)))
    shown = triage_outcome(result)  # --output markdown, and the action's job summary
    assert "tests/test_calc.py::test_add" in shown.markdown
    assert "tests/test_calc.py::test_add" in shown.text
    text_only = triage_outcome(result, markdown=False)
    assert text_only.markdown == ""
    assert (text_only.text, text_only.result) == (shown.text, shown.result)


def test_the_json_result_is_built_only_when_it_is_shown_or_written(
    project: Project, tmp_path: Path
) -> None:
    result = triage_logs([failing(project)], TriageOptions(roots=(str(project.root),)))
    shown = triage_outcome(result)  # --output json
    text = triage_outcome(result, data=False)  # --output text
    assert text.result == {} and text.text == shown.text
    assert shown.result["jobs"][0]["failing_tests"] == ["tests/test_calc.py::test_add"]
    written = triage_outcome(result, tmp_path / "whole.json", data=False)  # --json-out
    assert written.result["jobs"] == shown.result["jobs"]
    assert json.loads((tmp_path / "whole.json").read_text())["jobs"] == shown.result["jobs"]
