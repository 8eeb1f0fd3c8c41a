"""``ci-agent doctor``: what it reports about the environment, repository, credentials and LLM, and
which problems change its exit code."""

from __future__ import annotations

import platform
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ci_agent import __version__
from ci_agent.capabilities import CAPABILITIES
from tests.conftest import (
    FAKE_GITHUB_TOKEN,
    FAKE_OPENAI_KEY,
    ActionsStep,
    CliResult,
    RunCli,
    git,
)

MakeRepo = Callable[..., Path]


def doctor_json(run_cli: RunCli, *args: str) -> tuple[CliResult, dict[str, Any]]:
    result = run_cli("doctor", "--output", "json", *args)
    data = result.json()
    assert data["command"] == "doctor"
    assert data["exit_code"] == result.code
    assert "Traceback" not in result.err
    return result, data


def codes(data: dict[str, Any]) -> dict[str, str]:
    """problem code -> severity"""
    return {p["code"]: p["severity"] for p in data["result"]["problems"]}


@pytest.fixture
def outside_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    work = tmp_path / "plain"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def test_local_environment(run_cli: RunCli, outside_repo: Path) -> None:
    result, data = doctor_json(run_cli)
    assert result.code == 0
    assert data["status"] == "ok"
    assert data["errors"] == []
    env = data["result"]["env"]
    assert env["kind"] == "local"
    assert env["ci_agent"] == __version__
    assert env["python"] == platform.python_version()
    assert env["git"] == git(outside_repo, "--version").removeprefix("git version ").split()[0]
    assert data["result"]["event"] is None
    assert data["result"]["github"] == {"api_url": "https://api.github.com"}
    assert data["result"]["config"] == {
        "path": None,
        "note": "config: defaults (no .github/ci-agent.yml)",
    }
    assert data["result"]["dry_run"] is False
    assert isinstance(data["result"]["problems"], list)
    for problem in data["result"]["problems"]:
        assert set(problem) == {"severity", "code", "message", "suggestion"}


def test_outside_a_git_repository_is_a_warning(run_cli: RunCli, outside_repo: Path) -> None:
    result, data = doctor_json(run_cli)
    assert result.code == 0
    assert codes(data)["CA202"] == "warning"
    problem = next(p for p in data["result"]["problems"] if p["code"] == "CA202")
    assert problem["message"] == f"{outside_repo} is not inside a git repository"
    repo = data["result"]["repo"]
    assert repo == {
        "name": None,
        "workspace": str(outside_repo),
        "is_git": False,
        "head": None,
        "branch": None,
        "shallow": None,
    }


def test_in_a_git_repository(
    run_cli: RunCli, make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = make_repo()
    monkeypatch.chdir(path)
    result, data = doctor_json(run_cli)
    assert result.code == 0
    repo = data["result"]["repo"]
    assert repo["name"] == "acme/widgets"
    assert repo["is_git"] is True
    assert repo["head"] == git(path, "rev-parse", "HEAD")
    assert len(repo["head"]) == 40
    assert repo["branch"] == "main"
    assert repo["shallow"] is False
    assert repo["workspace"] == str(path)
    assert "CA202" not in codes(data)
    assert "CA204" not in codes(data)


def test_in_a_subdirectory_of_a_repository(
    run_cli: RunCli, make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = make_repo()
    (path / "src").mkdir()
    monkeypatch.chdir(path / "src")
    _, data = doctor_json(run_cli)
    assert data["result"]["repo"]["is_git"] is True
    assert data["result"]["repo"]["name"] == "acme/widgets"


def test_github_repository_wins_over_the_remote(
    run_cli: RunCli, make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(make_repo())
    monkeypatch.setenv("GITHUB_REPOSITORY", "other/project")
    _, data = doctor_json(run_cli)
    assert data["result"]["repo"]["name"] == "other/project"


def test_a_repository_without_commits_or_remote(
    run_cli: RunCli, make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(make_repo(commit=False, remote=None))
    result, data = doctor_json(run_cli)
    assert result.code == 0
    repo = data["result"]["repo"]
    assert repo["is_git"] is True
    assert repo["head"] is None
    assert repo["branch"] == "main"
    assert repo["name"] is None


def test_a_shallow_clone_is_a_warning(
    run_cli: RunCli, make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    origin = make_repo()
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", origin.as_uri(), str(clone))
    monkeypatch.chdir(clone)
    result, data = doctor_json(run_cli)
    assert result.code == 0
    assert data["result"]["repo"]["shallow"] is True
    assert codes(data)["CA204"] == "warning"
    assert "(shallow)" in run_cli("doctor").out


def test_git_missing_is_a_warning(
    run_cli: RunCli, outside_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ci_agent.git

    monkeypatch.setattr(ci_agent.git.shutil, "which", lambda name: None)
    result, data = doctor_json(run_cli)
    assert result.code == 0
    assert data["result"]["env"]["git"] is None
    assert codes(data)["CA201"] == "warning"
    assert ", git missing" in run_cli("doctor").out


def test_credentials_absent(run_cli: RunCli, outside_repo: Path) -> None:
    _, data = doctor_json(run_cli)
    assert data["result"]["credentials"] == {
        "github_token": "absent",
        "openai_api_key": "absent",
        "azure_openai_api_key": "absent",
    }


def test_credentials_present_are_redacted(
    run_cli: RunCli, outside_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", FAKE_GITHUB_TOKEN)
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_OPENAI_KEY)
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "azure-key-0123456789")
    result, data = doctor_json(run_cli)
    assert data["result"]["credentials"] == {
        "github_token": "present (redacted)",
        "openai_api_key": "present (redacted)",
        "azure_openai_api_key": "present (redacted)",
    }
    for secret in (FAKE_GITHUB_TOKEN, FAKE_OPENAI_KEY, "azure-key-0123456789"):
        assert secret not in result.out + result.err


def test_no_llm(run_cli: RunCli, outside_repo: Path) -> None:
    result, data = doctor_json(run_cli)
    assert data["result"]["llm"] == {
        "provider": "none",
        "model": None,
        "base_url": None,
        "reason": "no LLM key found: the static engine runs alone",
    }
    assert codes(data)["CA406"] == "info"
    assert result.code == 0


def test_openai_from_the_key(
    run_cli: RunCli, outside_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_OPENAI_KEY)
    result, data = doctor_json(run_cli)
    assert result.code == 0
    llm = data["result"]["llm"]
    assert llm["provider"] == "openai"
    assert llm["model"] == "gpt-4.1-mini"
    assert llm["reason"] == "OPENAI_API_KEY is set"
    assert "CA406" not in codes(data)


def test_a_token_outside_actions_is_not_an_llm(
    run_cli: RunCli, outside_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", FAKE_GITHUB_TOKEN)
    _, data = doctor_json(run_cli)
    assert data["result"]["llm"]["provider"] == "none"


def test_github_models_in_actions(
    run_cli: RunCli, actions: ActionsStep, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", FAKE_GITHUB_TOKEN)
    result, data = doctor_json(run_cli)
    assert result.code == 0
    llm = data["result"]["llm"]
    assert llm["provider"] == "github-models"
    assert llm["model"] == "openai/gpt-4.1-mini"
    assert llm["base_url"] == "https://models.github.ai/inference"
    assert data["result"]["credentials"]["github_token"] == "present (redacted)"


def test_openai_compatible_without_base_url_is_an_error(
    run_cli: RunCli, outside_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI_AGENT_LLM_PROVIDER", "openai-compatible")
    monkeypatch.setenv("CI_AGENT_MODEL", "llama3")
    result, data = doctor_json(run_cli)
    assert result.code != 0
    # Incomplete LLM settings are a configuration error: exit 2.
    assert result.code == 2
    assert data["status"] == "error"
    assert codes(data)["CA116"] == "error"
    assert data["errors"][0]["code"] == "CA116"
    assert "needs llm.base-url" in data["errors"][0]["message"]
    assert data["result"]["llm"]["provider"] == "openai-compatible"
    assert data["result"]["llm"]["reason"] == (
        "set explicitly in configuration, input or environment"
    )


def test_openai_compatible_with_base_url_and_model_is_fine(
    run_cli: RunCli, outside_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI_AGENT_LLM_PROVIDER", "openai-compatible")
    monkeypatch.setenv("CI_AGENT_MODEL", "llama3")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://localhost:11434/v1")
    result, data = doctor_json(run_cli)
    assert result.code == 0
    assert data["result"]["llm"]["base_url"] == "http://localhost:11434/v1"
    assert "CA406" not in codes(data)


def test_in_actions_the_event_is_described(
    run_cli: RunCli, actions: ActionsStep, monkeypatch: pytest.MonkeyPatch
) -> None:
    actions.event(
        "pull_request",
        {
            "action": "synchronize",
            "number": 12,
            "pull_request": {
                "number": 12,
                "head": {"sha": "a" * 40, "ref": "feature", "repo": {"full_name": "acme/widgets"}},
                "base": {"sha": "b" * 40, "ref": "main", "repo": {"full_name": "acme/widgets"}},
            },
            "sender": {"login": "octocat"},
        },
    )
    result, data = doctor_json(run_cli)
    assert result.code == 0
    assert data["result"]["env"]["kind"] == "actions"
    assert data["result"]["event"] == {
        "name": "pull_request",
        "action": "synchronize",
        "loaded": True,
        "pr_number": 12,
        "head_sha": "a" * 40,
        "sender": "octocat",
    }
    assert data["result"]["repo"]["name"] == "acme/widgets"
    assert data["result"]["repo"]["workspace"] == str(actions.workspace)
    text = run_cli("doctor").out
    assert "event:        pull_request" in text
    assert "(actions)" in text


def test_in_actions_a_missing_event_file_is_an_error(run_cli: RunCli, actions: ActionsStep) -> None:
    actions.event_path.unlink()
    result, data = doctor_json(run_cli)
    assert result.code == 2
    assert data["status"] == "error"
    assert codes(data)["CA110"] == "error"
    assert data["errors"][0]["code"] == "CA110"
    assert data["result"]["event"] == {"name": "pull_request", "loaded": False}


def test_in_actions_an_unset_event_path_is_an_error(
    run_cli: RunCli, actions: ActionsStep, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_EVENT_PATH")
    result, data = doctor_json(run_cli)
    assert result.code == 2
    assert codes(data)["CA110"] == "error"


def test_in_actions_an_invalid_event_file_is_an_error(
    run_cli: RunCli, actions: ActionsStep
) -> None:
    actions.event("push", "{not json")
    result, data = doctor_json(run_cli)
    assert result.code == 2
    assert codes(data)["CA111"] == "error"


def test_an_invalid_config_file_is_reported_as_a_problem(
    run_cli: RunCli, outside_repo: Path
) -> None:
    config = outside_repo / ".github" / "ci-agent.yml"
    config.parent.mkdir()
    config.write_text("version: 1\nllm:\n  modle: x\n", encoding="utf-8")
    result, data = doctor_json(run_cli)
    assert result.code == 2
    assert data["status"] == "error"
    assert codes(data)["CA101"] == "error"
    assert data["errors"][0]["code"] == "CA101"
    assert data["errors"][0]["message"] == (
        f"{config}:3: unknown key 'llm.modle'; did you mean 'model'?"
    )
    assert data["result"]["env"]["kind"] == "local"


def test_an_invalid_config_file_in_text_mode(run_cli: RunCli, outside_repo: Path) -> None:
    (outside_repo / "bad.yml").write_text("fail-level: [\n", encoding="utf-8")
    result = run_cli("doctor", "--config", "bad.yml")
    assert result.code == 2
    assert "[error] CA103 " in result.out
    assert "error[CA103]: " in result.err
    assert "Traceback" not in result.err


def test_a_missing_config_file_is_reported_as_a_problem(
    run_cli: RunCli, outside_repo: Path
) -> None:
    result, data = doctor_json(run_cli, "--config", "absent.yml")
    assert result.code == 2
    assert codes(data)["CA104"] == "error"


def test_the_config_path_is_shown(run_cli: RunCli, outside_repo: Path) -> None:
    config = outside_repo / ".github" / "ci-agent.yml"
    config.parent.mkdir()
    config.write_text("fail-level: low\n", encoding="utf-8")
    _, data = doctor_json(run_cli)
    assert data["result"]["config"] == {
        "path": str(config),
        "note": "config: .github/ci-agent.yml (local file)",
    }
    assert f"config:       {config}" in run_cli("doctor").out


def test_dry_run_is_reported(run_cli: RunCli, outside_repo: Path) -> None:
    _, data = doctor_json(run_cli, "--dry-run")
    assert data["dry_run"] is True
    assert data["result"]["dry_run"] is True


def test_text_output(run_cli: RunCli, make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    path = make_repo()
    monkeypatch.chdir(path)
    result = run_cli("doctor")
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0].startswith(f"ci-agent {__version__} on Python {platform.python_version()}")
    assert "(local)" in lines[0]
    assert lines[1] == "event:        -"
    assert lines[2] == f"repository:   acme/widgets @ {git(path, 'rev-parse', 'HEAD')[:12]}"
    assert lines[3] == "GitHub API:   https://api.github.com"
    assert lines[4].startswith("LLM:          none - ")
    assert lines[5] == "config:       defaults (no file)"
    # What CA109's hint points at: the capabilities this version has and has not built.
    built = [c.name for c in CAPABILITIES if c.available]
    pending = [c.name for c in CAPABILITIES if not c.available]
    assert lines[6] == f"can do:      {' '.join(built)}" + (
        f" (not yet: {', '.join(pending)})" if pending else ""
    )
    assert lines[7] == (
        "credentials:  github_token absent, openai_api_key absent, azure_openai_api_key absent"
    )
    assert lines[8] == "problems:     1"
    assert lines[9] == "  [info] CA406 no LLM is configured"
    data = run_cli("doctor", "--output", "json").json()
    assert data["result"]["capabilities"] == {"available": built, "not_yet": pending}
    assert {"review", "fix", "triage", "backup"} <= set(built)


def test_markdown_output_renders_the_template(
    run_cli: RunCli, outside_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_OPENAI_KEY)
    result = run_cli("doctor", "--output", "markdown")
    assert result.code == 0
    out = result.out
    assert out.startswith("## ci-agent doctor\n")
    assert f"| ci-agent | {__version__} (Python {platform.python_version()}) |" in out
    assert "| environment | local |" in out
    assert "| event | — |" in out
    assert "| LLM provider | openai (`gpt-4.1-mini`) — OPENAI_API_KEY is set |" in out
    assert "| configuration | defaults (no file) |" in out
    assert "### Credentials" in out
    assert "- openai_api_key: present (redacted)" in out
    assert "### Problems" in out
    assert f"- **warning** `CA202` {outside_repo} is not inside a git repository" in out
    assert "{{" not in out
    assert "{%" not in out


def test_markdown_without_problems(
    run_cli: RunCli, make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(make_repo())
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_OPENAI_KEY)
    out = run_cli("doctor", "--output", "markdown").out
    assert "None found." in out
    assert "| repository | acme/widgets @ `" in out


def test_diagnose_directly(tmp_path: Path) -> None:
    """The body can be called without click, as ``run`` does."""
    import io

    from ci_agent.commands.common import Invocation
    from ci_agent.commands.doctor import diagnose
    from ci_agent.config import Settings
    from ci_agent.metrics import Metrics
    from ci_agent.redact import Redactor
    from ci_agent.terminal import Terminal

    term = Terminal(io.StringIO(), io.StringIO(), redact=Redactor())
    settings = Settings(workspace=tmp_path, output="markdown")
    outcome = diagnose(Invocation(settings, term, Metrics(), {}, tmp_path))
    assert outcome.command == "doctor"
    assert outcome.status == "ok"
    assert outcome.result["repo"]["workspace"] == str(tmp_path)
    assert outcome.markdown.startswith("## ci-agent doctor")
    assert "| can do | review, tests, fix" in outcome.markdown
    # Text output leaves Jinja2 unimported: no markdown is rendered for it.
    text = diagnose(Invocation(Settings(workspace=tmp_path), term, Metrics(), {}, tmp_path))
    assert text.markdown == ""
    assert outcome.text.startswith("ci-agent ")
