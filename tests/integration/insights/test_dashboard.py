"""``ci-agent insights`` against the fake GitHub serving hundreds of generated runs: the
dashboard issue is opened once and edited after, a later run reads only the new runs (request
counts), and the numbers agree with a brute-force computation over the generated data."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import RunCli
from tests.fakes.github_server import FakeGitHub, RepoState
from tests.fakes.github_server.fixtures import fake_github
from tests.integration.insights.brute import expected
from tests.integration.insights.history import BROKEN, FLIPPING, WORKFLOW_FILES, generate

__all__ = ["fake_github"]

TOKEN = "ghs_INSIGHTStoken"
REPO = "acme/shop"
FIRST = 240
LATER = 30


@pytest.fixture
def env(fake_github: FakeGitHub, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeGitHub:
    """The fake with acme/shop and its workflow files; the CLI's environment pointing at it."""
    fake_github.require_token(TOKEN, login="github-actions[bot]")
    fake_github.create_repo(REPO, files={"README.md": "# shop\n", **WORKFLOW_FILES})
    for name, value in {
        "GITHUB_API_URL": fake_github.base_url,
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_REPOSITORY": REPO,
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("GITHUB_ACTIONS", "RUNNER_TEMP", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    # Every report of the generated history is read (the default reads the newest 200).
    config = tmp_path / ".github" / "ci-agent.yml"
    config.parent.mkdir()
    config.write_text("insights:\n  max-junit-downloads: 5000\n")
    return fake_github


def insights(run_cli: RunCli, *args: str, code: int = 0) -> dict[str, Any]:
    result = run_cli("insights", "--output", "json", *args)
    assert result.code == code, result.out + result.err
    envelope: dict[str, Any] = json.loads(result.out)
    return envelope


def dashboards(repo: RepoState) -> list[Any]:
    return [i for i in repo.issues.values() if "ci-agent:insights:dashboard" in (i.body or "")]


def close(value: float | None, want: float, share: float = 0.03) -> bool:
    return value is not None and abs(value - want) <= share * want + 0.01


def check_against_brute_force(report: dict[str, Any], runs: list[Any]) -> None:
    want = expected(runs)
    metrics = report["metrics"]
    got = {w["name"]: w for w in metrics["workflows"]}
    assert set(got) == set(want["workflows"])
    for name, stats in want["workflows"].items():
        assert got[name]["runs"] == stats["runs"], name
        assert got[name]["success_rate"] == stats["success_rate"], name
        assert got[name]["rerun_rate"] == stats["rerun_rate"], name
        assert close(got[name]["p50"], stats["p50"]), (name, got[name]["p50"], stats["p50"])
        assert close(got[name]["p95"], stats["p95"]), (name, got[name]["p95"], stats["p95"])
    jobs = {(w["name"], j["name"]): j for w in metrics["workflows"] for j in w["jobs"]}
    assert set(jobs) == set(want["jobs"])
    for key, stats in want["jobs"].items():
        assert jobs[key]["runs"] == stats["runs"], key
        assert jobs[key]["success_rate"] == stats["success_rate"], key
        assert close(jobs[key]["p95"], stats["p95"]), (key, jobs[key]["p95"], stats["p95"])
        assert close(jobs[key]["queue_p95"], stats["queue_p95"]), key
    assert metrics["minutes"] == want["minutes"]
    assert metrics["flaky_runs"] == want["flaky_runs"] > 0
    assert metrics["flake_rate"] == want["flake_rate"]
    (flipping,) = [t for t in metrics["flaky_tests"] if t["test"] == FLIPPING]
    assert abs(flipping["flip_rate"] - want["flip_rate"]) < 1e-4
    assert all(t["test"] != BROKEN for t in metrics["flaky_tests"])  # broken, not flaky
    broken = [s for s in metrics["signatures"] if BROKEN in s["signature"]]
    assert broken and broken[0]["count"] == want["broken_runs"]
    flaky_jobs = {(f["workflow"], f["job"]): f for f in metrics["flaky_jobs"]}
    assert flaky_jobs[("CI", "test (3.12)")]["count"] == want["flaky_runs"]


def test_full_then_incremental(env: FakeGitHub, run_cli: RunCli) -> None:
    repo = env.repo(REPO)
    now = datetime.now(UTC)
    runs = generate(
        env, repo, count=FIRST, start=now - timedelta(days=29), end=now - timedelta(days=2)
    )
    env.clock.unfreeze()
    first = insights(run_cli)
    report = first["result"]
    assert report["schema"] == "ci-agent/insights@1"
    assert report["reading"]["incremental"] is False and report["reading"]["new"] == FIRST
    assert env.requests.count("GET", "/repos/*/actions/runs") == math.ceil(FIRST / 100)
    assert env.requests.count("GET", "/repos/*/actions/runs/*/jobs") == FIRST
    check_against_brute_force(report, runs)
    (issue,) = dashboards(repo)
    assert report["dashboard"] == {
        "number": issue.number,
        "action": "opened",
        "url": report["dashboard"]["url"],
    }
    assert "```mermaid" in issue.body and "ci-agent-insights-state v1 inline" in issue.body
    rules = {r["rule"] for r in report["recommendations"]}
    assert {
        "uncached-install",
        "no-concurrency",
        "near-timeout",
        "failing-matrix-leg",
        "long-queue",
        "quarantine-flaky-test",
        "slowest-steps",
    } <= rules

    env.requests.clear()
    later = generate(
        env,
        repo,
        count=LATER,
        start=now - timedelta(days=2),
        end=now - timedelta(hours=1),
        seed=11,
        first_index=FIRST,
    )
    env.clock.unfreeze()
    second = insights(run_cli)["result"]
    assert second["reading"]["incremental"] is True and second["reading"]["new"] == LATER
    assert env.requests.count("GET", "/repos/*/actions/runs") == 1
    assert env.requests.count("GET", "/repos/*/actions/runs/*/jobs") == LATER
    (edited,) = dashboards(repo)
    assert edited.number == issue.number and second["dashboard"]["action"] == "edited"
    check_against_brute_force(second, runs + later)

    env.requests.clear()
    rebuilt = insights(run_cli, "--full", "--dry-run")["result"]
    assert env.requests.count("GET", "/repos/*/actions/runs/*/jobs") == FIRST + LATER
    assert sum(env.requests.count(m, "*") for m in ("POST", "PATCH")) == 0
    for part in ("workflows", "minutes", "flaky_jobs", "flaky_tests", "signatures", "flake_rate"):
        assert rebuilt["metrics"][part] == second["metrics"][part], part
