"""workflows/deploy.yml's stage and rollback jobs, stepped through as the runner would: each
step's ``if:`` evaluated, ``run:`` steps run by bash, ci-agent's steps run as the action runs
them (its ``args`` filled in), against the fake GitHub and a service on 127.0.0.1.

A deploy that fails, then a verification that fails, are retried with the plan's backoff and
the unit ends deployed; a critical unit's failed check fails the job, and the rollback jobs
roll back what the Deployments API says went out."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread
from typing import Any

import pytest
import yaml

from tests.conftest import ActionsStep, RunCli, git, parse_outputs
from tests.fakes.github_server import FakeGitHub
from tests.fakes.github_server.fixtures import fake_github

__all__ = ["fake_github"]

ROOT = Path(__file__).resolve().parents[3]
TOKEN = "ghs_DEPLOYrun"
JOBS: dict[str, Any] = yaml.safe_load((ROOT / "workflows" / "deploy.yml").read_text("utf-8"))[
    "jobs"
]
# `./deploy.sh UNIT ENVIRONMENT STRATEGY`: counts its runs; the first fails.
DEPLOY = """#!/bin/sh
n=$(($(cat "$STATE/deploys" 2>/dev/null || echo 0) + 1))
echo "$n" > "$STATE/deploys"
echo "deploy $1 to $2 ($3), run $n"
[ "$n" -ge 2 ]
"""
ROLLBACK = """#!/bin/sh
echo "$1 $2" >> "$STATE/rollbacks"
"""


class Service(BaseHTTPRequestHandler):
    """/health answers 503 until the deploy script ran three times; /down always 503."""

    state: Path

    def do_GET(self) -> None:
        deploys = int((self.state / "deploys").read_text() or 0)
        ok = self.path == "/health" and deploys >= 3
        self.send_response(200 if ok else 503)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return


@dataclass
class Runner:
    """Runs one job's steps for one matrix entry, as GitHub's runner would."""

    actions: ActionsStep
    run_cli: RunCli
    temp: Path
    matrix: dict[str, Any]
    needs: dict[str, dict[str, str]] = field(default_factory=dict)
    outcomes: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    failed: bool = False
    ran: list[str] = field(default_factory=list)

    def value(self, expression: str) -> Any:
        """An expression of the workflow, in the forms it uses."""
        python = re.sub(
            r"fromJSON\(steps\.([\w-]+)\.outputs\.result-json\)\.result\.(\w+)",
            r"_json('\1')['result']['\2']",
            expression,
        )
        python = re.sub(r"steps\.([\w-]+)\.outcome", r"_outcome('\1')", python)
        python = re.sub(r"needs\.([\w-]+)\.outputs\.([\w-]+)", r"_need('\1', '\2')", python)
        python = re.sub(r"matrix\.(\w+)", r"_matrix['\1']", python)
        python = python.replace("runner.temp", "_temp").replace("failure()", "_failed")
        python = python.replace("&&", " and ").replace("||", " or ")
        scope = {
            "_json": lambda step: json.loads(self.outputs[step]["result-json"]),
            "_outcome": lambda step: self.outcomes.get(step, "skipped"),
            "_need": lambda job, name: self.needs[job][name],
            "_matrix": self.matrix,
            "_temp": str(self.temp),
            "_failed": self.failed,
        }
        return eval(python, {"__builtins__": {}}, scope)  # noqa: S307 - the workflow's own text

    def fill(self, text: str) -> str:
        return re.sub(r"\$\{\{\s*(.*?)\s*\}\}", lambda m: str(self.value(m.group(1))), text)

    def job(self, name: str) -> None:
        for step in JOBS[name]["steps"]:
            condition = step.get("if", "")
            if "failure()" in condition:
                wanted = bool(self.value(condition))
            else:
                wanted = not self.failed and (not condition or bool(self.value(condition)))
            if not wanted:
                continue
            ok = self.step(step)
            self.ran.append(f"{step.get('id', step['name'])}:{'ok' if ok else 'failed'}")
            if "id" in step:
                self.outcomes[step["id"]] = "success" if ok else "failure"
            if not ok and not step.get("continue-on-error"):
                self.failed = True

    def step(self, step: dict[str, Any]) -> bool:
        env = {k: self.fill(str(v)) for k, v in (step.get("env") or {}).items()}
        if "run" in step:
            done = subprocess.run(
                ["bash", "-e", "-c", step["run"]],
                cwd=self.actions.workspace,
                env={**_environ(), "RUNNER_TEMP": str(self.temp), **env},
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            return done.returncode == 0
        if step["uses"].startswith("actions/checkout@"):
            return True
        self.actions.output_path.write_text("", encoding="utf-8")
        self.actions.set(
            INPUT_COMMAND=step["with"]["command"], INPUT_ARGS=self.fill(step["with"]["args"])
        )
        code = self.run_cli("run").code
        self.outputs[step.get("id", step["name"])] = parse_outputs(
            self.actions.output_path.read_text(encoding="utf-8")
        )
        return code == 0


def _environ() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith(("INPUT_", "GITHUB_"))}


@pytest.fixture
def world(
    fake_github: FakeGitHub, actions: ActionsStep, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[FakeGitHub, str, Path]]:
    """The fake repository, a checkout with the scripts and the manifest, the service."""
    state = tmp_path / "state"
    state.mkdir()
    (state / "deploys").write_text("0", encoding="utf-8")
    Service.state = state
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Service)
    Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}"
    fake_github.require_token(TOKEN, login="github-actions[bot]")
    manifest = f"""deploy:
  retry-delay-seconds: 1
  retry-max-delay-seconds: 2
  units:
    - name: api
      paths: ["api/**"]
      environments: [staging]
      verify: {{http: [{{url: "{url}/health"}}], count: 1}}
    - name: web
      paths: ["web/**"]
      environments: [staging]
      verify: {{http: [{{url: "{url}/down"}}], count: 1}}
"""
    files = {".github/ci-agent.yml": manifest, "deploy.sh": DEPLOY, "rollback.sh": ROLLBACK}
    repo = fake_github.create_repo("acme/shop", files=files)
    sha = str(repo.branch_sha("main"))
    # The job's checkout is the pushed commit: its configuration is trusted as it is.
    workspace = actions.workspace
    git(workspace, "init", "-q")
    git(workspace, "fetch", "-q", str(repo.git.path), "main")
    git(workspace, "checkout", "-q", sha)
    for name in ("deploy.sh", "rollback.sh"):
        (workspace / name).chmod(0o755)
    actions.event("push", {"after": sha, "ref": "refs/heads/main"})
    actions.set(
        GITHUB_SHA=sha,
        GITHUB_API_URL=fake_github.base_url,
        GITHUB_TOKEN=TOKEN,
        GITHUB_REPOSITORY="acme/shop",
        GITHUB_SERVER_URL="https://github.com",
        GITHUB_RUN_ID="7",
    )
    monkeypatch.setenv("STATE", str(state))
    try:
        yield fake_github, sha, state
    finally:
        httpd.shutdown()
        httpd.server_close()


def states(fake: FakeGitHub, unit: str) -> list[tuple[str, str]]:
    repo = fake.repo("acme/shop")
    return [
        (s.state, s.description)
        for s in sorted(repo.deployment_statuses.values(), key=lambda s: s.id)
        if repo.deployments[s.deployment_id].task == f"deploy:{unit}"
    ]


def test_a_failed_deploy_and_a_failed_check_are_retried_until_the_unit_is_deployed(
    world: tuple[FakeGitHub, str, Path], actions: ActionsStep, run_cli: RunCli, tmp_path: Path
) -> None:
    fake, _, _ = world
    entry = {"unit": "api", "environment": "staging", "strategy": "rolling", "risk": "low"}
    runner = Runner(actions, run_cli, tmp_path, entry)
    runner.job("stage-0")
    assert not runner.failed, runner.ran
    assert [r for r in runner.ran if r.split("-")[0] in {"deploy", "verify", "recover"}] == [
        "deploy-1:failed",
        "recover-1:ok",
        "deploy-2:ok",
        "verify-2:failed",
        "recover-2:ok",
        "deploy-3:ok",
        "verify-3:ok",
    ]
    verified = json.loads(runner.outputs["verify-2"]["result-json"])["result"]
    assert (verified["failure_kind"], verified["results"][0][0]["detail"]) == (
        "verify",
        "status 503, expected 200",
    )
    assert states(fake, "api") == [
        ("in_progress", ""),
        ("in_progress", "attempt 2 of 4 after 1 s: deploy failed (high)"),
        ("in_progress", "attempt 3 of 4 after 2 s: verify failed (high)"),
        ("success", ""),
    ]


def test_a_critical_failure_fails_the_job_and_the_rollback_jobs_undo_what_went_out(
    world: tuple[FakeGitHub, str, Path], actions: ActionsStep, run_cli: RunCli, tmp_path: Path
) -> None:
    fake, sha, state = world
    (state / "deploys").write_text("5", encoding="utf-8")  # deploys succeed from now on
    # api went out in stage 0; web (critical) fails its check in stage 1.
    matrix = [
        {"include": [{"unit": "api", "environment": "staging", "stage": 0, "risk": "low"}]},
        {"include": [{"unit": "web", "environment": "staging", "stage": 1, "risk": "critical"}]},
    ]
    for stage, entry in enumerate(m["include"][0] for m in matrix):
        runner = Runner(actions, run_cli, tmp_path, {**entry, "strategy": "rolling"})
        runner.job(f"stage-{stage}")
    assert runner.failed
    assert "recover-1:failed" in runner.ran and "deploy-2:ok" not in runner.ran
    assert states(fake, "web")[-1][0] == "failure"
    # The rollback-plan job, then the rollback job for each listed unit.
    decide = Runner(actions, run_cli, tmp_path, {}, needs={"plan": {"matrix": json.dumps(matrix)}})
    decide.job("rollback-plan")
    assert not decide.failed, decide.ran
    listed = json.loads(decide.outputs["order"]["matrix"])["include"]
    assert [(e["unit"], e["state"]) for e in listed] == [("web", "failure")]
    for entry in listed:
        Runner(actions, run_cli, tmp_path, entry).job("rollback")
    assert (state / "rollbacks").read_text(encoding="utf-8") == "web staging\n"
    assert states(fake, "web")[-1][0] == "inactive"
    assert states(fake, "api")[-1][0] == "success"  # deployed before the failed stage
    assert {d.sha for d in fake.repo("acme/shop").deployments.values()} == {sha}
