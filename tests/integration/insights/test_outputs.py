"""The dashboard's edges through the CLI: a person's copy of the marker is ignored, a dry run
writes nothing, a filter that matches nothing is CA180, an alert fails the run with CA570 when
asked, an unreadable saved state is CA610 (a note) and the history is read again, a state too
large for the issue goes to the state artifact and is read back from it."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import RunCli
from tests.fakes.github_server import FakeGitHub
from tests.fakes.github_server.fixtures import fake_github
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.openai_server.fixture import fake_openai
from tests.integration.insights.history import FLIPPING, generate
from tests.integration.insights.test_dashboard import REPO, dashboards, env, insights

__all__ = ["env", "fake_github", "fake_openai"]

MARKER = "<!-- ci-agent:insights:dashboard -->"


@pytest.fixture
def history(env: FakeGitHub) -> FakeGitHub:
    now = datetime.now(UTC)
    start, end = now - timedelta(days=10), now - timedelta(hours=2)
    generate(env, env.repo(REPO), count=40, start=start, end=end)
    env.clock.unfreeze()
    return env


def test_a_persons_copy_of_the_marker_is_ignored(history: FakeGitHub, run_cli: RunCli) -> None:
    repo = history.repo(REPO)
    copy = repo.add_issue("my notes", body=f"{MARKER}\nmine", user="alice", labels=["ci-insights"])
    report = insights(run_cli)["result"]
    assert report["dashboard"]["action"] == "opened"
    assert report["dashboard"]["number"] != copy.number
    assert repo.issues[copy.number].body == f"{MARKER}\nmine"
    again = insights(run_cli)["result"]
    assert again["dashboard"]["number"] == report["dashboard"]["number"]
    assert len([i for i in dashboards(repo) if i.user != "alice"]) == 1


def test_caps_say_what_they_left_out(history: FakeGitHub, run_cli: RunCli, tmp_path: Path) -> None:
    config = tmp_path / ".github" / "ci-agent.yml"
    config.write_text("insights:\n  max-runs: 25\n  max-junit-downloads: 10\n")
    report = insights(run_cli, "--dry-run")["result"]
    reading = report["reading"]
    assert reading["listed"] == 25 and reading["not_read"] == 15
    assert history.requests.count("GET", "/repos/*/actions/runs/*/jobs") == 25
    assert history.requests.count("GET", "/repos/*/actions/artifacts/*/zip") == 10
    assert reading["junit_not_downloaded"] > 0
    assert any("15 older run(s)" in n for n in report["notes"])
    assert any("insights.max-junit-downloads" in n for n in report["notes"])


def test_a_dry_run_writes_nothing(history: FakeGitHub, run_cli: RunCli) -> None:
    report = insights(run_cli, "--dry-run")["result"]
    assert "dashboard" not in report and report["metrics"]["runs"] == 40
    assert sum(history.requests.count(m) for m in ("POST", "PATCH", "PUT", "DELETE")) == 0


def test_a_filter_that_matches_nothing_is_ca180(history: FakeGitHub, run_cli: RunCli) -> None:
    envelope = insights(run_cli, "--workflow", "Deploy", code=2)
    (error,) = envelope["errors"]
    assert error["code"] == "CA180" and "CI" in error["suggestion"] + error["message"]
    assert not dashboards(history.repo(REPO))


def test_a_filtered_view_does_not_touch_the_dashboard(history: FakeGitHub, run_cli: RunCli) -> None:
    report = insights(run_cli, "--workflow", "Nightly")["result"]
    assert {w["name"] for w in report["metrics"]["workflows"]} == {"Nightly"}
    assert "dashboard" not in report and not dashboards(history.repo(REPO))


def test_an_alert_fails_the_run_when_asked(
    history: FakeGitHub, run_cli: RunCli, tmp_path: Path
) -> None:
    config = tmp_path / ".github" / "ci-agent.yml"
    config.write_text("insights:\n  alerts:\n    flake-rate: 0.01\n    fail: true\n")
    envelope = insights(run_cli, code=1)
    assert [e["code"] for e in envelope["errors"]] == ["CA570"]
    report = envelope["result"]
    assert report["alerts"] and "flake rate" in report["alerts"][0]
    (issue,) = dashboards(history.repo(REPO))
    assert "[!CAUTION]" in issue.body  # said at the top of the dashboard too


def test_an_unreadable_state_is_read_again_in_full(history: FakeGitHub, run_cli: RunCli) -> None:
    insights(run_cli)
    repo = history.repo(REPO)
    (issue,) = dashboards(repo)
    head, _, _ = issue.body.rpartition("<!-- ci-agent-insights-state")
    issue.body = head + "<!-- ci-agent-insights-state v1 inline AAAA -->\n"
    report = insights(run_cli)["result"]
    assert report["reading"]["incremental"] is False and report["reading"]["new"] == 40
    assert any(note.startswith("CA610") for note in report["notes"])
    # A state that decodes but was edited into another shape is refused the same way.
    from ci_agent.insights.ledger import empty
    from ci_agent.insights.state import encode_state

    (issue,) = dashboards(repo)
    head, _, _ = issue.body.rpartition("<!-- ci-agent-insights-state")
    edited = {**empty(), "days": {"2026-12-01": {"CI": ["x", 1, 0, [], [], 0, 0, 0, 0, []]}}}
    issue.body = head + f"<!-- ci-agent-insights-state v1 inline {encode_state(edited)} -->\n"
    again = insights(run_cli)["result"]
    assert again["reading"]["incremental"] is False
    assert any("shape" in note for note in again["notes"] if note.startswith("CA610"))


def test_a_state_too_large_for_the_issue_goes_to_an_artifact(
    history: FakeGitHub, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from ci_agent.insights import state

    monkeypatch.setattr(state, "STATE_BUDGET", 100)
    monkeypatch.setenv("RUNNER_TEMP", str(tmp_path))
    first = insights(run_cli)["result"]
    assert any("ci-agent-insights-state artifact" in n for n in first["notes"])
    saved = tmp_path / "ci-agent-insights-state.json"
    repo = history.repo(REPO)
    (issue,) = dashboards(repo)
    assert "ci-agent-insights-state v1 artifact " in issue.body
    # What the workflow's upload step does: the file, zipped, as the state artifact.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(saved.name, saved.read_bytes())
    repo.add_artifact("ci-agent-insights-state", data=buffer.getvalue())
    second: dict[str, Any] = insights(run_cli)["result"]
    assert second["reading"]["incremental"] is True and second["reading"]["new"] == 0
    assert second["metrics"]["workflows"] == first["metrics"]["workflows"]
    assert json.loads(saved.read_bytes())["v"] == 1


def test_triage_re_runs_what_the_dashboard_marks_flaky(
    history: FakeGitHub, run_cli: RunCli
) -> None:
    report = insights(run_cli)["result"]
    assert FLIPPING in {t["test"] for t in report["metrics"]["flaky_tests"]}
    repo = history.repo(REPO)
    sha = repo.commit("main", {"fresh.txt": "a commit no run has passed on\n"})
    summary = "===== 1 failed, 3 passed in 1.00s ====="
    log = f"FAILED {FLIPPING} - AssertionError: assert 1 == 2\n{summary}"
    failed = repo.add_workflow_run(
        name="CI",
        head_sha=sha,
        conclusion="failure",
        jobs=[
            {
                "name": "test (3.11)",
                "conclusion": "failure",
                "steps": [{"name": "pytest", "conclusion": "failure", "log": log}],
            }
        ],
    )
    result = run_cli("triage", "--run", str(failed.id), "--output", "json")
    assert result.code == 0, result.out + result.err
    decision = json.loads(result.out)["result"]
    assert (decision["strategy"], decision["rule"]) == ("rerun", "insights-flaky")
    assert "flip rate" in decision["reason"] and "CI insights dashboard" in decision["reason"]


def test_a_model_summary_is_kept_only_when_its_numbers_check(
    history: FakeGitHub,
    run_cli: RunCli,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fake_openai: FakeOpenAI,
) -> None:
    (tmp_path / ".github" / "ci-agent.yml").write_text("insights:\n  model-summary: true\n")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key-123456")
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.base_url)
    monkeypatch.setenv("CI_AGENT_MODEL", "gpt-4.1-mini")
    fake_openai.enqueue(
        "Of 40 completed runs, most passed; test_fetch flips: quarantine it.",
        "CI passed 99.9% of 4,000 runs.",
    )
    kept = insights(run_cli)["result"]
    assert kept["summary"]["text"].startswith("Of 40 completed runs")
    (issue,) = dashboards(history.repo(REPO))
    assert "Of 40 completed runs" in issue.body and "every number in it was checked" in issue.body
    dropped = insights(run_cli)["result"]
    assert dropped["summary"]["text"] is None
    assert dropped["summary"]["unchecked_numbers"] == ["99.9", "4000"]
    assert any("summary was dropped" in note for note in dropped["notes"])
    (issue,) = dashboards(history.repo(REPO))
    assert "CI passed 99.9%" not in issue.body and "summary was dropped" in issue.body


def test_a_run_still_going_is_counted_when_it_ends(history: FakeGitHub, run_cli: RunCli) -> None:
    repo = history.repo(REPO)
    going = repo.add_workflow_run(
        name="CI", status="in_progress", jobs=[{"name": "lint", "status": "in_progress"}]
    )
    first = insights(run_cli)["result"]
    assert first["reading"]["pending"] == [going.id] and first["metrics"]["runs"] == 40
    going.status, going.conclusion = "completed", "success"
    for job_id in going.job_ids:
        job = repo.jobs[job_id]
        job.status, job.conclusion = "completed", "success"
        job.completed_at = job.started_at
    history.requests.clear()
    second = insights(run_cli)["result"]
    assert second["reading"]["new"] == 1 and second["reading"]["pending"] == []
    assert second["metrics"]["runs"] == 41
    assert history.requests.count("GET", f"/repos/*/actions/runs/{going.id}") == 1
