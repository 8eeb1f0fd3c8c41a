"""The run-log archive as GitHub lays it out (``GET …/actions/runs/{id}/logs``): a whole log per
job (``0_job.txt``; ``-ID_job.txt`` from the old service) and a folder per job holding a file per
step (``N_step name.txt``, each starting with a byte-order mark) and ``system.txt``. Zipped,
unzipped, or one job's folder: the steps are named from the files, the jobs from the folders, and
a job that passed is left out and named."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from .conftest import Project, TriageCli
from .joblog import START, RunStep, stamp

Cli = Callable[..., TriageCli]

SET_UP = [
    "Current runner version: '2.321.0'",
    "##[group]Operating System",
    "Ubuntu",
    "##[endgroup]",
]
CHECKOUT = [
    "##[group]Run actions/checkout@v4",
    "with:",
    "  repository: acme/widgets",
    "##[endgroup]",
]

Steps = Sequence[tuple[str, Sequence[str]]]


def _run(command: str, step: RunStep | None = None, output: str = "") -> list[str]:
    """A ``run:`` step's lines: its header, then what it printed (and its error marker)."""
    lines = [f"##[group]Run {command}", command, "shell: /usr/bin/bash -e {0}", "##[endgroup]"]
    lines += (step.output if step else output).splitlines()
    if step is not None and step.exit_code:
        lines.append(f"##[error]Process completed with exit code {step.exit_code}.")
    return lines


def _job(test: Sequence[str]) -> Steps:
    """A job's steps as GitHub names them (an action's ``/`` is ``_`` in its file's name)."""
    return [
        ("Set up job", SET_UP),
        ("Run actions/checkout@v4", CHECKOUT),
        ("Test", test),
        ("Post Run actions/checkout@v4", ["Post job cleanup.", "git version 2.47.1"]),
        ("Complete job", ["Cleaning up orphan processes"]),
    ]


def _files(job: str, steps: Steps) -> dict[str, bytes]:
    """A job's step files and its system.txt, as the archive holds them."""
    files, moment = {f"{job}/system.txt": b"Requested labels: ubuntu-latest\n"}, START
    for number, (name, lines) in enumerate(steps, start=1):
        text = ""
        for line in lines:
            text += f"{stamp(moment)} {line}\n"
            moment += timedelta(milliseconds=37)
        files[f"{job}/{number}_{name.replace('/', '_')}.txt"] = ("\ufeff" + text).encode()
    return files


def _archive(jobs: dict[str, Steps], target: Path, *, whole: bool = True) -> dict[str, bytes]:
    """The archive of ``jobs`` (also unzipped under ``target``.parent / its stem)."""
    entries: dict[str, bytes] = {}
    for index, (job, steps) in enumerate(jobs.items()):
        files = _files(job, steps)
        steps_only = [data for name, data in files.items() if not name.endswith("system.txt")]
        if whole:  # the job's whole log: one byte-order mark, then every step's lines
            entries[f"{index}_{job}.txt"] = b"\xef\xbb\xbf" + b"".join(
                data.removeprefix(b"\xef\xbb\xbf") for data in steps_only
            )
        entries.update(files)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in entries.items():
            out.writestr(name, data)
            unzipped = target.parent / target.stem / name
            unzipped.parent.mkdir(parents=True, exist_ok=True)
            unzipped.write_bytes(data)
    return entries


def _triage(cli: Cli, project: Project, given: Path) -> dict[str, Any]:
    result = cli("--log", str(given), "--root", str(project.root), "--output", "json")
    assert result.code == 0, result.err
    data: dict[str, Any] = json.loads(result.out)["result"]
    return data


def test_steps_are_named_from_their_files_and_passing_jobs_are_left_out(
    project: Project, triage_cli: Cli, tmp_path: Path
) -> None:
    project.write("tests/test_calc.py", "def test_add():\n    assert 1 + 2 == 4\n")
    failed = project.pytest("tests")
    # "Test" is a composite action: its own steps' Run headers stay inside it.
    test = [*_run("./.github/actions/test"), *_run("python -m pytest tests", failed)]
    passing = _run("ruff check .", output="All checks passed!")
    jobs = {"lint": _job(passing), "test (3.12)": _job(test)}
    archive = tmp_path / "logs_42.zip"
    _archive(jobs, archive)
    steps_only = tmp_path / "steps.zip"
    _archive(jobs, steps_only, whole=False)
    unzipped = tmp_path / "logs_42"
    for given, passed in (
        (archive, ["lint"]),
        (unzipped, ["lint"]),
        (steps_only, ["lint"]),
        (tmp_path / "steps", ["lint"]),
        (unzipped / "test (3.12)", None),  # one job's folder is that job
        (unzipped / "1_test (3.12).txt", None),  # its whole log, read from its folder
    ):
        data = _triage(triage_cli, project, given)
        assert data["strategy"] == "patch", given  # the passing job does not make it analyze
        assert data["source"].get("passed_jobs") == passed, given
        [job] = data["jobs"]
        assert job["job"] == "test (3.12)", given
        assert job["steps"] == ["Test"], given
        assert job["exit_code"] == 1, given
        assert job["failing_tests"] == ["tests/test_calc.py::test_add"], given
        assert job["locations"] == ["tests/test_calc.py:2"], given
    text = triage_cli("--log", str(archive), "--root", str(project.root)).out
    assert "1 failed job (1 passed, left out: lint)" in text
    assert "job 'test (3.12)', step 'Test', exit code 1" in text


def test_an_old_archive_and_an_archive_where_every_job_passed(
    project: Project, triage_cli: Cli, tmp_path: Path
) -> None:
    """The old service's archive (``-ID_job.txt``, folders with only ``system.txt``) is read
    from its job logs, the step named from the log's Run header; an archive whose jobs all
    passed is CA141."""
    project.write("tests/test_calc.py", "def test_add():\n    assert 1 + 2 == 4\n")
    test = _run("python -m pytest tests", project.pytest("tests"))
    old = tmp_path / "old.zip"
    with zipfile.ZipFile(old, "w") as out:
        steps = [data for name, data in _files("test", _job(test)).items() if "_" in name]
        whole = b"\xef\xbb\xbf" + b"".join(data.removeprefix(b"\xef\xbb\xbf") for data in steps)
        out.writestr("-2147483648_test.txt", whole)
        out.writestr("test/system.txt", "Requested labels: ubuntu-latest\n")
    [job] = _triage(triage_cli, project, old)["jobs"]
    assert job["job"] == "test" and job["steps"] == ["Run python -m pytest tests"]
    assert job["failing_tests"] == ["tests/test_calc.py::test_add"]
    green = tmp_path / "green.zip"
    _archive({"lint": _job(_run("ruff check .", output="All checks passed!"))}, green)
    for given in (green, tmp_path / "green"):
        result = triage_cli("--log", str(given))
        assert result.code == 2 and "CA141" in result.err and "Traceback" not in result.err
        assert "1 job log(s), none with the runner's error marker" in result.err


def test_a_passing_jobs_name_is_defused_in_markdown(
    project: Project, triage_cli: Cli, tmp_path: Path
) -> None:
    """Job names come from the workflow, which a pull request can change: the headline that
    names the jobs left out mentions no one and holds no HTML."""
    project.write("tests/test_calc.py", "def test_add():\n    assert 1 + 2 == 4\n")
    test = _run("python -m pytest tests", project.pytest("tests"))
    hostile = "@octocat <img src=x>"
    jobs = {hostile: _job(_run("ruff check .", output="All checks passed!")), "test": _job(test)}
    _archive(jobs, tmp_path / "logs.zip")
    result = triage_cli("--log", str(tmp_path / "logs.zip"), "--output", "markdown")
    assert result.code == 0, result.err
    headline = next(line for line in result.out.splitlines() if "left out" in line)
    assert "`@octocat`" in headline and "<img" not in headline, headline
