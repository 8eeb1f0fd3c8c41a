"""A pull request's own ``.github/ci-agent.yml`` and prompt overrides cannot redirect the token or
the model, nor rewrite the prompt that reviews it: ``ci-agent run`` on ``pull_request`` reads
them at the base commit through the API (the real CLI against the fake GitHub and OpenAI)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ci_agent.retry import SystemClock
from tests.conftest import ActionsStep, RunCli
from tests.fakes.github_server import FakeGitHub
from tests.fakes.openai_server import FakeOpenAI
from tests.integration.config_trust.conftest import (
    BASE_MARK,
    OPENAI_KEY,
    RUNNER,
    THIEF_MARK,
    TOKEN,
    OpenPull,
    PullRequest,
    base_config,
    seed,
)
from tests.integration.review_github.conftest import model_answer

CONFIG = ".github/ci-agent.yml"
PROMPT = ".github/ci-agent/prompts/review_system.j2"


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    """The forge's ≥ 1 s between writes is not what these tests are about."""
    monkeypatch.setattr(SystemClock, "sleep", lambda self, seconds: None)


def no_secret_anywhere(pr: PullRequest, thief: FakeOpenAI, out: str) -> None:
    """Nothing reached the thief; the head's values are not echoed in what the run wrote."""
    assert thief.requests == []
    summary = pr.actions.summary()
    outputs = pr.actions.outputs()["result-json"]
    for text in (summary, outputs, out):
        assert thief.base_url not in text
        assert THIEF_MARK not in text
        assert "thief-model" not in text


@pytest.mark.parametrize("fork", [None, "mallory/widgets"], ids=["same-repository", "fork"])
def test_the_base_config_and_prompt_review_a_hostile_pull_request(
    open_pull: OpenPull,
    fake_openai: FakeOpenAI,
    thief: FakeOpenAI,
    *,
    run_cli: RunCli,
    actions: ActionsStep,
    fork: str | None,
) -> None:
    base = {CONFIG: base_config(fake_openai.base_url), PROMPT: BASE_MARK + "\n"}
    pr = open_pull(base, fork=fork)
    actions.set(INPUT_OPENAI_API_KEY=OPENAI_KEY)
    fake_openai.enqueue(model_answer())

    result = run_cli("run")

    assert "Traceback" not in result.out + result.err
    data = pr.result()
    assert not data["errors"], data["errors"]
    # The model the base configures got the base's prompt; the thief got nothing at all.
    (request,) = fake_openai.chat_requests
    assert request.headers.get("authorization") == f"Bearer {OPENAI_KEY}"
    assert request.body is not None
    system, user = request.body["messages"]
    assert system == {"role": "system", "content": BASE_MARK + "\n"}
    # The head's override reaches the model only as the diff under review, marked untrusted.
    assert THIEF_MARK in user["content"].split("<untrusted_pr_data>", 1)[1]
    assert request.body["model"] == "gpt-4.1-mini"
    no_secret_anywhere(pr, thief, result.out + result.err)
    # The run says which configuration it used, and that the checkout's differs.
    config = data["result"]["config"]
    assert (config["source"], config["ref"], config["found"]) == ("base", pr.base_sha, True)
    assert config["checkout_copy"] == "differs"
    assert config["templates"] == ["prompts/review_system.j2"]
    assert config["checkout_templates_ignored"] is True
    note = (
        f"config: {CONFIG} at base {pr.base_sha[:12]} (the checkout's copy was ignored: it "
        f"differs); templates from base {pr.base_sha[:12]}: prompts/review_system.j2; the "
        "checkout's .github/ci-agent/ files were ignored"
    )
    assert config["note"] == note
    assert note in pr.actions.summary()
    # The configuration was read at the base commit (the review itself reads the changed
    # files, these included, at the head: as the diff under review).
    at_base = {
        r.path.split("/contents/")[1]
        for r in pr.fake.requests
        if r.query.get("ref") == [pr.base_sha]
    }
    assert {CONFIG, ".github/ci-agent", ".github/ci-agent/prompts", PROMPT} <= at_base
    # The sticky summary comment says it too (a fork's token posts nothing).
    posted = [c.body for c in pr.repo.issue_comments.values()]
    if fork is None:
        (summary,) = posted
        assert note in summary
        assert TOKEN not in summary


def test_without_a_base_config_the_defaults_apply_not_the_head(
    open_pull: OpenPull, thief: FakeOpenAI, run_cli: RunCli, actions: ActionsStep
) -> None:
    """The head says fail-level none and excludes every file: neither applies."""
    pr = open_pull()
    actions.set(CI_AGENT_LLM_PROVIDER="none")

    result = run_cli("run")

    data = pr.result()
    assert result.code == 1, (result.err, data["errors"])  # S602 is high: fail-level high
    assert data["result"]["findings_count"] >= 1
    config = data["result"]["config"]
    assert (config["source"], config["found"], config["checkout_copy"]) == (
        "base",
        False,
        "differs",
    )
    assert config["note"].startswith(f"config: defaults (no {CONFIG} at base {pr.base_sha[:12]})")
    no_secret_anywhere(pr, thief, result.out + result.err)


def test_an_invalid_base_config_fails_with_its_line(
    open_pull: OpenPull, thief: FakeOpenAI, run_cli: RunCli, fake_openai: FakeOpenAI
) -> None:
    pr = open_pull({CONFIG: "version: 1\nllm:\n  base-urll: https://example.invalid\n"})

    result = run_cli("run")

    assert result.code == 2, result.err
    (error,) = pr.result()["errors"]
    assert error["code"] == "CA101"
    where = f"{pr.base_sha[:12]}:{CONFIG}:3"
    assert error["message"] == f"{where}: unknown key 'llm.base-urll'; did you mean 'base-url'?"
    assert "Traceback" not in result.err
    assert fake_openai.requests == [] and thief.requests == []
    assert not pr.repo.issue_comments and not pr.repo.reviews


@pytest.mark.parametrize(
    ("status", "paths", "problem"),
    [
        (403, ["/repos/*/contents/*"], "CA304"),
        (500, ["/repos/*/contents/*"], "CA306"),
        (404, ["/repos/*/contents/*", "/repos/*/contents"], "GitHub shows no files at base"),
    ],
    ids=["forbidden", "server-error", "commit-not-visible"],
)
def test_when_the_base_config_cannot_be_read_the_run_fails_without_fallback(
    open_pull: OpenPull,
    thief: FakeOpenAI,
    run_cli: RunCli,
    *,
    status: int,
    paths: list[str],
    problem: str,
) -> None:
    pr = open_pull({CONFIG: "fail-level: low\n"})
    for path in paths:
        pr.fake.faults.status("GET", path, status, times=None)

    result = run_cli("run")

    assert result.code == 3, result.err
    (error,) = pr.result()["errors"]
    assert error["code"] == "CA309"
    assert error["message"].startswith(
        f"could not read {CONFIG} at base {pr.base_sha[:12]} through the GitHub API:"
    )
    assert problem in error["message"]
    assert "never falls back to the checkout's copy" in error["suggestion"]
    # Nothing was reviewed or posted with the head's settings instead.
    assert thief.requests == []
    assert not pr.repo.issue_comments and not pr.repo.reviews and not pr.repo.check_runs
    assert "Traceback" not in result.err


def test_a_config_named_by_the_input_is_read_at_the_base_too(
    open_pull: OpenPull, thief: FakeOpenAI, run_cli: RunCli, actions: ActionsStep
) -> None:
    pr = open_pull({"ci/agent.yml": "fail-level: none\n"})
    actions.set(INPUT_CONFIG="ci/agent.yml", CI_AGENT_LLM_PROVIDER="none")

    result = run_cli("run")

    assert result.code == 0, result.err  # the base's fail-level none applied
    config = pr.result()["result"]["config"]
    assert (config["path"], config["found"], config["checkout_copy"]) == (
        "ci/agent.yml",
        True,
        "absent",
    )
    assert thief.requests == []


def test_a_named_config_missing_at_the_base_is_an_error(
    open_pull: OpenPull, run_cli: RunCli, actions: ActionsStep
) -> None:
    pr = open_pull()
    (actions.workspace / "ci").mkdir()
    (actions.workspace / "ci" / "agent.yml").write_text("fail-level: none\n", encoding="utf-8")
    actions.set(INPUT_CONFIG="ci/agent.yml", CI_AGENT_LLM_PROVIDER="none")

    result = run_cli("run")

    assert result.code == 2, result.err
    (error,) = pr.result()["errors"]
    assert error["code"] == "CA118"
    assert error["message"] == (
        f"configuration file ci/agent.yml does not exist at base {pr.base_sha[:12]}"
    )


def test_a_config_path_outside_the_repository_is_refused(
    open_pull: OpenPull, run_cli: RunCli, actions: ActionsStep, tmp_path: object
) -> None:
    pr = open_pull()
    outside = actions.root / "elsewhere.yml"
    outside.write_text("fail-level: none\n", encoding="utf-8")
    actions.set(INPUT_CONFIG=str(outside), CI_AGENT_LLM_PROVIDER="none")

    result = run_cli("run")

    assert result.code == 2, result.err
    assert "error[CA117]" in result.err
    assert pr.fake.requests.count("GET", "/repos/*/contents/*") == 0


def test_on_a_laptop_the_local_file_is_used(
    fake_github: FakeGitHub, run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Outside Actions the working directory is the user's own: its file applies as before."""
    seed(fake_github, {}, {"app/runner.py": RUNNER})
    workspace = tmp_path / "laptop"
    (workspace / ".github").mkdir(parents=True)
    (workspace / CONFIG).write_text("fail-level: none\n", encoding="utf-8")
    monkeypatch.chdir(workspace)
    for name in ("GITHUB_ACTIONS", "GITHUB_EVENT_NAME", "GITHUB_EVENT_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GITHUB_API_URL", fake_github.base_url)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("CI_AGENT_LLM_PROVIDER", "none")

    result = run_cli(
        "review", "--repo", "acme/widgets", "--pr", "1", "--dry-run", "--output", "json"
    )

    data = json.loads(result.out)
    assert result.code == 0, data["errors"]  # the local fail-level none applied to a finding
    assert data["result"]["findings_count"] >= 1
    assert fake_github.requests.count("GET", "/repos/*/contents/.github/*") == 0
