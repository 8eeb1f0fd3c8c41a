"""``ci-agent backup create --output json`` in a step: its log groups used to go to stdout and
break the captured document; now stdout is the JSON alone and the groups wrap the messages
on stderr."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import FAKE_GITHUB_TOKEN
from tests.support import git
from tests.unit.runner.runner_log import Command, executed

from .conftest import run_step


def test_a_backup_in_a_step_prints_one_json_document(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "a.txt").write_text("one\n", encoding="utf-8")
    git(repo, "add", "a.txt")
    git(repo, "commit", "-q", "-m", "::error::a commit message is not printed as a command")
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_TOKEN": FAKE_GITHUB_TOKEN,
        "RUNNER_TEMP": str(tmp_path / "runner-temp"),
        "SOURCE_DATE_EPOCH": "1767225600",
    }
    args = ("backup", "create", "--path", str(repo), "--no-metadata", "--out", str(tmp_path / "b"))

    step = run_step(*args, "--output", "json", cwd=tmp_path, env=env)

    assert step.code == 0, step.err
    data = json.loads(step.out)
    assert data["command"] == "backup create" and data["status"] == "ok", data
    assert executed(step.out) == []
    obeyed = executed(step.err)
    assert obeyed[0] == Command("add-mask", FAKE_GITHUB_TOKEN)
    assert {c.name for c in obeyed[1:]} == {"group", "endgroup"}
    assert [c.name for c in obeyed].count("group") == [c.name for c in obeyed].count("endgroup")
