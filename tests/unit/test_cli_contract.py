"""The CLI's promises hold: exit codes as documented, conflicting flags refused, hints that are
safe to paste and point at something that exists, and ``-vv`` adding what docs/cli.md says."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from ci_agent.capabilities import CAPABILITIES, Capability
from ci_agent.error_codes import REGISTRY
from ci_agent.errors import EXIT_SERVICE, fail
from tests.conftest import FAKE_GITHUB_TOKEN, ActionsStep, RunCli, git

ROOT = Path(__file__).resolve().parents[2]
CLI_DOC = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")


def documented_exit_codes() -> dict[int, str]:
    section = CLI_DOC.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (\d) \| (.+) \|$", section, re.M)
    return {int(code): meaning for code, meaning in rows}


def test_every_error_exits_with_a_documented_code() -> None:
    documented = documented_exit_codes()
    assert sorted(documented) == [0, 1, 2, 3, 4, 5]
    for code in REGISTRY:
        assert fail(code).exit_code in documented, code


def test_an_invalid_model_answer_exits_where_the_docs_put_it() -> None:
    assert fail("CA404", problem="x").exit_code == EXIT_SERVICE
    assert "CA404" in documented_exit_codes()[EXIT_SERVICE]
    assert "model answer" not in documented_exit_codes()[4]


def test_base_with_pr_is_refused(run_cli: RunCli, make_repo: Callable[..., Path]) -> None:
    path = make_repo()
    result = run_cli("review", "--path", str(path), "--base", "HEAD~1", "--pr", "3")
    assert result.code == 2
    assert "error[CA126]: --base cannot be used with --pr" in result.err
    assert "--base REF for a local change, or --pr N for a pull request" in result.err
    data = run_cli("review", "--base", "main", "--pr", "3", "--output", "json").json()
    assert [e["code"] for e in data["errors"]] == ["CA126"]


def test_an_unknown_ref_is_not_echoed_into_a_command(
    run_cli: RunCli, make_repo: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(make_repo())
    ref = "main;touch pwned"
    result = run_cli("review", "--base", ref)
    assert result.code == 2
    message, hint = result.err.splitlines()[:2]
    assert message == f"error[CA206]: git ref '{ref}' does not exist"
    assert "touch pwned" not in hint
    assert "git fetch origin BRANCH" in hint


def test_in_a_shallow_clone_the_hint_says_how_to_deepen_it(
    run_cli: RunCli, make_repo: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = make_repo("source", remote=None)
    git(source, "checkout", "-q", "-b", "feature")
    (source / "new.py").write_text("x = 1\n", encoding="utf-8")
    git(source, "add", "new.py")
    git(source, "commit", "-q", "-m", "feature")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", "--branch", "feature", source.as_uri(), "clone")
    monkeypatch.chdir(clone)
    result = run_cli("review", "--base", "main")
    assert result.code == 2
    assert "error[CA206]: git ref 'main' does not exist" in result.err
    hint = result.err.splitlines()[1]
    assert "shallow clone" in hint
    assert "git fetch --unshallow origin BRANCH:refs/remotes/origin/BRANCH" in hint
    assert "fetch-depth: 0" in hint
    # Following the hint works: the review then runs.
    git(clone, "fetch", "-q", "--unshallow", "origin", "main:refs/remotes/origin/main")
    assert run_cli("review", "--base", "origin/main", "--fail-level", "none").code == 0


def test_the_not_available_hint_points_at_what_exists(
    run_cli: RunCli, actions: ActionsStep, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A registry row without its action job yet (how a new capability starts) answers CA109
    in the action, and doctor lists it as not built."""
    import ci_agent.capabilities as registry
    import ci_agent.commands.run as action_run

    pending = Capability("deploy-later", "Not built yet.", "ci_agent.commands.review:review")
    monkeypatch.setattr(registry, "CAPABILITIES", (*CAPABILITIES, pending))
    # The action's command list is read from the registry once, when its module loads.
    monkeypatch.setattr(action_run, "ACTION_COMMANDS", registry.action_jobs())
    actions.set(INPUT_COMMAND=pending.name)
    result = run_cli("run")
    assert result.code == 2
    assert "error[CA109]" in result.err
    assert "'ci-agent doctor'" in result.err
    assert "CHANGELOG.md" in result.err
    assert (ROOT / "CHANGELOG.md").is_file()
    doctor = run_cli("doctor", "--output", "json").json()
    assert doctor["result"]["capabilities"]["not_yet"] == [pending.name]


def test_vv_adds_settings_and_metrics_and_never_a_secret(
    run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_TOKEN", FAKE_GITHUB_TOKEN)
    quiet = run_cli("explain", "CA101", "-v")
    assert "debug:" not in quiet.err
    loud = run_cli("explain", "CA101", "-vv")
    assert loud.code == 0
    assert "debug: config file none (defaults)" in loud.err
    assert "debug: output text, dry run no, fail level high" in loud.err
    assert "github token present" in loud.err
    assert "debug: durations_s" in loud.err
    assert "debug: llm" in loud.err
    assert FAKE_GITHUB_TOKEN not in loud.err + loud.out
    # The result on stdout is the same with or without -vv.
    assert loud.out == run_cli("explain", "CA101").out


def test_result_json_says_dry_run_under_the_dry_run_input(
    run_cli: RunCli, actions: ActionsStep
) -> None:
    actions.set(INPUT_COMMAND="doctor", INPUT_DRY_RUN="true")
    result = run_cli("run")
    assert result.code == 0, result.err
    data = json.loads(actions.outputs()["result-json"])
    assert data["dry_run"] is True
    assert data["result"]["dry_run"] is True
