"""``ci-agent plan`` on a monorepo made in the test: inference, order, risk, determinism.

The repository holds two compose services (one with migrations), a shared npm library, a
Terraform root module using a local module, and a README no unit owns. The CLI runs as a new
process, as a user or a workflow step runs it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support import git

ROOT = Path(__file__).resolve().parents[3]

FILES = {
    "docker-compose.yml": (
        "services:\n"
        "  api:\n    build: ./api\n    depends_on: [db]\n"
        "  web:\n    build:\n      context: ./web\n    depends_on:\n      api:\n"
        "        condition: service_started\n"
        "  db:\n    image: postgres:16\n"
    ),
    "api/Dockerfile": "FROM python:3.12\n",
    "api/app.py": "print('api')\n",
    "api/migrations/0001.sql": "CREATE TABLE t (id int);\n",
    "web/Dockerfile": "FROM node:22\n",
    "web/package.json": json.dumps(
        {"name": "web", "dependencies": {"shared": "*"}, "scripts": {"start": "node ."}}
    ),
    "lib/shared/package.json": json.dumps({"name": "shared"}),
    "lib/shared/index.js": "module.exports = {};\n",
    "infra/prod/main.tf": 'terraform {\n}\nmodule "net" {\n  source = "../modules/net"\n}\n',
    "infra/modules/net/main.tf": 'resource "aws_vpc" "main" {}\n',
    "README.md": "# shop\n",
}
CHANGE = {
    "api/migrations/0002.sql": "ALTER TABLE t DROP COLUMN name;\n",
    "lib/shared/index.js": "module.exports = { v: 2 };\n",
    "infra/modules/net/main.tf": 'resource "aws_vpc" "main" {}\nresource "aws_iam_role" "r" {}\n',
    "README.md": "# shop\n\nNow with more.\n",
}


def write(repo: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


@pytest.fixture
def monorepo(tmp_path: Path) -> Path:
    repo = tmp_path / "shop"
    repo.mkdir()
    git(repo, "init", "-q")
    write(repo, FILES)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    write(repo, CHANGE)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "change")
    return repo


def cli(repo: Path, *args: str) -> tuple[int, dict[str, Any]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_"))}
    proc = subprocess.run(
        [sys.executable, "-m", "ci_agent", "plan", *args, "--output", "json"],
        cwd=repo,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return proc.returncode, json.loads(proc.stdout)


def test_an_inferred_plan_orders_groups_and_finds_the_risks(monorepo: Path) -> None:
    code, data = cli(monorepo, "--base", "HEAD~1")
    assert code == 0, data["errors"]
    plan = data["result"]
    assert plan["source"]["manifest"] == "inferred"
    assert plan["groups"] == [["api-migrations", "net", "shared"], ["api", "prod"], ["web"]]
    units = {u["name"]: u for u in plan["units"]}
    migration = units["api-migrations"]
    assert migration["risk"]["level"] == "critical"
    assert migration["risk"]["evidence"][0] == {
        "rule": "sql-destructive",
        "level": "critical",
        "reason": "drops or truncates data",
        "path": "api/migrations/0002.sql",
        "line": 1,
        "text": "ALTER TABLE t DROP COLUMN name;",
    }
    assert migration["irreversible"] is True
    assert migration["backup_first"]["repository"][:3] == ["ci-agent", "backup", "create"]
    assert migration["on_failure"]["action"] == "rollback"
    # The module's IAM change ships with the root module that uses it.
    assert units["prod"]["risk"]["level"] == "high"
    assert units["web"]["reason"] == "depends on shared"
    assert plan["unowned_paths"] == ["README.md"]
    assert plan["rollback_order"] == ["web", "prod", "api", "shared", "net", "api-migrations"]
    assert [{u["stage"] for u in g["include"]} for g in plan["matrix"]] == [{0}, {1}, {2}]
    assert plan["matrix"][2]["include"] == [
        {
            "unit": "web",
            "kind": "service",
            "environment": "production",
            "stage": 2,
            "group": 2,
            "strategy": "rolling",
            "risk": "low",
            "on_failure": "record",
        }
    ]


def test_the_same_inputs_give_the_same_bytes(monorepo: Path) -> None:
    _, first = cli(monorepo, "--base", "HEAD~1")
    _, second = cli(monorepo, "--base", "HEAD~1")
    assert first["result"]["sha256"] == second["result"]["sha256"]
    paths = sorted(CHANGE)
    _, forward = cli(monorepo, *[a for p in paths for a in ("--files", p)])
    _, backward = cli(monorepo, *[a for p in reversed(paths) for a in ("--files", p)])
    assert forward["result"]["sha256"] == backward["result"]["sha256"]
    assert forward["result"]["groups"] == first["result"]["groups"]


def test_write_manifest_then_plan_from_it(monorepo: Path) -> None:
    config = monorepo / ".github" / "ci-agent.yml"
    code, data = cli(monorepo, "--write-manifest", "--dry-run")
    assert code == 0 and data["result"]["written"] is False
    assert not config.exists()  # a dry run writes nothing
    code, data = cli(monorepo, "--write-manifest")
    assert code == 0 and data["result"]["written"] is True
    assert "deploy:" in config.read_text(encoding="utf-8")
    code, data = cli(monorepo, "--base", "HEAD~1")
    assert code == 0
    assert data["result"]["source"]["manifest"] == "manifest"
    # A second time would overwrite the user's edits: refused.
    code, data = cli(monorepo, "--write-manifest")
    assert (code, data["errors"][0]["code"]) == (2, "CA161")


def test_a_cycle_in_the_manifest_is_exit_2_naming_it(monorepo: Path) -> None:
    write(
        monorepo,
        {
            ".github/ci-agent.yml": (
                "deploy:\n  units:\n"
                "    - {name: a, paths: ['api/**'], depends-on: [b]}\n"
                "    - {name: b, paths: ['web/**'], depends-on: [a]}\n"
            )
        },
    )
    code, data = cli(monorepo, "--files", "api/app.py")
    assert code == 2
    (error,) = data["errors"]
    assert error["code"] == "CA160"
    assert "a -> b -> a" in error["message"]


def test_a_terraform_plan_raises_the_infrastructure_risk(monorepo: Path, tmp_path: Path) -> None:
    plan = tmp_path / "tf.json"
    plan.write_text(
        json.dumps(
            {"resource_changes": [{"address": "aws_db.main", "change": {"actions": ["delete"]}}]}
        ),
        encoding="utf-8",
    )
    _, data = cli(monorepo, "--files", "infra/prod/main.tf", "--terraform-plan", str(plan))
    assert not data["errors"], data["errors"]
    (prod,) = [u for u in data["result"]["units"] if u["name"] == "prod"]
    assert prod["risk"]["level"] == "critical"
    assert prod["risk"]["evidence"][0]["rule"] == "terraform-delete"


def test_bad_arguments_are_usage_errors(monorepo: Path) -> None:
    code, data = cli(monorepo)
    assert (code, data["errors"][0]["code"]) == (2, "CA108")
    code, data = cli(monorepo, "--base", "HEAD~1", "--files", "x")
    assert (code, data["errors"][0]["code"]) == (2, "CA108")
