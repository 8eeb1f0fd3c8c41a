"""Every command's ``--output json`` is one envelope, valid against docs/result.schema.json.

Each command runs for real as a new process, as a script in a workflow step would run it,
including the ones that fail with a coded error.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ci_agent.report.envelope import Envelope
from tests.support import git

ROOT = Path(__file__).resolve().parents[2]


def _run(args: list[str], cwd: Path) -> tuple[int, dict[str, object]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_"))}
    env.pop("OPENAI_API_KEY", None)
    proc = subprocess.run(
        [sys.executable, "-m", "ci_agent", *args, "--output", "json"],
        cwd=cwd,
        env={**env, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return proc.returncode, json.loads(proc.stdout)


@pytest.mark.parametrize(
    ("args", "command"),
    [
        (["explain", "CA105"], "explain"),
        (["explain", "CA999"], "explain"),
        (["doctor"], "doctor"),
        (["review", "--base", "HEAD~1"], "review"),
        (["review", "--pr", "1"], "review"),  # no repository: CA105
        (["triage", "--log", "missing.log"], "triage"),
        (["backup", "list", "--dir", "no-such-dir"], "backup list"),
        (["plan"], "plan"),  # neither --base nor --files: CA108
        (["plan", "--files", "app.py"], "plan"),
        (["tests"], "tests"),  # no --base, --path, --all or --merge: CA108
        (["fix", "--log", "missing.log"], "fix"),
    ],
)
def test_every_command_prints_one_valid_envelope(
    args: list[str], command: str, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "app.py").write_text("import os\n", encoding="utf-8")
    git(repo, "add", "app.py")
    git(repo, "commit", "-qm", "first")
    (repo / "app.py").write_text("import os\nimport sys\n", encoding="utf-8")
    git(repo, "commit", "-qam", "more")
    code, data = _run(args, repo)
    envelope = Envelope.model_validate(data)
    assert envelope.command == command
    assert envelope.exit_code == code
    assert (envelope.status == "error") == bool(envelope.errors)
