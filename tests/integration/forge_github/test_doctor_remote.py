"""``ci-agent doctor --check-remote``: one request to GitHub, one to the LLM, each ok or coded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import RunCli
from tests.fakes.github_server import FakeGitHub
from tests.fakes.openai_server import FakeOpenAI, Reply
from tests.integration.github_fake.world import build

from .conftest import TOKEN

OPENAI_KEY = "sk-FORGEdoctor0123456789SECRET"


@pytest.fixture
def remote_env(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    fake_github: FakeGitHub,
    fake_openai: FakeOpenAI,
) -> tuple[FakeGitHub, FakeOpenAI]:
    build(fake_github)
    fake_github.require_token(TOKEN, login="ci-bot")
    work = tmp_path / "plain"
    work.mkdir()
    monkeypatch.chdir(work)
    for name, value in {
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_API_URL": fake_github.base_url,
        "GITHUB_REPOSITORY": "acme/widgets",
        "OPENAI_API_KEY": OPENAI_KEY,
        "OPENAI_BASE_URL": fake_openai.base_url,
        "CI_AGENT_LLM_PROVIDER": "openai-compatible",
        "CI_AGENT_MODEL": "gpt-4.1-mini",
    }.items():
        monkeypatch.setenv(name, value)
    return fake_github, fake_openai


def doctor(run_cli: RunCli, *args: str) -> tuple[int, dict[str, Any], str]:
    result = run_cli("doctor", "--output", "json", *args)
    assert TOKEN not in result.out + result.err
    assert OPENAI_KEY not in result.out + result.err
    return result.code, result.json(), result.out


def test_both_reachable(run_cli: RunCli, remote_env: tuple[FakeGitHub, FakeOpenAI]) -> None:
    github, llm = remote_env
    code, data, _ = doctor(run_cli, "--check-remote")
    assert code == 0, data["errors"]
    remote = data["result"]["remote"]
    assert remote["github"]["status"] == "ok"
    assert remote["github"]["repository"] == "acme/widgets"
    assert isinstance(remote["github"]["rate_limit_remaining"], int)
    assert remote["llm"]["status"] == "ok"
    assert github.requests.endpoints() == ["GET /repos/acme/widgets"]
    assert len(llm.chat_requests) == 1
    calls = data["metrics"]["api_calls"]["by_endpoint"]
    assert calls == {"GET /repos/{owner}/{repo}": 1}


def test_default_doctor_stays_offline(
    run_cli: RunCli, remote_env: tuple[FakeGitHub, FakeOpenAI]
) -> None:
    github, llm = remote_env
    code, data, _ = doctor(run_cli)
    assert "remote" not in data["result"]
    assert len(github.requests) == 0 and llm.chat_requests == []
    assert code == 0


def test_a_refused_github_token_fails_the_check(
    run_cli: RunCli, remote_env: tuple[FakeGitHub, FakeOpenAI], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_wrongTOKEN0123456789")
    code, data, _ = doctor(run_cli, "--check-remote")
    assert code == 3
    github = data["result"]["remote"]["github"]
    assert (github["status"], github["code"]) == ("error", "CA303")
    assert data["result"]["remote"]["llm"]["status"] == "ok"
    assert [e["code"] for e in data["errors"]] == ["CA303"]


def test_a_refused_llm_key_fails_the_check(
    run_cli: RunCli, remote_env: tuple[FakeGitHub, FakeOpenAI]
) -> None:
    _, llm = remote_env
    llm.enqueue(Reply.fault(401, "Incorrect API key provided"))
    code, data, _ = doctor(run_cli, "--check-remote")
    assert code == 3
    assert data["result"]["remote"]["github"]["status"] == "ok"
    assert data["result"]["remote"]["llm"]["code"] == "CA403"


def test_without_a_token_or_an_llm(
    run_cli: RunCli, remote_env: tuple[FakeGitHub, FakeOpenAI], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN")
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "CI_AGENT_LLM_PROVIDER", "CI_AGENT_MODEL"):
        monkeypatch.delenv(name)
    code, data, _ = doctor(run_cli, "--check-remote")
    remote = data["result"]["remote"]
    assert (remote["github"]["status"], remote["github"]["code"]) == ("error", "CA307")
    assert (remote["llm"]["status"], remote["llm"]["code"]) == ("skipped", "CA406")
    assert code == 2  # a missing token is configuration (CA307 exits 2)


def test_without_a_repository_the_quota_is_checked(
    run_cli: RunCli, remote_env: tuple[FakeGitHub, FakeOpenAI], monkeypatch: pytest.MonkeyPatch
) -> None:
    github, _ = remote_env
    monkeypatch.delenv("GITHUB_REPOSITORY")
    code, data, _ = doctor(run_cli, "--check-remote")
    assert code == 0
    assert data["result"]["remote"]["github"]["endpoint"] == "GET /rate_limit"
    assert github.requests.endpoints() == ["GET /rate_limit"]


def test_text_output_shows_each_check(
    run_cli: RunCli, remote_env: tuple[FakeGitHub, FakeOpenAI], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_wrongTOKEN0123456789")
    result = run_cli("doctor", "--check-remote")
    assert "remote github: error CA303" in result.out
    assert "remote llm:   ok" in result.out
    assert result.code == 3
