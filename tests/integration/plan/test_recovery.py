"""A failed deploy step, as the deploy workflow runs it: ``plan verify --result-file`` against a
real HTTP server, ``plan recover`` deciding and recording through the real GitHub client and
the fake server, and ``plan rollback-order`` reading what actually deployed (in the CLI and in
the action's ``args``), its matrix accepted by actionlint."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread
from typing import Any

import pytest
import yaml

from tests.conftest import ActionsStep, RunCli
from tests.fakes.github_server import FakeGitHub
from tests.fakes.github_server.fixtures import fake_github
from tests.integration.plan.test_promotion import ACTIONLINT

__all__ = ["fake_github"]

TOKEN = "ghs_RECOVERtoken"


class Slow(BaseHTTPRequestHandler):
    """/slow answers 200 after 0.2 s; /down answers 503."""

    def do_GET(self) -> None:
        if self.path == "/slow":
            time.sleep(0.2)
        status = 503 if self.path == "/down" else 200
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def env(
    fake_github: FakeGitHub, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, server: str
) -> FakeGitHub:
    """acme/shop on the fake, a manifest whose api is slow and web is down, the CLI there."""
    fake_github.require_token(TOKEN, login="github-actions[bot]")
    fake_github.create_repo("acme/shop", files={"README.md": "# shop\n"})
    config = tmp_path / ".github" / "ci-agent.yml"
    config.parent.mkdir()
    config.write_text(
        f"""deploy:
  retry-delay-seconds: 1
  units:
    - name: api
      paths: ["api/**"]
      verify: {{http: [{{url: "{server}/slow", max-latency-ms: 50}}], count: 1}}
    - name: web
      paths: ["web/**"]
      verify: {{http: [{{url: "{server}/down"}}], count: 1}}
""",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    for name, value in {
        "GITHUB_API_URL": fake_github.base_url,
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_REPOSITORY": "acme/shop",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    return fake_github


def cli(run_cli: RunCli, *args: str) -> tuple[int, dict[str, Any]]:
    done = run_cli("plan", *args, "--output", "json")
    return done.code, json.loads(done.out)


def statuses(env: FakeGitHub) -> list[tuple[str, str, str, str]]:
    repo = env.repo("acme/shop")
    return [
        (
            repo.deployments[s.deployment_id].task,
            repo.deployments[s.deployment_id].environment,
            s.state,
            s.description,
        )
        for s in sorted(repo.deployment_statuses.values(), key=lambda s: s.id)
    ]


def sha(env: FakeGitHub) -> str:
    return str(env.repo("acme/shop").branch_sha("main"))


def test_a_failed_check_is_retried_after_the_backoff_then_escalated(
    env: FakeGitHub, run_cli: RunCli, tmp_path: Path
) -> None:
    result = tmp_path / "verify.json"
    code, data = cli(run_cli, "verify", "--unit", "web", "--result-file", str(result))
    assert code == 4 and json.loads(result.read_text())["failure_kind"] == "verify"
    common = ["--unit", "web", "--environment", "production", "--risk", "low", "--sha", sha(env)]
    started = time.monotonic()
    code, data = cli(
        run_cli, "recover", *common, "--failed", "verify", "--verify-result", str(result), "--wait"
    )
    assert code == 0, data["errors"]
    decision = data["result"]
    assert (decision["action"], decision["severity"], decision["delay_seconds"]) == (
        "retry",
        "high",
        1,
    )
    assert decision["schedule_seconds"] == [1, 2, 4] and decision["waited_seconds"] == 1
    assert time.monotonic() - started >= 1
    assert statuses(env) == [
        (
            "deploy:web",
            "production",
            "in_progress",
            "attempt 2 of 4 after 1 s: verify failed (high)",
        )
    ]
    code, data = cli(run_cli, "recover", *common, "--failed", "deploy", "--attempt", "4")
    assert code == 4
    assert data["errors"][0]["code"] == "CA552"
    assert "3 retries spent, escalated to a rollback" in data["errors"][0]["message"]
    assert data["result"]["recorded"].startswith("nothing")
    assert len(statuses(env)) == 1  # the workflow's failure step records the failure


def test_checks_that_were_only_slow_continue_with_a_warning(
    env: FakeGitHub, run_cli: RunCli, tmp_path: Path
) -> None:
    result = tmp_path / "verify.json"
    code, _ = cli(run_cli, "verify", "--unit", "api", "--result-file", str(result))
    assert code == 4 and json.loads(result.read_text())["failure_kind"] == "latency"
    code, data = cli(
        run_cli,
        *("recover", "--unit", "api", "--environment", "staging", "--risk", "medium"),
        *("--failed", "verify", "--verify-result", str(result), "--sha", sha(env)),
    )
    assert code == 0 and data["result"]["action"] == "continue"
    assert data["result"]["failure"] == "latency"
    assert statuses(env) == [
        ("deploy:api", "staging", "success", "deployed with a warning: latency failed (medium)")
    ]


def test_a_missing_result_is_a_failed_check_and_a_bad_one_is_ca164(
    env: FakeGitHub, run_cli: RunCli, tmp_path: Path
) -> None:
    args = ["recover", "--unit", "api", "--environment", "staging", "--risk", "critical"]
    code, data = cli(
        run_cli, *args, "--failed", "verify", "--verify-result", str(tmp_path / "none.json")
    )
    assert code == 4 and data["result"]["failure"] == "verify"
    assert "taken as a failed check" in data["result"]["failure_from"]
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    code, data = cli(run_cli, *args, "--failed", "verify", "--verify-result", str(bad))
    assert code == 2 and data["errors"][0]["code"] == "CA164"
    assert statuses(env) == []


def seed(run_cli: RunCli, env: FakeGitHub, unit: str, environment: str, *states: str) -> None:
    for state in states:
        code, data = cli(
            run_cli,
            *("status", "--unit", unit, "--environment", environment, "--state", state),
            *("--sha", sha(env)),
        )
        assert code == 0, data["errors"]


MATRIX = [
    {"include": [{"unit": "db", "environment": "staging", "stage": 0}]},
    {
        "include": [
            {"unit": "api", "environment": "staging", "stage": 1},
            {"unit": "web", "environment": "staging", "stage": 1},
            {"unit": "worker", "environment": "staging", "stage": 1},
        ]
    },
    {"include": [{"unit": "db", "environment": "production", "stage": 2}]},
]


def test_rollback_order_rolls_back_what_the_partly_failed_stage_deployed(
    env: FakeGitHub, run_cli: RunCli, tmp_path: Path
) -> None:
    seed(run_cli, env, "db", "staging", "in_progress", "success")
    seed(run_cli, env, "api", "staging", "in_progress", "failure")
    seed(run_cli, env, "web", "staging", "in_progress")  # cancelled half-way by fail-fast
    # worker never started; production never ran
    plan = tmp_path / "matrix.json"
    plan.write_text(json.dumps(MATRIX), encoding="utf-8")
    posts = env.requests.count("POST", "/repos/*")
    code, data = cli(run_cli, "rollback-order", "--plan", str(plan), "--sha", sha(env))
    assert code == 0, data["errors"]
    done = data["result"]
    assert done["failed_stage"] == 1
    assert [(r["unit"], r["state"]) for r in done["rollback"]] == [
        ("web", "in_progress"),
        ("api", "failure"),
    ]
    assert {"unit": "worker", "environment": "staging", "state": None} in done["states"]
    assert env.requests.count("POST", "/repos/*") == posts  # it only reads


def test_the_action_lists_the_rollback_as_a_matrix_actionlint_accepts(
    env: FakeGitHub, run_cli: RunCli, actions: ActionsStep, tmp_path: Path
) -> None:
    repo = env.repo("acme/shop")
    for unit, state in (("db", "success"), ("api", "success"), ("web", "error")):
        made = repo.add_deployment(sha(env), task=f"deploy:{unit}", environment="staging")
        repo.add_deployment_status(made.id, state)
    plan = tmp_path / "stages.json"
    plan.write_text(json.dumps(MATRIX), encoding="utf-8")
    (actions.workspace / ".github").mkdir()
    actions.event("push", {"after": sha(env)})
    actions.set(
        INPUT_COMMAND="plan",
        INPUT_ARGS=f"rollback-order --plan {plan}",
        GITHUB_SHA=sha(env),
        GITHUB_API_URL=env.base_url,
        GITHUB_TOKEN=TOKEN,
        GITHUB_REPOSITORY="acme/shop",
    )
    done = run_cli("run")
    assert done.code == 0, done.err
    matrix = json.loads(actions.outputs()["matrix"])
    assert [(e["unit"], e["order"]) for e in matrix["include"]] == [("web", 0), ("api", 1)]
    if ACTIONLINT is None:
        pytest.skip("actionlint has no wheel for this platform")
    job = {
        "runs-on": "ubuntu-latest",
        "environment": "${{ matrix.environment }}",
        "strategy": {"max-parallel": 1, "matrix": matrix},
        "steps": [{"run": "./rollback.sh", "env": {"UNIT": "${{ matrix.unit }}"}}],
    }
    workflow = {"name": "rollback", "on": "push", "permissions": {}, "jobs": {"rollback": job}}
    path = tmp_path / ".github" / "workflows" / "rollback.yml"
    path.parent.mkdir(parents=True)
    path.write_text(yaml.safe_dump(workflow, sort_keys=False), encoding="utf-8")
    lint = subprocess.run(
        [str(ACTIONLINT), "-no-color", str(path)], capture_output=True, text=True, check=False
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_the_action_recovers_with_the_run_s_commit(
    env: FakeGitHub, run_cli: RunCli, actions: ActionsStep
) -> None:
    actions.event("push", {"after": sha(env)})
    actions.set(
        INPUT_COMMAND="plan",
        INPUT_ARGS="recover --unit api --environment staging --risk low --failed deploy",
        GITHUB_SHA=sha(env),
        GITHUB_API_URL=env.base_url,
        GITHUB_TOKEN=TOKEN,
        GITHUB_REPOSITORY="acme/shop",
        GITHUB_SERVER_URL="https://github.com",
        GITHUB_RUN_ID="42",
    )
    done = run_cli("run")
    assert done.code == 0, done.err
    result = json.loads(actions.outputs()["result-json"])["result"]
    assert (result["action"], result["delay_seconds"], result["waited_seconds"]) == (
        "retry",
        30,
        0,
    )
    (status,) = env.repo("acme/shop").deployment_statuses.values()
    assert status.state == "in_progress" and status.log_url.endswith("/actions/runs/42")
    actions.set(INPUT_ARGS="recover --unit api --risk low --failed deploy")
    assert run_cli("run").code == 2  # --environment is required


def test_a_token_that_may_not_record_keeps_the_decision(env: FakeGitHub, run_cli: RunCli) -> None:
    env.faults.status("GET", "/repos/*/deployments", 403, times=None)
    code, data = cli(
        run_cli,
        *("recover", "--unit", "api", "--environment", "dev", "--risk", "low"),
        *("--failed", "latency", "--sha", sha(env)),
    )
    assert code == 0, data["errors"]
    assert data["result"]["action"] == "continue"
    assert data["result"]["recorded"].startswith("nothing: CA304")
