"""The fix compute step (``command: fix`` on ``pull_request``) runs the fixers the base commit
configures, never ``fix.fixers`` from the pull request's own config file."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import pytest

from tests.conftest import ActionsStep, RunCli
from tests.fakes.github_server import FakeGitHub
from tests.integration.config_trust.conftest import TOKEN
from tests.integration.triage.joblog import RunStep, job_log, run_tool
from tests.support import git

PYPROJECT = '[project]\nname = "demo"\nversion = "0"\n\n[tool.ruff]\nline-length = 100\n'
MESSY = "import os\nimport sys\n\n\ndef main():\n    return sys.argv\n"
# What the pull request's author wants run: it would leave a mark where the test can see it.
HOSTILE = "from pathlib import Path\nPath({mark!r}).write_text('pwned')\n"


def _ruff() -> str:
    from ruff.__main__ import find_ruff_bin

    return str(find_ruff_bin())


BASE_FIXERS = "fix:\n  fixers: ['ruff check --fix']\n  fixer-checks: ['ruff check']\n"


@pytest.mark.parametrize(
    ("base_config", "expected"),
    [
        (None, [["ruff", "check", "--fix"], ["ruff", "format"]]),  # defaults: ruff is configured
        (BASE_FIXERS, [["ruff", "check", "--fix"]]),
    ],
    ids=["no-base-config", "base-fixers"],
)
def test_the_compute_step_ignores_the_pull_requests_fixers(
    fake_github: FakeGitHub,
    actions: ActionsStep,
    run_cli: RunCli,
    tmp_path: Path,
    *,
    base_config: str | None,
    expected: list[list[str]],
) -> None:
    files = {"README.md": "# widgets\n"}
    if base_config:
        files[".github/ci-agent.yml"] = base_config
    repo = fake_github.create_repo("acme/widgets", files=dict(files))
    base = repo.branch_sha("main")
    assert base is not None
    mark = tmp_path / "PWNED"
    hostile = shlex.join((sys.executable, "hostile.py"))
    head_config = f"fix:\n  fixers: [{json.dumps(hostile)}]\n  fixer-checks: ['true']\n"
    workspace = actions.workspace
    files = {
        "pyproject.toml": PYPROJECT,
        "app.py": MESSY,
        "hostile.py": HOSTILE.format(mark=str(mark)),
        ".github/ci-agent.yml": head_config,
    }
    for name, text in files.items():
        (workspace / name).parent.mkdir(parents=True, exist_ok=True)
        (workspace / name).write_text(text, encoding="utf-8")
    git(workspace, "init", "-q")
    git(workspace, "add", "-A")
    git(workspace, "commit", "-q", "-m", "Add app")
    head = git(workspace, "rev-parse", "HEAD").strip()
    output, code = run_tool([_ruff(), "check", "--no-cache", "."], workspace)
    assert code == 1 and "F401" in output
    (workspace / "lint.log").write_text(job_log([RunStep("ruff check .", output, code)]), "utf-8")
    repository = {"full_name": "acme/widgets"}
    actions.event(
        "pull_request",
        {
            "number": 1,
            "pull_request": {
                "number": 1,
                "head": {"sha": head, "ref": "feature", "repo": repository},
                "base": {"sha": base, "ref": "main", "repo": repository},
            },
            "repository": repository,
        },
    )
    actions.set(
        GITHUB_API_URL=fake_github.base_url,
        INPUT_GITHUB_TOKEN=TOKEN,
        INPUT_COMMAND="fix",
        INPUT_ARGS="--log lint.log",
        GITHUB_RUN_ID="77",
        RUNNER_TEMP=str(tmp_path),
        CI_AGENT_LLM_PROVIDER="none",
    )

    result = run_cli("run")

    data = json.loads(actions.outputs()["result-json"])
    assert result.code == 0, (result.err, data["errors"])
    assert not mark.exists()  # the pull request's fixer never ran
    fix = data["result"]
    # The base's fixers ran, or the defaults when the base has no config file.
    ran = [step["argv"] for step in fix["fix"]["evidence"]["fixes"]]
    assert ran == expected
    assert fix["config"]["source"] == "base"
    assert fix["config"]["found"] is bool(base_config)
    assert fix["config"]["checkout_copy"] == "differs"
