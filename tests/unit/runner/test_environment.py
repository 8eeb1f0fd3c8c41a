"""ActionsEnvironment: the runner's variables, with defaults for github.com."""

from __future__ import annotations

from ci_agent.runner.environment import (
    DEFAULT_API_URL,
    DEFAULT_GRAPHQL_URL,
    DEFAULT_SERVER_URL,
    ActionsEnvironment,
)

ACTIONS = {
    "GITHUB_ACTIONS": "true",
    "GITHUB_WORKSPACE": "/home/runner/work/Hello-World/Hello-World",
    "GITHUB_REPOSITORY": "Codertocat/Hello-World",
    "GITHUB_API_URL": "https://ghe.example.com/api/v3/",
    "GITHUB_SERVER_URL": "https://ghe.example.com",
    "GITHUB_GRAPHQL_URL": "https://ghe.example.com/api/graphql",
    "GITHUB_RUN_ID": "1658821493",
    "GITHUB_RUN_ATTEMPT": "2",
    "GITHUB_RUN_NUMBER": "17",
    "GITHUB_SHA": "ffac537e6cbbf934b08745a378932722df287a53",
    "GITHUB_REF": "refs/pull/2/merge",
    "GITHUB_EVENT_NAME": "pull_request",
    "GITHUB_EVENT_PATH": "/home/runner/work/_temp/_github_workflow/event.json",
    "GITHUB_STEP_SUMMARY": "/home/runner/work/_temp/_runner_file_commands/step_summary_1",
    "GITHUB_OUTPUT": "/home/runner/work/_temp/_runner_file_commands/set_output_1",
    "GITHUB_ENV": "/home/runner/work/_temp/_runner_file_commands/set_env_1",
    "GITHUB_STATE": "/home/runner/work/_temp/_runner_file_commands/save_state_1",
    "GITHUB_PATH": "/home/runner/work/_temp/_runner_file_commands/add_path_1",
    "GITHUB_ACTOR": "octocat",
    "GITHUB_JOB": "review",
    "GITHUB_WORKFLOW": "CI",
    "RUNNER_TEMP": "/home/runner/work/_temp",
    "RUNNER_DEBUG": "1",
}


def test_reads_every_variable() -> None:
    env = ActionsEnvironment.from_environ(ACTIONS)
    assert env.is_actions is True
    assert env.workspace == ACTIONS["GITHUB_WORKSPACE"]
    assert env.repository == "Codertocat/Hello-World"
    assert env.api_url == "https://ghe.example.com/api/v3"
    assert env.server_url == "https://ghe.example.com"
    assert env.graphql_url == "https://ghe.example.com/api/graphql"
    assert env.run_id == 1658821493
    assert env.run_attempt == 2
    assert env.run_number == 17
    assert env.sha == ACTIONS["GITHUB_SHA"]
    assert env.ref == "refs/pull/2/merge"
    assert env.event_name == "pull_request"
    assert env.event_path == ACTIONS["GITHUB_EVENT_PATH"]
    assert env.step_summary == ACTIONS["GITHUB_STEP_SUMMARY"]
    assert env.output == ACTIONS["GITHUB_OUTPUT"]
    assert env.env == ACTIONS["GITHUB_ENV"]
    assert env.state == ACTIONS["GITHUB_STATE"]
    assert env.path == ACTIONS["GITHUB_PATH"]
    assert env.actor == "octocat"
    assert env.job == "review"
    assert env.workflow == "CI"
    assert env.runner_temp == "/home/runner/work/_temp"
    assert env.runner_debug is True


def test_defaults_outside_actions() -> None:
    env = ActionsEnvironment.from_environ({})
    assert env == ActionsEnvironment()
    assert env.is_actions is False
    assert env.api_url == DEFAULT_API_URL == "https://api.github.com"
    assert env.server_url == DEFAULT_SERVER_URL == "https://github.com"
    assert env.graphql_url == DEFAULT_GRAPHQL_URL == "https://api.github.com/graphql"
    assert env.repository is None
    assert env.run_id is None
    assert env.runner_debug is False
    assert env.run_url is None


def test_only_the_exact_true_means_actions() -> None:
    for value in ("True", "1", "yes", ""):
        assert ActionsEnvironment.from_environ({"GITHUB_ACTIONS": value}).is_actions is False


def test_empty_values_count_as_unset() -> None:
    env = ActionsEnvironment.from_environ({"GITHUB_OUTPUT": "", "GITHUB_API_URL": ""})
    assert env.output is None
    assert env.api_url == DEFAULT_API_URL


def test_non_numeric_run_id_is_none() -> None:
    env = ActionsEnvironment.from_environ({"GITHUB_RUN_ID": "abc", "GITHUB_RUN_ATTEMPT": "²"})
    assert env.run_id is None
    assert env.run_attempt is None


def test_run_url() -> None:
    env = ActionsEnvironment.from_environ(ACTIONS)
    assert (
        env.run_url
        == "https://ghe.example.com/Codertocat/Hello-World/actions/runs/1658821493/attempts/2"
    )
    first = ActionsEnvironment.from_environ({"GITHUB_REPOSITORY": "o/r", "GITHUB_RUN_ID": "5"})
    assert first.run_url == "https://github.com/o/r/actions/runs/5"
