"""The command-line contract: help, version, exit codes, coded errors, JSON envelopes, tracebacks
only on request, and no secret in any output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ci_agent import __version__
from ci_agent.cli import COMMANDS
from ci_agent.errors import CiAgentError, fail
from ci_agent.outcome import Outcome
from tests.conftest import FAKE_GITHUB_TOKEN, FAKE_OPENAI_KEY, CliResult, RunCli

GLOBAL_OPTIONS = ("-v, --verbose", "-q, --quiet", "--dry-run", "--output", "--config", "--no-color")
BACKUP_SUBCOMMANDS = ("create", "verify", "restore", "list", "stats", "prune")
ENVELOPE_KEYS = {
    "schema_version",
    "tool",
    "command",
    "status",
    "exit_code",
    "dry_run",
    "result",
    "errors",
    "metrics",
}


@pytest.fixture(autouse=True)
def _in_empty_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)


def assert_error(result: CliResult, code: str, exit_code: int = 2) -> None:
    """A coded error in text mode: on stderr, with hint and explain pointer, no traceback."""
    assert result.code == exit_code, result
    assert f"error[{code}]: " in result.err, result.err
    assert "  hint: " in result.err
    assert f"see: ci-agent explain {code}" in result.err
    assert "Traceback" not in result.err
    assert "Traceback" not in result.out


def assert_json_error(result: CliResult, code: str, exit_code: int = 2) -> dict[str, Any]:
    """A coded error in JSON mode: exactly one envelope on stdout."""
    assert result.code == exit_code, result
    data = result.json()
    assert set(data) == ENVELOPE_KEYS
    assert data["schema_version"] == 1
    assert data["tool"] == {"name": "ci-agent", "version": __version__}
    assert data["status"] == "error"
    assert data["exit_code"] == exit_code
    assert data["errors"][0]["code"] == code
    assert set(data["errors"][0]) == {"code", "message", "suggestion"}
    assert set(data["metrics"]) == {"durations_s", "api_calls", "llm"}
    assert "Traceback" not in result.err
    return data


# --- help and version -------------------------------------------------------------------------


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help(run_cli: RunCli, flag: str) -> None:
    result = run_cli(flag)
    assert result.code == 0
    assert result.out.startswith("Usage: ci-agent [OPTIONS] COMMAND [ARGS]...")
    for name, (_, short) in COMMANDS.items():
        assert name in result.out
        assert short in result.out
    assert result.err == ""


def test_no_arguments_prints_the_help(run_cli: RunCli) -> None:
    result = run_cli()
    assert result.code == 0
    assert result.out == run_cli("--help").out


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version(run_cli: RunCli, flag: str) -> None:
    result = run_cli(flag)
    assert result.code == 0
    assert result.out == f"ci-agent, version {__version__}\n"


def test_commands_table() -> None:
    assert list(COMMANDS) == [
        "review",
        "tests",
        "fix",
        "triage",
        "plan",
        "backup",
        "insights",
        "run",
        "init",
        "doctor",
        "explain",
    ]


@pytest.mark.parametrize("command", [c for c in COMMANDS if c != "backup"])
def test_every_command_has_help_with_the_global_options(run_cli: RunCli, command: str) -> None:
    result = run_cli(command, "--help")
    assert result.code == 0, result
    assert result.out.startswith(f"Usage: ci-agent {command} [OPTIONS]")
    for option in GLOBAL_OPTIONS:
        assert option in result.out, f"{command} --help lacks {option}"
    assert "text|json|markdown" in result.out


def test_backup_is_a_group_of_subcommands(run_cli: RunCli) -> None:
    result = run_cli("backup", "--help")
    assert result.code == 0
    assert result.out.startswith("Usage: ci-agent backup [OPTIONS] COMMAND [ARGS]...")
    for sub in BACKUP_SUBCOMMANDS:
        assert f"  {sub} " in result.out


@pytest.mark.parametrize("sub", BACKUP_SUBCOMMANDS)
def test_backup_subcommands_have_help_with_the_global_options(run_cli: RunCli, sub: str) -> None:
    result = run_cli("backup", sub, "--help")
    assert result.code == 0, result
    assert result.out.startswith(f"Usage: ci-agent backup {sub} [OPTIONS]")
    for option in GLOBAL_OPTIONS:
        assert option in result.out


def test_the_lazy_group_lists_and_loads_commands() -> None:
    import click

    from ci_agent.cli_app import cli

    ctx = click.Context(cli)
    assert cli.list_commands(ctx) == list(COMMANDS)
    assert cli.get_command(ctx, "nope") is None
    command = cli.get_command(ctx, "explain")
    assert isinstance(command, click.Command)
    assert command.name == "explain"


# --- usage errors -----------------------------------------------------------------------------


def test_unknown_command_suggests_the_close_one(run_cli: RunCli) -> None:
    result = run_cli("revew")
    assert_error(result, "CA107")
    assert "unknown command 'revew'; did you mean 'review'?" in result.err
    names = "review, tests, fix, triage, plan, backup, insights, run, init, doctor, explain"
    assert f"Use one of: {names}." in result.err
    assert result.out == ""


def test_unknown_command_without_a_close_one(run_cli: RunCli) -> None:
    result = run_cli("zzzzzz")
    assert_error(result, "CA107")
    assert "unknown command 'zzzzzz'\n" in result.err


def test_unknown_command_in_json(run_cli: RunCli) -> None:
    data = assert_json_error(run_cli("revew", "--output", "json"), "CA107")
    # Only a real command name is reported as the command.
    assert data["command"] == ""
    assert "did you mean 'review'?" in data["errors"][0]["message"]


def test_unknown_backup_subcommand(run_cli: RunCli) -> None:
    result = run_cli("backup", "frob")
    assert_error(result, "CA108")
    assert "No such command 'frob'" in result.err
    assert "Run 'ci-agent backup --help' for usage." in result.err


def test_output_format_is_validated(run_cli: RunCli) -> None:
    result = run_cli("doctor", "--output", "yaml")
    assert_error(result, "CA106")
    assert "'--output' has the invalid value 'yaml'" in result.err
    assert "Use one of: text, json, markdown." in result.err
    assert result.out == ""


def test_unknown_option(run_cli: RunCli) -> None:
    result = run_cli("doctor", "--bogus")
    assert_error(result, "CA108")
    assert "No such option '--bogus'" in result.err
    assert "Run 'ci-agent doctor --help' for usage." in result.err


@pytest.mark.parametrize("form", [["--output", "json"], ["--output=json"]])
def test_unknown_option_in_json(run_cli: RunCli, form: list[str]) -> None:
    data = assert_json_error(run_cli("doctor", "--bogus", *form), "CA108")
    assert data["command"] == "doctor"
    assert data["result"] == {}


def test_missing_option_value(run_cli: RunCli) -> None:
    assert_error(run_cli("doctor", "--config"), "CA108")


def test_extra_argument(run_cli: RunCli) -> None:
    result = run_cli("doctor", "extra")
    assert_error(result, "CA108")
    assert "extra" in result.err


def test_a_missing_config_file(run_cli: RunCli) -> None:
    result = run_cli("explain", "CA101", "--config", "missing.yml")
    assert_error(result, "CA104")
    assert "configuration file missing.yml does not exist" in result.err
    assert result.out == ""
    data = assert_json_error(
        run_cli("explain", "CA101", "--config", "missing.yml", "--output", "json"), "CA104"
    )
    assert data["command"] == "explain"


def test_an_invalid_config_file_names_file_key_and_line(run_cli: RunCli) -> None:
    Path("bad.yml").write_text("version: 1\nllm:\n  modle: x\n", encoding="utf-8")
    result = run_cli("explain", "CA101", "--config", "bad.yml")
    assert_error(result, "CA101")
    assert "bad.yml:3: unknown key 'llm.modle'; did you mean 'model'?" in result.err


def test_an_invalid_default_config_file_stops_a_command(run_cli: RunCli) -> None:
    Path(".github").mkdir()
    Path(".github/ci-agent.yml").write_text("fail-level: severe\n", encoding="utf-8")
    data = assert_json_error(run_cli("explain", "CA101", "--output", "json"), "CA115")
    assert "ci-agent.yml:1: 'fail-level' must be " in data["errors"][0]["message"]


def test_a_bad_environment_value_names_its_source(
    run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI_AGENT_FAIL_LEVEL", "severe")
    result = run_cli("explain", "CA101", "--no-color")  # not the bare fast form
    assert_error(result, "CA106")
    assert "'CI_AGENT_FAIL_LEVEL' has the invalid value 'severe'" in result.err


def test_tests_needs_exactly_one_scope(run_cli: RunCli) -> None:
    result = run_cli("tests")
    assert_error(result, "CA108")
    assert "give exactly one of --base REF, --path FILE or --all" in result.err
    assert_error(run_cli("tests", "--all", "--path", "x.py"), "CA108")


def test_tests_shard_must_be_i_of_n(run_cli: RunCli) -> None:
    result = run_cli("tests", "--all", "--shard", "3/2", "--output", "json")
    data = assert_json_error(result, "CA191")
    assert data["errors"][0]["message"] == "--shard '3/2' is not I/N with 1 <= I <= N"


def test_review_of_a_github_pull_request_needs_a_token(run_cli: RunCli) -> None:
    result = run_cli("review", "--repo", "acme/widgets", "--pr", "1")
    assert_error(result, "CA307")


def test_review_of_a_github_pull_request_needs_a_repository(run_cli: RunCli) -> None:
    assert_error(run_cli("review", "--pr", "1"), "CA105")
    assert_error(run_cli("review", "--repo", "acme/widgets"), "CA108")


@pytest.mark.parametrize(
    ("argv", "problem"),
    [
        ([], "give --run ID, --pr N, or --log FILE"),
        (["--pr", "1", "--log", "x.log"], "give --log/--junit or --pr, not both"),
        (["--log", "x.log", "--bundle-out", "b.json"], "--bundle-out needs --run ID"),
        (["--run", "1", "--pr", "2"], "give --run or --pr, not both"),
        (["--log", "x.log", "--apply", "b.json"], "--apply needs --run ID"),
        (["--run", "1", "--bundle-out", "b.json"], "--bundle-out works with --log/--junit"),
    ],
)
def test_fix_refuses_contradictory_options(run_cli: RunCli, argv: list[str], problem: str) -> None:
    result = run_cli("fix", *argv)
    assert_error(result, "CA108")
    assert problem in result.err


def test_fix_names_a_missing_log_first(run_cli: RunCli) -> None:
    result = run_cli("fix", "--log", "nowhere.log")
    assert_error(result, "CA130")
    assert "nowhere.log does not exist" in result.err


def test_fix_of_a_run_needs_a_repository_and_a_token(run_cli: RunCli) -> None:
    assert_error(run_cli("fix", "--run", "1"), "CA105")
    assert_error(run_cli("fix", "--run", "1", "--repo", "acme/widgets"), "CA307")


# --- explain ----------------------------------------------------------------------------------


def test_explain_a_code(run_cli: RunCli) -> None:
    result = run_cli("explain", "CA101")
    assert result.code == 0
    assert result.out.startswith("CA101  config-unknown-key  (configuration and input)\n")
    assert "  fix: Remove the key or fix its spelling" in result.out
    assert result.err == ""


@pytest.mark.parametrize("given", ["config-unknown-key", "ca101"])
def test_explain_by_name_or_lower_case(run_cli: RunCli, given: str) -> None:
    data = run_cli("explain", given, "--output", "json").json()
    assert data["status"] == "ok"
    assert data["exit_code"] == 0
    assert data["command"] == "explain"
    assert [e["code"] for e in data["result"]["errors"]] == ["CA101"]
    assert data["result"]["errors"][0] == {
        "code": "CA101",
        "name": "config-unknown-key",
        "category": "configuration and input",
        "message": "{file}:{line}: unknown key '{key}'{hint}",
        "suggestion": "Remove the key or fix its spelling; the schema is docs/config.schema.json.",
    }


@pytest.mark.parametrize("argv", [["--all"], []])
def test_explain_all(run_cli: RunCli, argv: list[str]) -> None:
    from ci_agent.error_codes import REGISTRY

    data = run_cli("explain", *argv, "--output", "json").json()
    assert [e["code"] for e in data["result"]["errors"]] == list(REGISTRY)
    text = run_cli("explain", *argv).out
    for code in REGISTRY:
        assert f"{code}  " in text


def test_explain_markdown(run_cli: RunCli) -> None:
    result = run_cli("explain", "CA601", "--output", "markdown")
    assert result.code == 0
    assert result.out.startswith("- **CA601** `internal-error` (processing): internal error: ")


def test_explain_an_unknown_code(run_cli: RunCli) -> None:
    result = run_cli("explain", "NOPE")
    assert_error(result, "CA114")
    assert "'NOPE' is not a ci-agent error code" in result.err
    assert result.out == ""
    assert_json_error(run_cli("explain", "NOPE", "--output", "json"), "CA114")


# --- verbosity and tracebacks -----------------------------------------------------------------


def test_user_errors_show_a_traceback_only_at_vv(run_cli: RunCli) -> None:
    assert "Traceback" not in run_cli("explain", "NOPE").err
    assert "Traceback" not in run_cli("explain", "NOPE", "-v").err
    result = run_cli("explain", "NOPE", "-vv")
    assert result.code == 2
    assert "Traceback (most recent call last)" in result.err
    assert "CA114" in result.err


def _boom(invocation: Any) -> Outcome:
    raise RuntimeError("boom in the body")


def _interrupt(invocation: Any) -> Outcome:
    raise KeyboardInterrupt


def test_an_unexpected_exception_is_an_internal_error(
    run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ci_agent.commands.doctor as doctor_module

    monkeypatch.setattr(doctor_module, "diagnose", _boom)
    result = run_cli("doctor")
    assert_error(result, "CA601", exit_code=5)
    assert "internal error: RuntimeError: boom in the body" in result.err
    assert "(run with -vv for the traceback)" in result.err

    result = run_cli("doctor", "-vv")
    assert result.code == 5
    assert "Traceback (most recent call last)" in result.err
    assert "RuntimeError: boom in the body" in result.err

    data = assert_json_error(run_cli("doctor", "--output", "json"), "CA601", exit_code=5)
    assert data["errors"][0]["message"] == "internal error: RuntimeError: boom in the body"
    assert "total" in data["metrics"]["durations_s"]


def test_quiet_hides_the_traceback_hint(run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    import ci_agent.commands.doctor as doctor_module

    monkeypatch.setattr(doctor_module, "diagnose", _boom)
    result = run_cli("doctor", "-q")
    assert_error(result, "CA601", exit_code=5)
    assert "(run with -vv for the traceback)" not in result.err


def test_an_interrupt_in_a_command_is_coded(
    run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ci_agent.commands.doctor as doctor_module

    monkeypatch.setattr(doctor_module, "diagnose", _interrupt)
    result = run_cli("doctor")
    assert_error(result, "CA702", exit_code=5)
    assert "interrupted by SIGINT" in result.err


def test_an_interrupt_while_parsing_is_coded(
    run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ci_agent import cli_app

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_app.cli, "main", interrupted)
    result = run_cli("doctor")
    assert_error(result, "CA702", exit_code=5)
    data = assert_json_error(run_cli("doctor", "--output", "json"), "CA702", exit_code=5)
    assert data["command"] == "doctor"


def test_a_coded_error_raised_early_is_reported(
    run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ci_agent.commands import common

    def failing_load(*args: Any) -> Any:
        raise fail("CA205", path="/x", problem="read-only")

    monkeypatch.setattr(common, "load_settings", failing_load)
    result = run_cli("explain", "CA101", "--no-color")  # not the bare fast form
    assert_error(result, "CA205")
    assert "cannot write to /x: read-only" in result.err


@pytest.mark.parametrize("output", ["text", "json"])
def test_an_unexpected_exception_while_reading_settings_is_coded(
    run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, output: str
) -> None:
    from ci_agent.commands import common

    def broken(*args: Any) -> Any:
        raise RuntimeError("bug")

    monkeypatch.setattr(common, "load_settings", broken)
    # Not the bare form, which is answered before any settings are read.
    result = run_cli("explain", "CA101", "--no-color", "--output", output)
    assert result.code == 5
    assert "Traceback" not in result.out + result.err
    if output == "json":
        envelope = result.json()
        assert envelope["status"] == "error"
        assert envelope["errors"][0]["code"] == "CA601"
        assert "RuntimeError: bug" in envelope["errors"][0]["message"]
    else:
        assert "error[CA601]: internal error: reading the settings failed: RuntimeError: bug" in (
            result.err
        )


# --- colour -----------------------------------------------------------------------------------


def test_errors_are_plain_when_not_a_terminal(run_cli: RunCli) -> None:
    # stderr is captured (not a TTY): no escape sequences whatever the colour settings.
    assert "\x1b[" not in run_cli("explain", "NOPE").err
    assert "\x1b[" not in run_cli("explain", "NOPE", "--no-color").err


# --- secrets ----------------------------------------------------------------------------------


SECRET_RUNS = [
    ["doctor"],
    ["doctor", "-vv"],
    ["explain", "CA101"],
    ["init", "--dry-run"],
    ["review"],
    ["backup", "create"],
    ["run"],
    ["revew"],
    ["doctor", "--output", "yaml"],
    ["doctor", "--bogus"],
    ["explain", "NOPE", "-vv"],
    ["doctor", "--config", "missing.yml"],
]


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
@pytest.mark.parametrize("argv", SECRET_RUNS, ids=" ".join)
def test_no_secret_in_any_output(
    run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, argv: list[str], fmt: str
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", FAKE_GITHUB_TOKEN)
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_OPENAI_KEY)
    extra = [] if "--output" in argv else ["--output", fmt]
    result = run_cli(*argv, *extra)
    assert result.out or result.err
    for secret in (FAKE_GITHUB_TOKEN, FAKE_OPENAI_KEY):
        assert secret not in result.out
        assert secret not in result.err


def test_doctor_redacts_a_secret_pasted_into_the_config(
    run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_OPENAI_KEY)
    Path(".github").mkdir()
    Path(".github/ci-agent.yml").write_text(f"llm:\n  model: {FAKE_OPENAI_KEY}\n", encoding="utf-8")
    for fmt in ("text", "json", "markdown"):
        result = run_cli("doctor", "--output", fmt)
        assert result.code == 0
        assert FAKE_OPENAI_KEY not in result.out + result.err
        assert "***" in result.out


def test_a_secret_in_an_unknown_command_is_redacted_in_text(
    run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", FAKE_GITHUB_TOKEN)
    result = run_cli(FAKE_GITHUB_TOKEN)
    assert_error(result, "CA107")
    assert FAKE_GITHUB_TOKEN not in result.err
    assert "unknown command '***'" in result.err


def test_a_secret_in_an_unknown_command_is_redacted_in_json(
    run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", FAKE_GITHUB_TOKEN)
    result = run_cli(FAKE_GITHUB_TOKEN, "--output", "json")
    assert result.code == 2
    assert FAKE_GITHUB_TOKEN not in result.out


def test_an_option_before_the_command_is_reported_sensibly(run_cli: RunCli) -> None:
    # Global options belong to the commands, not to the group.
    data = assert_json_error(run_cli("--output", "json", "revew"), "CA108")
    assert data["command"] == ""
    assert data["errors"][0]["message"] == "No such option '--output'."
    assert data["errors"][0]["suggestion"] == "Run 'ci-agent --help' for usage."


# --- the real console script ------------------------------------------------------------------


def _module(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ci_agent", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_python_dash_m_ci_agent(tmp_path: Path) -> None:
    proc = _module("--version", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"ci-agent, version {__version__}\n"

    proc = _module("explain", "CA101", "--output", "json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["result"]["errors"][0]["code"] == "CA101"

    proc = _module("revew", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "error[CA107]: unknown command 'revew'; did you mean 'review'?" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_python_dash_m_ci_agent_doctor_json(tmp_path: Path) -> None:
    proc = _module("doctor", "--output", "json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["command"] == "doctor"
    assert data["result"]["env"]["kind"] == "local"


def test_main_reads_sys_argv(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from ci_agent.cli import main

    monkeypatch.setattr(sys, "argv", ["ci-agent", "--version"])
    with pytest.raises(SystemExit) as exc_info:
        main()
    assert exc_info.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_an_error_raised_as_a_ci_agent_error_is_one(run_cli: RunCli) -> None:
    # Sanity: the helper the CLI uses for unknown commands builds CA107.
    from ci_agent.commands.common import unknown_command

    error = unknown_command("revew", ["review", "run"])
    assert isinstance(error, CiAgentError)
    assert error.code == "CA107"
    assert error.message == "unknown command 'revew'; did you mean 'review'?"
    assert error.suggestion == "Use one of: review, run."
