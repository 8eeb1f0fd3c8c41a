"""``ci-agent triage --run ID`` against the fake GitHub: only failed jobs' logs are fetched, a
network reset is re-run once per commit, flaky and critical runs, and coded errors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.fakes.github_server import FakeGitHub, RepoState
from tests.fakes.github_server.fixtures import fake_github
from tests.fakes.github_server.records_actions import WorkflowRun

from .conftest import Project, TriageCli

__all__ = ["fake_github"]

Cli = Callable[..., TriageCli]
TOKEN = "ghp_TRIAGEtoken0123456789abcdefSECRET"
LOGS = "/repos/acme/widgets/actions/jobs/*/logs"
RERUN = "/repos/acme/widgets/actions/runs/*/rerun-failed-jobs"
NETWORK_RESET = """\
Collecting urllib3<3,>=1.21.1
WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after \
connection broken by 'ProtocolError('Connection aborted.', ConnectionResetError(104, \
'Connection reset by peer'))': /simple/urllib3/
ERROR: Could not install packages due to an OSError: HTTPSConnectionPool(\
host='files.pythonhosted.org', port=443): Max retries exceeded with url: \
/packages/urllib3-2.2.3.tar.gz (Caused by ProtocolError('Connection aborted.', \
ConnectionResetError(104, 'Connection reset by peer')))
"""
PYTEST_FAILURE = """\
=================================== FAILURES ===================================
___________________________________ test_add ___________________________________
    def test_add():
>       assert add(1, 2) == 4
E       assert 3 == 4

tests/test_calc.py:6: AssertionError
=========================== short test summary info ============================
FAILED tests/test_calc.py::test_add - assert 3 == 4
============================== 1 failed in 0.05s ===============================
"""


@dataclass
class Hub:
    """The fake GitHub with ``acme/widgets`` and the environment pointing at it."""

    fake: FakeGitHub
    repo: RepoState
    sha: str

    def run(
        self, *failed: tuple[str, str], conclusion: str = "failure", **options: Any
    ) -> WorkflowRun:
        """A run with a passing ``lint`` job and one failed job per ``(name, log)``."""
        jobs = [{"name": "lint", "conclusion": "success", "steps": [{"name": "ruff", "log": "ok"}]}]
        for name, log in failed:
            steps = [
                {"name": "Install", "log": "Installed"},
                {"name": "Test", "conclusion": "failure", "log": log},
            ]
            jobs.append({"name": name, "conclusion": "failure", "steps": steps})
        return self.repo.add_workflow_run(
            head_sha=self.sha, conclusion=conclusion, jobs=jobs, **options
        )

    def fail_again(self, run: WorkflowRun) -> None:
        """The re-run's attempt completes and fails the same way."""
        with self.fake.state.lock:
            run.status, run.conclusion = "completed", "failure"
            for job_id in run.job_ids:
                job = self.repo.jobs[job_id]
                if job.status == "queued":
                    job.status, job.conclusion = "completed", "failure"


@pytest.fixture
def hub(fake_github: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> Hub:
    fake_github.require_token(TOKEN, login="ci-bot")
    repo = fake_github.create_repo("acme/widgets", files={"app.py": "x = 1\n"})
    sha = repo.branch_sha("main")
    assert sha
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_API_URL", fake_github.base_url)
    return Hub(fake_github, repo, sha)


def triage_json(cli: Cli, run: WorkflowRun, *args: str) -> dict[str, Any]:
    result = cli("--run", str(run.id), "--repo", "acme/widgets", "--output", "json", *args)
    data = result.json()
    assert result.code == 0, data["errors"]
    return data["result"]  # type: ignore[no-any-return]


def test_only_failed_jobs_logs_are_fetched_and_a_reset_is_rerun(hub: Hub, triage_cli: Cli) -> None:
    run = hub.run(("test", NETWORK_RESET))
    result = triage_json(triage_cli, run)
    failed_job = next(j for j in run.job_ids if hub.repo.jobs[j].name == "test")
    fetched = hub.fake.requests.filter("GET", LOGS)
    assert [r.path for r in fetched] == [f"/repos/acme/widgets/actions/jobs/{failed_job}/logs"]
    assert (result["strategy"], result["kind"], result["rule"]) == (
        "rerun",
        "network",
        "infrastructure",
    )
    assert "Connection reset by peer" in result["reason"]
    [job] = result["jobs"]
    assert (job["job"], job["job_id"], job["steps"]) == ("test", failed_job, ["Test"])
    assert result["rerun"]["requested"] is False
    assert result["rerun"]["reason"].startswith("not requested")
    assert hub.repo.reruns == []
    assert TOKEN not in str(result)


def test_rerun_once_then_the_cap_per_commit_stops_it(hub: Hub, triage_cli: Cli) -> None:
    run = hub.run(("test", NETWORK_RESET))
    first = triage_json(triage_cli, run, "--rerun")
    assert first["rerun"] == {
        "requested": True,
        "reason": f"re-run 1 of 1 on {hub.sha[:7]} requested",
        "reruns_before": 0,
        "cap": 1,
        "dry_run": False,
    }
    assert [(r["run_id"], r["failed_only"]) for r in hub.repo.reruns] == [(run.id, True)]
    hub.fail_again(run)
    second = triage_json(triage_cli, run, "--rerun")
    assert len(hub.repo.reruns) == 1
    assert hub.fake.requests.count("POST", RERUN) == 1
    assert (second["strategy"], second["rule"]) == ("analyze", "rerun-cap")
    assert second["rerun"]["reason"] == f"cap reached: 1 of 1 re-run(s) on {hub.sha[:7]}"
    assert "the failure persists" in second["reason"]


def test_a_higher_cap_allows_a_second_rerun(hub: Hub, triage_cli: Cli, tmp_path: Any) -> None:
    config = tmp_path / "ci-agent.yml"
    config.write_text("fix:\n  triage:\n    max-reruns-per-sha: 2\n")
    run = hub.run(("test", NETWORK_RESET))
    triage_json(triage_cli, run, "--rerun", "--config", str(config))
    hub.fail_again(run)
    second = triage_json(triage_cli, run, "--rerun", "--config", str(config))
    assert second["rerun"]["requested"] is True and len(hub.repo.reruns) == 2


def test_dry_run_requests_nothing(hub: Hub, triage_cli: Cli) -> None:
    run = hub.run(("test", NETWORK_RESET))
    result = triage_json(triage_cli, run, "--rerun", "--dry-run")
    assert result["rerun"]["dry_run"] is True and result["rerun"]["requested"] is False
    assert hub.fake.requests.count("POST", RERUN) == 0


def test_a_job_that_passed_on_the_same_commit_is_flaky(hub: Hub, triage_cli: Cli) -> None:
    hub.repo.add_workflow_run(
        head_sha=hub.sha,
        conclusion="success",
        jobs=[{"name": "test", "conclusion": "success", "steps": [{"name": "Test", "log": "ok"}]}],
    )
    run = hub.run(("test", PYTEST_FAILURE))
    result = triage_json(triage_cli, run)
    assert (result["strategy"], result["rule"]) == ("rerun", "flaky")
    assert result["jobs"][0]["failing_tests"] == ["tests/test_calc.py::test_add"]
    assert "passed on the same commit" in result["reason"]


def test_a_failure_on_the_default_branch_after_a_merge_is_analyzed(
    hub: Hub, triage_cli: Cli
) -> None:
    run = hub.run(("test", PYTEST_FAILURE), head_branch="main", event="push")
    result = triage_json(triage_cli, run, "--default-branch", "main")
    assert (result["strategy"], result["rule"]) == ("analyze", "critical")
    assert result["source"]["critical"] is True
    pull_request = hub.run(("test", PYTEST_FAILURE), event="pull_request")
    assert triage_json(triage_cli, pull_request, "--default-branch", "main")["strategy"] == "patch"


def test_a_timed_out_job_is_rerun(hub: Hub, triage_cli: Cli) -> None:
    run = hub.run(("test", "running 1000 tests\n"))
    with hub.fake.state.lock:
        job = next(hub.repo.jobs[j] for j in run.job_ids if hub.repo.jobs[j].name == "test")
        job.conclusion = "timed_out"
    result = triage_json(triage_cli, run)
    assert (result["strategy"], result["kind"]) == ("rerun", "timeout")


def test_several_failed_jobs_need_the_strongest_strategy(hub: Hub, triage_cli: Cli) -> None:
    run = hub.run(("install", NETWORK_RESET), ("test", PYTEST_FAILURE))
    result = triage_json(triage_cli, run, "--rerun")
    assert [j["strategy"] for j in result["jobs"]] == ["rerun", "patch"]
    assert result["strategy"] == "patch"
    assert hub.repo.reruns == [], "a real failure is not re-run away"
    assert len(hub.fake.requests.filter("GET", LOGS)) == 2


@pytest.mark.parametrize(
    ("setup", "code", "words"),
    [
        (lambda hub: 999999, "CA134", "workflow run 999999 does not exist in acme/widgets"),
        (
            lambda hub: hub.run(("test", "x"), status="in_progress").id,
            "CA135",
            "is still in_progress",
        ),
        (
            lambda hub: hub.repo.add_workflow_run(head_sha=hub.sha, conclusion="success").id,
            "CA136",
            "has no failed jobs (conclusion: success)",
        ),
    ],
)
def test_runs_that_cannot_be_triaged(
    hub: Hub, triage_cli: Cli, setup: Callable[[Hub], int], code: str, words: str
) -> None:
    result = triage_cli("--run", str(setup(hub)), "--repo", "acme/widgets")
    assert result.code == 2
    assert f"error[{code}]" in result.err and words in result.err
    assert "Traceback" not in result.err


def test_no_token_and_no_repository(
    hub: Hub, triage_cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "error[CA105]" in triage_cli("--run", "1").err
    monkeypatch.delenv("GITHUB_TOKEN")
    result = triage_cli("--run", "1", "--repo", "acme/widgets")
    assert result.code == 2 and "error[CA307]" in result.err


def test_an_expired_log_is_reported_not_fatal(hub: Hub, triage_cli: Cli) -> None:
    run = hub.run(("test", PYTEST_FAILURE))
    hub.fake.faults.status("GET", LOGS, 410)
    result = triage_json(triage_cli, run)
    assert (result["strategy"], result["kind"]) == ("analyze", "error")
    assert "the job's log is not available" in result["reason"]


def test_the_action_triage_job_reruns_a_network_failure(
    hub: Hub, tmp_path: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`ci-agent run` with command triage on a workflow_run event, end to end."""
    import json

    from ci_agent.cli import main

    run = hub.run(("test", NETWORK_RESET))
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps(
            {
                "action": "completed",
                "workflow_run": {
                    "id": run.id,
                    "conclusion": "failure",
                    "head_sha": hub.sha,
                    "pull_requests": [],
                },
                "repository": {"full_name": "acme/widgets", "default_branch": "main"},
            }
        )
    )
    outputs, summary = tmp_path / "out", tmp_path / "summary"
    outputs.touch()
    summary.touch()
    for name, value in {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "workflow_run",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_REPOSITORY": "acme/widgets",
        "GITHUB_WORKSPACE": str(tmp_path),
        "INPUT_COMMAND": "triage",
        "RUNNER_TEMP": str(tmp_path),
    }.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as info:
        main(["run"])
    assert info.value.code == 0, capsys.readouterr().err
    assert [r["run_id"] for r in hub.repo.reruns] == [run.id]
    text = outputs.read_text()
    assert "status<<ghadelimiter_" in text and '"strategy":"rerun"' in text
    whole = tmp_path / f"ci-agent-triage-{run.id}.json"
    assert json.loads(whole.read_text())["jobs"][0]["kind"] == "network"
    assert "artifact-path<<" in text and str(whole) in text
    assert f"ci-agent-triage-{run.id}.json" in text


def _download_run_logs(hub: Hub, run: WorkflowRun, target: Any) -> None:
    """``GET /repos/{o}/{r}/actions/runs/{id}/logs``, following the redirect, as a user would."""
    import urllib.request

    url = f"{hub.fake.base_url}/repos/acme/widgets/actions/runs/{run.id}/logs"
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        target.write_bytes(answer.read())


def test_run_log_archives_and_the_log_failed_layout(
    hub: Hub, triage_cli: Cli, project: Project, tmp_path: Any
) -> None:
    """The API's zip (whole job logs and step files), a zip of step files only, the unzipped
    step directories, and ``gh run view --log-failed`` all triage to the same failing test."""
    import json
    import zipfile

    project.write("tests/test_calc.py", "def test_add():\n    assert 1 + 2 == 4\n")
    step = project.pytest("tests")
    run = hub.run(("test (3.12)", step.output))
    archive = tmp_path / "logs.zip"
    _download_run_logs(hub, run, archive)
    steps_only = tmp_path / "steps.zip"
    unzipped = tmp_path / "unzipped"
    with zipfile.ZipFile(archive) as full, zipfile.ZipFile(steps_only, "w") as out:
        names = full.namelist()
        assert "1_test (3.12).txt" in names and "test (3.12)/3_Test.txt" in names, names
        for name in names:
            if "/" in name:
                out.writestr(name, full.read(name))
                (unzipped / name).parent.mkdir(parents=True, exist_ok=True)
                (unzipped / name).write_bytes(full.read(name))
    # gh is not installed here: its --log-failed layout (job, step, line; tab-separated) is made
    # from the failed job's real log, one line each.
    log_failed = tmp_path / "failed.txt"
    job_log = hub.repo.jobs[run.job_ids[1]].log
    log_failed.write_text("".join(f"test (3.12)\tTest\t{line}\n" for line in job_log.splitlines()))
    # gh run view --log: every job, the passing one too.
    log_all = tmp_path / "all.txt"
    lint_log = hub.repo.jobs[run.job_ids[0]].log
    lint = "".join(f"lint\truff\t{line}\n" for line in lint_log.splitlines())
    log_all.write_text(lint + log_failed.read_text())
    # The passing job (lint: no error marker) is left out and named; the failed step is named
    # from its file (``3_Test.txt``) or gh's step column.
    for given, passed in (
        (archive, ["lint"]),
        (steps_only, ["lint"]),
        (unzipped, ["lint"]),
        (unzipped / "test (3.12)", None),
        (log_failed, None),
        (log_all, ["lint"]),
    ):
        result = triage_cli("--log", str(given), "--root", str(project.root), "--output", "json")
        assert result.code == 0, result.err
        data = json.loads(result.out)["result"]
        assert [job["job"] for job in data["jobs"]] == ["test (3.12)"], given
        assert data["source"].get("passed_jobs") == passed, given
        failed = data["jobs"][-1]
        assert failed["failing_tests"] == ["tests/test_calc.py::test_add"], given
        assert failed["locations"] == ["tests/test_calc.py:2"], given
        assert failed["steps"] == ["Test"], given
        assert failed["exit_code"] == 1, given
        assert str(given) in failed["source"]


def test_a_broken_archive_is_a_coded_error(triage_cli: Cli, tmp_path: Any) -> None:
    broken = tmp_path / "logs.zip"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 64)
    result = triage_cli("--log", str(broken))
    assert result.code == 2 and "CA140" in result.err and "Traceback" not in result.err
    empty = tmp_path / "empty.zip"
    import zipfile

    with zipfile.ZipFile(empty, "w") as out:
        out.writestr("readme.md", "no logs")
    result = triage_cli("--log", str(empty))
    assert result.code == 2 and "CA140" in result.err and "holds no job or step logs" in result.err


def test_a_composite_actions_step_is_named_as_the_api_names_it(
    hub: Hub, triage_cli: Cli, project: Project
) -> None:
    """A composite action's own steps print Run headers inside its step: the log's headers no
    longer line up with the API's steps, and the failed one is still named as the API names it."""
    project.write("tests/test_calc.py", "def test_add():\n    assert 1 + 2 == 4\n")
    step = project.pytest("tests")
    inner = f"##[group]Run python -m pytest tests\n##[endgroup]\n{step.output}"
    run = hub.run(("test (3.12)", "##[group]Run ./.github/actions/test\n##[endgroup]\n" + inner))
    [job] = triage_json(triage_cli, run, "--root", str(project.root))["jobs"]
    assert job["steps"] == ["Test"]
    assert job["failing_tests"] == ["tests/test_calc.py::test_add"]
