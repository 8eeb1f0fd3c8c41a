"""Promotion through environments: stages in order, gates per environment, verification in each.

A manifest declares dev → staging → production with a check, a watch time and an approval;
the migration skips dev. The CLI runs as a new process; verification hits a real HTTP server
whose health answer depends on the environment in the path; the matrix of every stage is put
literally into a workflow that actionlint checks.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.integration.plan.inprocess import PlanCli, plan_cli
from tests.integration.plan.test_plan_cli import write
from tests.integration.plan.test_verify import server
from tests.support import git

__all__ = ["plan_cli", "server"]

ROOT = Path(__file__).resolve().parents[3]
# The dev environment installs actionlint's wheel next to the interpreter.
ACTIONLINT = shutil.which("actionlint") or shutil.which(
    "actionlint", path=str(Path(sys.executable).parent)
)
MANIFEST = """deploy:
  environments:
    - name: dev
    - name: staging
      wait-seconds: 1
      verify: [{{url: "{base}/ok"}}]
    - name: production
      approval: true
  units:
    - name: db
      kind: migration
      paths: ["db/**"]
      environments: [staging, production]
    - name: api
      paths: ["api/**"]
      depends-on: [db]
      verify:
        http: [{{url: "{base}/{{environment}}/health"}}]
        count: 1
"""


@pytest.fixture
def repo(tmp_path: Path, server: str) -> Path:
    root = tmp_path / "shop"
    root.mkdir()
    git(root, "init", "-q")
    write(
        root,
        {
            ".github/ci-agent.yml": MANIFEST.format(base=server),
            "db/0001.sql": "CREATE TABLE t (id int);\n",
            "api/app.py": "print(1)\n",
        },
    )
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    write(root, {"db/0002.sql": "ALTER TABLE t ADD COLUMN n int;\n", "api/app.py": "print(2)\n"})
    git(root, "add", "-A")
    git(root, "commit", "-qm", "change")
    return root


def test_the_plan_promotes_every_group_through_each_environment(
    repo: Path, server: str, plan_cli: PlanCli
) -> None:
    code, data = plan_cli(repo, "--base", "HEAD~1")
    assert code == 0, data["errors"]
    plan = data["result"]
    assert [(s["environment"], s["group"], s["units"]) for s in plan["stages"]] == [
        ("dev", 1, ["api"]),
        ("staging", 0, ["db"]),
        ("staging", 1, ["api"]),
        ("production", 0, ["db"]),
        ("production", 1, ["api"]),
    ]
    gates = {g["environment"]: g for g in plan["environments"]}
    assert list(gates) == ["dev", "staging", "production"]
    assert gates["staging"]["checks"] == [f"{server}/ok"]
    assert gates["staging"]["wait_seconds"] == 1
    assert gates["production"]["approval_by"] == (
        "required reviewers of the GitHub Environment 'production'"
    )
    api = next(u for u in plan["units"] if u["name"] == "api")
    assert [(p["environment"], p["stage"], p["verify"]) for p in api["promotion"]] == [
        ("dev", 0, [f"{server}/dev/health"]),
        ("staging", 2, [f"{server}/staging/health", f"{server}/ok"]),
        ("production", 4, [f"{server}/production/health"]),
    ]
    assert [[(i["unit"], i["environment"]) for i in s["include"]] for s in plan["matrix"]] == [
        [("api", "dev")],
        [("db", "staging")],
        [("api", "staging")],
        [("db", "production")],
        [("api", "production")],
    ]
    text = subprocess.run(
        [sys.executable, "-m", "ci_agent", "plan", "--base", "HEAD~1", "--output", "markdown"],
        cwd=repo,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(repo)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "**Promotion:** `dev` → `staging` → `production`" in text


def verify(repo: Path, environment: str, plan_cli: PlanCli) -> tuple[int, dict[str, Any]]:
    return plan_cli(repo, "verify", "--unit", "api", "--environment", environment)


def test_verification_in_an_environment_uses_its_urls_and_gates(
    repo: Path, plan_cli: PlanCli
) -> None:
    code, data = verify(repo, "dev", plan_cli)
    assert code == 0, data["errors"]
    assert [r[0]["check"] for r in data["result"]["results"]] == [
        f"GET {data['result']['results'][0][0]['check'][4:]}"
    ]
    assert data["result"]["results"][0][0]["check"].endswith("/dev/health")
    code, data = verify(repo, "staging", plan_cli)
    assert code == 0, data["errors"]
    # One round, then one more after the environment's watch time; each with its own check.
    assert data["result"]["rounds"] == 2
    assert [len(r) for r in data["result"]["results"]] == [2, 2]
    assert data["result"]["note"] == "watched 1 s in staging, then one more round"
    code, data = verify(repo, "qa", plan_cli)
    assert code == 2
    assert data["errors"][0]["code"] == "CA106"


def test_environments_out_of_the_promotion_order_are_refused(repo: Path, plan_cli: PlanCli) -> None:
    config = repo / ".github" / "ci-agent.yml"
    text = config.read_text(encoding="utf-8").replace(
        "environments: [staging, production]", "environments: [production, staging]"
    )
    config.write_text(text, encoding="utf-8")
    code, data = plan_cli(repo, "--base", "HEAD~1")
    assert code == 2
    assert "in their order: ['dev', 'staging', 'production']" in data["errors"][0]["message"]


def test_contradicting_orders_without_a_declared_one_are_ca163(
    repo: Path, plan_cli: PlanCli
) -> None:
    manifest = """deploy:
  units:
    - {name: db, kind: migration, paths: ["db/**"], environments: [staging, production]}
    - {name: api, paths: ["api/**"], environments: [production, staging]}
"""
    (repo / ".github" / "ci-agent.yml").write_text(manifest, encoding="utf-8")
    code, data = plan_cli(repo, "--base", "HEAD~1")
    assert code == 2
    assert data["errors"][0]["code"] == "CA163"
    assert "production, staging" in data["errors"][0]["message"]


def test_without_declared_environments_the_units_order_is_kept(
    repo: Path, plan_cli: PlanCli
) -> None:
    manifest = """deploy:
  units:
    - {name: db, kind: migration, paths: ["db/**"], environments: [staging, production]}
    - {name: api, paths: ["api/**"], depends-on: [db], environments: [canary, production]}
"""
    (repo / ".github" / "ci-agent.yml").write_text(manifest, encoding="utf-8")
    code, data = plan_cli(repo, "--base", "HEAD~1")
    assert code == 0, data["errors"]
    assert [(s["environment"], s["units"]) for s in data["result"]["stages"]] == [
        ("canary", ["api"]),  # ties: first named (units read by name), each unit's own order
        ("staging", ["db"]),
        ("production", ["db"]),
        ("production", ["api"]),
    ]


@pytest.mark.skipif(ACTIONLINT is None, reason="actionlint has no wheel for this platform")
def test_every_stage_matrix_is_a_matrix_actionlint_accepts(
    repo: Path, tmp_path: Path, plan_cli: PlanCli
) -> None:
    _, data = plan_cli(repo, "--base", "HEAD~1")
    jobs = {
        f"stage-{index}": {
            "runs-on": "ubuntu-latest",
            "environment": "${{ matrix.environment }}",
            "strategy": {"matrix": stage},
            "steps": [{"run": "./deploy.sh", "env": {"UNIT": "${{ matrix.unit }}"}}],
        }
        for index, stage in enumerate(data["result"]["matrix"])
    }
    workflow = {"name": "stages", "on": "push", "permissions": {}, "jobs": jobs}
    path = tmp_path / ".github" / "workflows" / "stages.yml"
    path.parent.mkdir(parents=True)
    path.write_text(yaml.safe_dump(workflow, sort_keys=False), encoding="utf-8")
    done = subprocess.run(
        [str(ACTIONLINT), "-no-color", str(path)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(json.dumps(data["result"]["matrix"]))[0] == {
        "include": data["result"]["matrix"][0]["include"]
    }
