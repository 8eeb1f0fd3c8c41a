"""``ci-agent run``: the Action's entry point — job choice from event and inputs, masking, step
outputs and job summary, written even when the job fails."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ci_agent import __version__
from ci_agent.capabilities import CAPABILITIES
from ci_agent.commands.run import ACTION_COMMANDS, EVENT_COMMANDS, choose_command
from ci_agent.errors import CiAgentError
from ci_agent.runner.events import parse_event
from tests.conftest import (
    FAKE_GITHUB_TOKEN,
    FAKE_OPENAI_KEY,
    ActionsStep,
    CliResult,
    RunCli,
    parse_outputs,
)
from tests.fakes.github_server import FakeGitHub
from tests.fakes.github_server.fixtures import fake_github

__all__ = ["fake_github"]

OUTPUT_NAMES = [
    "result-json",
    "status",
    "exit-code",
    "findings-count",
    "max-severity",
    "artifact-path",
    "artifact-name",
    "sha256",
]


def result_json(actions: ActionsStep) -> dict[str, Any]:
    data = json.loads(actions.outputs()["result-json"])
    assert isinstance(data, dict)
    return data


def assert_outputs(actions: ActionsStep, status: str, exit_code: int) -> dict[str, str]:
    outputs = actions.outputs()
    assert list(outputs) == OUTPUT_NAMES
    assert outputs["status"] == status
    assert outputs["exit-code"] == str(exit_code)
    assert outputs["findings-count"] == "0"
    assert outputs["max-severity"] == "none"
    assert outputs["artifact-path"] == ""
    assert outputs["artifact-name"] == ""
    assert outputs["sha256"] == ""
    data = json.loads(outputs["result-json"])
    assert data["schema_version"] == 1
    assert data["status"] == status
    assert data["exit_code"] == exit_code
    return outputs


@pytest.fixture
def github(fake_github: FakeGitHub, actions: ActionsStep) -> FakeGitHub:
    """The step talks to a fake GitHub holding ``acme/widgets`` without a config file: where
    the checkout may be a pull request's, jobs first read the config at the base commit."""
    fake_github.create_repo("acme/widgets", files={"README.md": "# widgets\n"})
    actions.set(GITHUB_API_URL=fake_github.base_url, GITHUB_TOKEN=FAKE_GITHUB_TOKEN)
    return fake_github


def no_traceback(result: CliResult) -> None:
    assert "Traceback" not in result.err
    assert "Traceback" not in result.out


# --- outside Actions --------------------------------------------------------------------------


def test_outside_actions(run_cli: RunCli, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_cli("run")
    assert result.code == 2
    assert "error[CA112]: 'ci-agent run' only works inside GitHub Actions" in result.err
    no_traceback(result)
    data = run_cli("run", "--output", "json").json()
    assert data["errors"][0]["code"] == "CA112"


def test_run_outside_the_action_has_no_command_input(
    run_cli: RunCli, actions: ActionsStep, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("INPUT_COMMAND")
    result = run_cli("run")
    assert result.code == 2
    assert "error[CA105]: required input 'command' was not given" in result.err
    no_traceback(result)
    assert_outputs(actions, "error", 2)
    assert result_json(actions)["errors"][0]["code"] == "CA105"


def test_github_actions_must_be_true(
    run_cli: RunCli, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_ACTIONS", "1")
    assert "CA112" in run_cli("run").err


# --- doctor as the job ------------------------------------------------------------------------


def test_doctor_job(run_cli: RunCli, actions: ActionsStep) -> None:
    actions.set(INPUT_COMMAND="doctor")
    result = run_cli("run")
    assert result.code == 0, result
    no_traceback(result)
    assert_outputs(actions, "ok", 0)
    data = result_json(actions)
    assert data["command"] == "doctor"
    assert data["errors"] == []
    assert data["result"]["job"] == "doctor"
    assert data["result"]["env"]["kind"] == "actions"
    assert data["result"]["event"]["name"] == "pull_request"
    assert data["result"]["repo"]["name"] == "acme/widgets"
    assert "event:        pull_request" in result.out
    assert f"ci-agent {__version__}: event 'pull_request', job: doctor" in result.err
    assert "(set by the 'command' input)" in result.err


def test_doctor_job_writes_the_summary(run_cli: RunCli, actions: ActionsStep) -> None:
    actions.set(INPUT_COMMAND="doctor")
    assert run_cli("run").code == 0
    summary = actions.summary()
    assert summary.startswith("<h3>ci-agent doctor: ok</h3>\n")
    assert "\n## ci-agent doctor\n" in summary
    assert "| environment | actions |" in summary
    assert "| event | pull_request |" in summary


def test_secrets_are_masked_first_and_never_printed(run_cli: RunCli, actions: ActionsStep) -> None:
    actions.set(
        INPUT_COMMAND="doctor", GITHUB_TOKEN=FAKE_GITHUB_TOKEN, INPUT_OPENAI_API_KEY=FAKE_OPENAI_KEY
    )
    result = run_cli("run")
    assert result.code == 0, result
    # Masks go first on stderr, which reaches the log even when stdout is captured.
    lines = result.err.splitlines()
    assert lines[0] == f"::add-mask::{FAKE_GITHUB_TOKEN}"
    assert lines[1] == f"::add-mask::{FAKE_OPENAI_KEY}"
    rest = "\n".join(lines[2:])
    for secret in (FAKE_GITHUB_TOKEN, FAKE_OPENAI_KEY):
        assert secret not in rest
        assert secret not in result.out
        assert secret not in actions.output_path.read_text(encoding="utf-8")
        assert secret not in actions.summary()
    data = result_json(actions)
    assert data["result"]["credentials"]["github_token"] == "present (redacted)"
    assert data["result"]["llm"]["provider"] == "openai"


def test_the_token_input_wins_over_the_environment(run_cli: RunCli, actions: ActionsStep) -> None:
    actions.set(
        INPUT_COMMAND="doctor",
        GITHUB_TOKEN="env-token-value-1234",
        INPUT_GITHUB_TOKEN=FAKE_GITHUB_TOKEN,
    )
    result = run_cli("run")
    assert result.code == 0
    lines = result.err.splitlines()
    masks = [line for line in lines if line.startswith("::add-mask::")]
    assert masks[0] == f"::add-mask::{FAKE_GITHUB_TOKEN}"
    # The environment's token is not the one in use, but it is still masked and redacted.
    assert "::add-mask::env-token-value-1234" in masks
    shown = [line for line in lines if not line.startswith("::add-mask::")]
    assert "env-token-value-1234" not in result.out + "\n".join(shown)
    assert "env-token-value-1234" not in actions.output_path.read_text(encoding="utf-8")


def test_quiet_silences_the_job_line(run_cli: RunCli, actions: ActionsStep) -> None:
    actions.set(INPUT_COMMAND="doctor")
    result = run_cli("run", "-q")
    assert result.code == 0
    assert "job: doctor" not in result.err
    assert result.err == ""
    assert actions.outputs()["status"] == "ok"


def test_doctor_job_refuses_arguments(run_cli: RunCli, actions: ActionsStep) -> None:
    actions.set(INPUT_COMMAND="doctor", INPUT_ARGS="--verbose")
    result = run_cli("run")
    assert result.code == 2
    assert "error[CA106]: 'args' has the invalid value '--verbose'" in result.err
    assert "nothing (doctor takes its settings from the inputs and the config file)" in result.err
    assert_outputs(actions, "error", 2)


def test_review_job_refuses_arguments_too(run_cli: RunCli, actions: ActionsStep) -> None:
    actions.event("pull_request", {"number": 1, "pull_request": {"number": 1}})
    actions.set(INPUT_COMMAND="review", INPUT_ARGS="--fail-level low")
    result = run_cli("run")
    assert result.code == 2
    assert "error[CA106]: 'args' has the invalid value '--fail-level low'" in result.err


def test_args_with_unbalanced_quotes(run_cli: RunCli, actions: ActionsStep) -> None:
    actions.set(INPUT_COMMAND="doctor", INPUT_ARGS='--title "unclosed')
    result = run_cli("run")
    assert result.code == 2
    assert "error[CA106]: 'args' has the invalid value '--title \"unclosed'" in result.err
    assert "No closing quotation" in result.err
    no_traceback(result)
    assert result_json(actions)["errors"][0]["code"] == "CA106"


# --- failures still publish outputs -----------------------------------------------------------


def test_unknown_command_input(run_cli: RunCli, actions: ActionsStep) -> None:
    actions.set(INPUT_COMMAND="bogus")
    result = run_cli("run")
    assert result.code == 2
    assert "error[CA107]: unknown command 'bogus'" in result.err
    no_traceback(result)
    assert_outputs(actions, "error", 2)
    data = result_json(actions)
    assert data["command"] == "run"
    assert data["errors"][0]["code"] == "CA107"
    assert (
        "auto, review, tests, fix, triage, plan, backup, insights, doctor"
        in (data["errors"][0]["suggestion"])
    )
    summary = actions.summary()
    assert summary.startswith("<h3>ci-agent run: error</h3>")
    assert "> **CA107** unknown command &#x27;bogus&#x27;" in summary


def test_unknown_command_input_suggests_the_close_one(
    run_cli: RunCli, actions: ActionsStep
) -> None:
    actions.set(INPUT_COMMAND="doctr")
    assert "did you mean 'doctor'?" in run_cli("run").err


def test_missing_event_file(run_cli: RunCli, actions: ActionsStep) -> None:
    actions.event_path.unlink()
    actions.set(INPUT_COMMAND="doctor")
    result = run_cli("run")
    assert result.code == 2
    assert f"error[CA110]: event payload file {actions.event_path} does not exist" in result.err
    no_traceback(result)
    assert_outputs(actions, "error", 2)
    assert result_json(actions)["errors"][0]["code"] == "CA110"


def test_event_file_not_json(run_cli: RunCli, actions: ActionsStep) -> None:
    actions.event("pull_request", "{not: json")
    result = run_cli("run")
    assert result.code == 2
    assert f"error[CA111]: event payload file {actions.event_path} is not a JSON object" in (
        result.err
    )
    assert "line 1 column 2" in result.err
    no_traceback(result)
    assert_outputs(actions, "error", 2)


def test_event_file_not_an_object(run_cli: RunCli, actions: ActionsStep) -> None:
    actions.event("push", "[1, 2]")
    result = run_cli("run")
    assert result.code == 2
    assert "CA111" in result.err
    assert "the top level is a JSON array, not an object" in result.err


@pytest.mark.parametrize(
    ("command", "event", "payload"),
    [
        ("tests", "pull_request", {"number": 1}),
    ],
)
def test_pending_jobs(
    run_cli: RunCli,
    actions: ActionsStep,
    github: FakeGitHub,
    *,
    command: str,
    event: str,
    payload: dict[str, Any],
) -> None:
    actions.event(event, payload)
    actions.set(INPUT_COMMAND=command)
    result = run_cli("run")
    assert result.code == 2
    job = EVENT_COMMANDS[event] if command == "auto" else command
    assert f"error[CA109]: '{job}' is not available yet in ci-agent {__version__}" in result.err
    no_traceback(result)
    assert_outputs(actions, "error", 2)
    assert result_json(actions)["errors"][0]["code"] == "CA109"


def test_pending_job_in_json(run_cli: RunCli, actions: ActionsStep, github: FakeGitHub) -> None:
    actions.set(INPUT_COMMAND="tests")
    result = run_cli("run", "--output", "json")
    assert result.code == 2
    # stdout holds only the JSON envelope; the token's mask went to stderr first.
    assert f"::add-mask::{FAKE_GITHUB_TOKEN}" in result.err.splitlines()
    data = json.loads(result.out)
    assert data["errors"][0]["code"] == "CA109"
    assert data["command"] == "run"


def test_an_ordinary_comment_does_nothing(run_cli: RunCli, actions: ActionsStep) -> None:
    actions.event(
        "issue_comment",
        {
            "action": "created",
            "issue": {"number": 3, "pull_request": {"url": "x"}},
            "comment": {"id": 9, "body": "looks good to me", "user": {"login": "octocat"}},
            "sender": {"login": "octocat"},
        },
    )
    result = run_cli("run")
    assert result.code == 0, result
    assert "nothing to do: the comment is not a ci-agent command" in result.out
    assert_outputs(actions, "ok", 0)
    data = result_json(actions)
    assert data["result"] == {"job": None, "skipped": "the comment is not a ci-agent command"}
    assert actions.summary().startswith("<h3>ci-agent run: ok</h3>")


def test_unsupported_event_with_auto(run_cli: RunCli, actions: ActionsStep) -> None:
    actions.event("release", {"action": "published"})
    result = run_cli("run")
    assert result.code == 2
    assert "error[CA113]: event 'release' cannot run 'auto'" in result.err
    assert_outputs(actions, "error", 2)


def test_outputs_are_required(
    run_cli: RunCli, actions: ActionsStep, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_OUTPUT")
    actions.set(INPUT_COMMAND="doctor")
    result = run_cli("run")
    assert result.code == 2
    assert "GITHUB_OUTPUT is not set" in result.err
    no_traceback(result)


def test_no_summary_file_is_fine(
    run_cli: RunCli, actions: ActionsStep, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY")
    actions.set(INPUT_COMMAND="doctor")
    assert run_cli("run").code == 0
    assert actions.summary() == ""
    assert actions.outputs()["status"] == "ok"


def test_a_huge_result_is_truncated_in_the_output(
    run_cli: RunCli, actions: ActionsStep, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ci_agent.report.outputs as outputs_module

    monkeypatch.setattr(outputs_module, "RESULT_JSON_LIMIT", 100)
    actions.set(INPUT_COMMAND="doctor")
    assert run_cli("run").code == 0
    data = result_json(actions)
    result = data["result"]
    assert result["truncated"] is True
    assert result["limit"] == 100
    assert result["bytes"] > 100  # how big the whole was
    assert result["note"] == "the result is larger than an output can hold; see the job summary"
    assert result["job"] == "doctor"
    assert data["status"] == "ok"


def test_parse_outputs_rejects_garbage() -> None:
    with pytest.raises(AssertionError):
        parse_outputs("name=value\n")
    assert parse_outputs("") == {}


# --- choose_command ---------------------------------------------------------------------------


def event(name: str, payload: dict[str, Any] | None = None) -> Any:
    return parse_event(name, payload or {})


def comment(body: str, *, on_pr: bool = True, sender: str = "octocat") -> Any:
    issue: dict[str, Any] = {"number": 5}
    if on_pr:
        issue["pull_request"] = {"url": "https://api.github.com/repos/acme/widgets/pulls/5"}
    return event(
        "issue_comment",
        {
            "action": "created",
            "issue": issue,
            "comment": {"id": 1, "body": body, "user": {"login": sender}},
            "sender": {"login": sender, "type": "Bot" if sender.endswith("[bot]") else "User"},
        },
    )


@pytest.mark.parametrize(
    ("name", "job"),
    [
        ("pull_request", "review"),
        ("pull_request_target", "review"),
        ("workflow_run", "fix"),
        ("schedule", "backup"),
        ("push", "plan"),
    ],
)
def test_auto_picks_the_job_for_the_event(name: str, job: str) -> None:
    assert choose_command("auto", event(name)) == (job, f"chosen for the '{name}' event")


def test_auto_never_picks_a_job_that_is_not_built() -> None:
    # Test generation has no action job yet: `auto` answers no event with it.
    assert "tests" not in EVENT_COMMANDS.values()
    built = {c.name for c in CAPABILITIES if c.available}
    assert set(EVENT_COMMANDS.values()) <= built
    with pytest.raises(CiAgentError) as caught:
        choose_command("auto", event("release"))
    assert caught.value.code == "CA113"


def test_event_table_matches_the_action_commands() -> None:
    assert set(EVENT_COMMANDS.values()) <= set(ACTION_COMMANDS)


def test_workflow_dispatch_with_a_command_input() -> None:
    chosen = choose_command("auto", event("workflow_dispatch", {"inputs": {"command": "backup"}}))
    assert chosen == ("backup", "set by the workflow_dispatch input 'command'")


@pytest.mark.parametrize("inputs", [{}, {"command": "auto"}, {"command": "bogus"}, {"other": "x"}])
def test_workflow_dispatch_without_a_usable_command(inputs: dict[str, str]) -> None:
    with pytest.raises(CiAgentError) as exc_info:
        choose_command("auto", event("workflow_dispatch", {"inputs": inputs}))
    error = exc_info.value
    assert error.code == "CA113"
    assert error.exit_code == 2
    assert error.message == "event 'workflow_dispatch' cannot run 'auto'"
    assert "pull_request, pull_request_target, workflow_run, push, schedule, issue_comment" in (
        error.suggestion
    )


def test_an_explicit_command_wins_over_the_event() -> None:
    assert choose_command("doctor", event("schedule")) == ("doctor", "set by the 'command' input")
    assert choose_command("triage", comment("/ci-agent review"))[0] == "triage"


def test_an_unknown_requested_command() -> None:
    with pytest.raises(CiAgentError) as exc_info:
        choose_command("reveiw", event("push"))
    assert exc_info.value.code == "CA107"
    assert "did you mean 'review'?" in exc_info.value.message


@pytest.mark.parametrize(
    ("body", "job"),
    [
        ("/ci-agent review", "comment-review"),
        ("/ci-agent fix", "comment-fix"),
        ("/ci-agent help", "comment-help"),
        ("/ci-agent", "comment-help"),
        ("/ci-agent frobnicate", "comment-help"),
        ("  /ci-agent review please\nsecond line", "comment-review"),
    ],
)
def test_pr_comment_commands(body: str, job: str) -> None:
    assert choose_command("auto", comment(body)) == (job, "asked for in a PR comment")


@pytest.mark.parametrize(
    "body", ["looks good", "", "   ", "please /ci-agent review", "/ci-agentreview", "x\n/ci-agent"]
)
def test_plain_comments_do_nothing(body: str) -> None:
    assert choose_command("auto", comment(body)) == (None, "the comment is not a ci-agent command")


def test_bot_comments_do_nothing() -> None:
    assert choose_command("auto", comment("/ci-agent review", sender="ci-agent[bot]")) == (
        None,
        "comments from bots are ignored",
    )


def test_comments_on_issues_do_nothing() -> None:
    assert choose_command("auto", comment("/ci-agent review", on_pr=False)) == (
        None,
        "ci-agent commands work on pull requests only",
    )


def test_review_comments_on_a_pull_request() -> None:
    chosen = choose_command(
        "auto",
        event(
            "pull_request_review_comment",
            {"pull_request": {"number": 4}, "comment": {"body": "/ci-agent fix"}},
        ),
    )
    assert chosen == ("comment-fix", "asked for in a PR comment")


def test_the_comment_fix_job_needs_a_token(run_cli: RunCli, actions: ActionsStep) -> None:
    actions.event(
        "issue_comment",
        {
            "issue": {"number": 3, "pull_request": {"url": "x"}},
            "comment": {"id": 9, "body": "/ci-agent fix", "user": {"login": "octocat"}},
            "sender": {"login": "octocat"},
        },
    )
    result = run_cli("run")
    assert result.code == 2
    assert "error[CA307]" in result.err
    assert "job: comment-fix (asked for in a PR comment)" in result.err


def test_the_fix_compute_step_needs_the_failed_tests(
    run_cli: RunCli, actions: ActionsStep, github: FakeGitHub
) -> None:
    actions.event("pull_request", {"action": "opened", "number": 1, "pull_request": {"number": 1}})
    actions.set(INPUT_COMMAND="fix")
    result = run_cli("run")
    assert result.code == 2
    assert "error[CA108]" in result.err
    assert "args '--junit FILE' or '--log FILE'" in result.err


def test_the_fix_job_refuses_unknown_args(
    run_cli: RunCli, actions: ActionsStep, github: FakeGitHub
) -> None:
    actions.event("workflow_run", {"workflow_run": {"id": 5}})
    actions.set(INPUT_COMMAND="fix", INPUT_ARGS="--frobnicate")
    result = run_cli("run")
    assert result.code == 2
    assert "error[CA106]" in result.err


def test_a_privileged_fix_job_never_computes(
    run_cli: RunCli, actions: ActionsStep, github: FakeGitHub
) -> None:
    actions.event("workflow_run", {"workflow_run": {"id": 5}})
    actions.set(INPUT_COMMAND="fix", INPUT_ARGS="--compute", INPUT_GITHUB_TOKEN="ghs_x")
    result = run_cli("run")
    assert result.code == 2
    assert "error[CA108]" in result.err
    assert "never runs a pull request's code" in result.err


def test_the_review_job_needs_a_token(run_cli: RunCli, actions: ActionsStep) -> None:
    actions.event("pull_request", {"action": "opened", "number": 1, "pull_request": {"number": 1}})
    result = run_cli("run")
    assert result.code == 2
    assert "error[CA307]" in result.err
    assert "job: review (chosen for the 'pull_request' event)" in result.err


def test_the_triage_job_needs_a_workflow_run(run_cli: RunCli, actions: ActionsStep) -> None:
    actions.event("push", {"after": "a" * 40})
    actions.set(INPUT_COMMAND="triage")
    result = run_cli("run")
    assert result.code == 2
    assert "error[CA113]: event 'push' cannot run 'triage'" in result.err
