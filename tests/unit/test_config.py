"""The configuration file (schema, errors by key path and line) and the Settings built from every
source: CLI flags > action inputs > environment > config file > defaults."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

import pydantic
import pytest
import yaml

from ci_agent.config import (
    DEFAULT_CONFIG_PATH,
    CliOverrides,
    Secret,
    Settings,
    load_settings,
)
from ci_agent.config_file import load_config_file
from ci_agent.config_model import SEVERITY_NAMES, FileConfig, Severity
from ci_agent.config_validate import dump_section, validate_config
from ci_agent.errors import CiAgentError, UsageError
from ci_agent.resources import templates_dir
from tests.conftest import FAKE_GITHUB_TOKEN, FAKE_OPENAI_KEY
from tests.support import git

ROOT = Path(__file__).resolve().parents[2]


def tmp_dir() -> str:
    return tempfile.gettempdir()


def write(tmp_path: Path, text: str, name: str = "ci-agent.yml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def config_error(path: Path) -> CiAgentError:
    with pytest.raises(CiAgentError) as exc_info:
        load_config_file(path)
    error = exc_info.value
    assert isinstance(error, UsageError)
    assert error.exit_code == 2
    return error


# --- the configuration file -------------------------------------------------------------------


def test_unknown_top_level_key(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        version: 1
        fail-level: high
        fail_levle: low
        """,
    )
    error = config_error(path)
    assert error.code == "CA101"
    assert error.message.startswith(f"{path}:3: unknown key 'fail_levle'")
    assert "did you mean 'fail-level'?" in error.message


def test_unknown_top_level_key_without_a_close_match_has_no_hint(tmp_path: Path) -> None:
    error = config_error(write(tmp_path, "zzzzzz: 1\n"))
    assert error.code == "CA101"
    assert error.message == f"{tmp_path / 'ci-agent.yml'}:1: unknown key 'zzzzzz'"


def test_unknown_nested_key_suggests_the_close_one(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        version: 1
        llm:
          provider: openai
          modle: gpt-4.1
        """,
    )
    error = config_error(path)
    assert error.code == "CA101"
    assert error.message == f"{path}:4: unknown key 'llm.modle'; did you mean 'model'?"
    assert error.context["line"] == 4
    assert error.context["key"] == "llm.modle"


def test_unknown_key_deep_in_a_section(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        backup:
          retention:
            dialy: 3
        """,
    )
    error = config_error(path)
    assert error.code == "CA101"
    assert error.message == f"{path}:3: unknown key 'backup.retention.dialy'; did you mean 'daily'?"


def test_wrong_type(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        version: 1
        llm:
          max-concurrency: many
        """,
    )
    error = config_error(path)
    assert error.code == "CA102"
    assert error.message.startswith(f"{path}:3: 'llm.max-concurrency' ")
    assert error.message.endswith("must be a whole number, got 'many' (text)")
    assert "'llm.max-concurrency'" in error.suggestion


def test_wrong_type_in_a_list_names_the_index(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        review:
          exclude:
            - "*.lock"
            - 3
        """,
    )
    error = config_error(path)
    assert error.code == "CA102"
    assert error.message == f"{path}:4: 'review.exclude[1]' must be text, got 3 (a whole number)"


def test_a_scalar_where_a_section_belongs(tmp_path: Path) -> None:
    error = config_error(write(tmp_path, "version: 1\nllm: 5\n"))
    assert error.code == "CA102"
    assert ":2: 'llm' " in error.message


@pytest.mark.parametrize(
    ("text", "line", "key", "bound"),
    [
        ("llm:\n  max-concurrency: 0\n", 2, "llm.max-concurrency", "must be at least 1, got 0"),
        ("llm:\n  max-concurrency: 65\n", 2, "llm.max-concurrency", "must be at most 64, got 65"),
        ("backup:\n  compression-level: 10\n", 2, "backup.compression-level", "at most 9, got"),
        ("llm:\n  timeout: 0\n", 2, "llm.timeout", "must be more than 0, got 0"),
        (
            "llm:\n  prices:\n    m:\n      input: -1\n      output: 1\n",
            4,
            "llm.prices.m.input",
            "must be at least 0, got -1 (a whole number)",
        ),
    ],
)
def test_out_of_range(tmp_path: Path, text: str, line: int, key: str, bound: str) -> None:
    path = write(tmp_path, text)
    error = config_error(path)
    assert error.code == "CA102"
    assert error.message.startswith(f"{path}:{line}: '{key}' ")
    assert bound in error.message


def test_bad_literal_lists_the_allowed_values(tmp_path: Path) -> None:
    path = write(tmp_path, "version: 1\nfail-level: severe\n")
    error = config_error(path)
    assert error.code == "CA115"
    assert error.message.startswith(f"{path}:2: 'fail-level' must be ")
    for name in SEVERITY_NAMES:
        assert f"'{name}'" in error.message


def test_bad_nested_literal(tmp_path: Path) -> None:
    path = write(tmp_path, "fix:\n  delivery: email\n")
    error = config_error(path)
    assert error.code == "CA115"
    assert error.message.startswith(f"{path}:2: 'fix.delivery' must be ")
    assert "'push'" in error.message
    assert "'pull-request'" in error.message
    assert "'suggest'" in error.message


def test_unsupported_version(tmp_path: Path) -> None:
    error = config_error(write(tmp_path, "version: 2\n"))
    assert error.code == "CA115"
    assert ":1: 'version' must be 1" in error.message


def test_several_problems_are_counted(tmp_path: Path) -> None:
    path = write(tmp_path, "llm:\n  max-concurrency: 100\n  modle: x\n  timeout: -1\n")
    error = config_error(path)
    assert error.message.endswith("(and 2 more problems)")
    error = config_error(write(tmp_path, "llm:\n  max-concurrency: 100\n  modle: x\n", "b.yml"))
    assert error.message.endswith("(and 1 more problem)")


def test_unknown_key_inside_a_dict_entry(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        version: 1
        llm:
          prices:
            gpt:
              input: 1
              output: 2
              inptu: 3
        """,
    )
    error = config_error(path)
    assert error.code == "CA101"
    assert error.message.startswith(f"{path}:7: unknown key 'llm.prices.gpt.inptu'")


def test_a_non_string_key_is_reported_on_its_own_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        version: 1
        llm:
          on: 1
        """,
    )
    error = config_error(path)
    assert error.message.startswith(f"{path}:3: ")


def test_yaml_syntax_error_has_the_right_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        version: 1
        fail-level: high
        llm:
          model: a: b
        """,
    )
    error = config_error(path)
    assert error.code == "CA103"
    assert error.message == f"{path}:4: YAML syntax error: mapping values are not allowed here"


def test_yaml_syntax_error_unclosed_flow(tmp_path: Path) -> None:
    path = write(tmp_path, "version: 1\nreview:\n  exclude: [a, b\nfix:\n  delivery: push\n")
    error = config_error(path)
    assert error.code == "CA103"
    assert error.message.startswith(f"{path}:")
    line = int(error.message.removeprefix(f"{path}:").split(":")[0])
    assert 3 <= line <= 5


def test_duplicate_top_level_key(tmp_path: Path) -> None:
    path = write(tmp_path, "version: 1\nfail-level: high\nfail-level: low\n")
    error = config_error(path)
    assert error.code == "CA115"
    assert error.message == f"{path}:3: 'fail-level' is given twice (first on line 2)"
    assert error.suggestion == "Keep one of the two entries."


def test_duplicate_nested_key(tmp_path: Path) -> None:
    path = write(tmp_path, "llm:\n  model: a\n  provider: openai\n  model: b\n")
    error = config_error(path)
    assert error.code == "CA115"
    assert error.message == f"{path}:4: 'llm.model' is given twice (first on line 2)"


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n", "~\n"])
def test_empty_file_gives_defaults(tmp_path: Path, text: str) -> None:
    path = tmp_path / "ci-agent.yml"
    path.write_text(text, encoding="utf-8")
    assert load_config_file(path) == FileConfig()


@pytest.mark.parametrize("text", ["- a\n- b\n", "hello\n", "42\n"])
def test_a_file_that_is_not_a_mapping(tmp_path: Path, text: str) -> None:
    path = tmp_path / "ci-agent.yml"
    path.write_text(text, encoding="utf-8")
    error = config_error(path)
    assert error.code == "CA102"
    assert error.message == f"{path}:1: '(root)' must be a mapping of keys"


def test_a_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "ci-agent.yml"
    path.write_bytes(b"version: 1\nllm:\n  model: \xff\xfe\n")
    error = config_error(path)
    assert error.code == "CA102"
    assert error.message.startswith(f"{path}:1: '(file)' cannot be read: ")
    assert "utf-8" in error.message


def test_a_missing_file(tmp_path: Path) -> None:
    error = config_error(tmp_path / "absent.yml")
    assert error.code == "CA104"
    assert error.message == f"configuration file {tmp_path / 'absent.yml'} does not exist"


def test_a_full_valid_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        version: 1
        fail-level: medium
        llm:
          provider: openai-compatible
          model: llama3
          base-url: http://localhost:11434/v1
          max-concurrency: 8
          prices:
            llama3: {input: 0, output: 0.5}
        review:
          prompt: security
          exclude: ["*.lock"]
          request-changes: true
        fix:
          delivery: suggest
          workflows: [CI]
        backup:
          compression-level: 9
          retention: {daily: 3, weekly: null}
        github:
          max-retry-wait: 10
        """,
    )
    config = load_config_file(path)
    assert config.fail_level == "medium"
    assert config.llm.provider == "openai-compatible"
    assert config.llm.base_url == "http://localhost:11434/v1"
    assert config.llm.max_concurrency == 8
    assert config.llm.prices["llama3"].output == 0.5
    assert config.review.exclude == ("*.lock",)
    assert config.review.request_changes is True
    assert config.fix.delivery == "suggest"
    assert config.fix.workflows == ("CI",)
    assert config.backup.compression_level == 9
    assert config.backup.retention.daily == 3
    assert config.backup.retention.weekly is None
    assert config.github.max_retry_wait == 10.0


def test_the_starter_config_validates() -> None:
    path = templates_dir() / "config" / "ci-agent.yml"
    assert path == ROOT / "templates" / "config" / "ci-agent.yml"
    config = load_config_file(path)
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert config.version == raw["version"] == 1
    assert config.fail_level == raw["fail-level"]
    assert config.llm.provider == "auto"


# --- the schema -------------------------------------------------------------------------------


def test_file_config_is_frozen_and_strict() -> None:
    config = FileConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.fail_level = "low"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.llm.model = "x"  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        validate_config({"unknown": 1})


def test_file_config_defaults() -> None:
    config = FileConfig()
    assert config.version == 1
    assert config.fail_level == "high"
    assert config.llm.provider == "auto"
    assert config.llm.max_concurrency == 4
    assert config.review.ruff_select == ("F", "E9", "B", "S", "PERF", "PLE")
    assert config.fix.protected_paths == (".github/**",)
    assert config.backup.retention.daily == 7


def test_keys_are_kebab_case_only() -> None:
    assert validate_config({"fail-level": "low"}).fail_level == "low"
    with pytest.raises(pydantic.ValidationError):
        validate_config({"fail_level": "low"})
    dumped = dump_section(FileConfig())
    assert "fail-level" in dumped
    assert "max-concurrency" in dumped["llm"]
    assert validate_config(dumped) == FileConfig()


def test_the_defaults_need_no_validator() -> None:
    # Reading settings without a config file must not load the validation library: it is most
    # of the start-up time of doctor and triage (bench/startup.py).
    code = (
        "import sys; from pathlib import Path; from ci_agent.config import CliOverrides, "
        "load_settings; s = load_settings(CliOverrides(), {}, Path.cwd()); "
        "print(s.config.fix.triage.excerpt_tokens, 'pydantic' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_dir(),
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.stdout.split() == ["1500", "False"]


def test_severity_order_and_parse() -> None:
    assert Severity.NONE < Severity.INFO < Severity.LOW < Severity.MEDIUM < Severity.HIGH
    assert Severity.HIGH < Severity.CRITICAL
    assert Severity.parse(" High ") is Severity.HIGH
    assert Severity.CRITICAL.label == "critical"
    assert SEVERITY_NAMES == ("none", "info", "low", "medium", "high", "critical")
    with pytest.raises(ValueError, match="severe"):
        Severity.parse("severe")


# --- Settings ---------------------------------------------------------------------------------


def settings(
    tmp_path: Path, environ: dict[str, str] | None = None, cli: CliOverrides | None = None
) -> Settings:
    return load_settings(cli or CliOverrides(), environ or {}, tmp_path)


def settings_error(
    tmp_path: Path, environ: dict[str, str] | None = None, cli: CliOverrides | None = None
) -> CiAgentError:
    with pytest.raises(CiAgentError) as exc_info:
        settings(tmp_path, environ, cli)
    return exc_info.value


def repo_config(root: Path, text: str) -> Path:
    path = root / DEFAULT_CONFIG_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


ACTIONS = {"GITHUB_ACTIONS": "true"}


def checkout(root: Path) -> dict[str, str]:
    """An Actions ``push`` environment whose workspace ``root`` is an unchanged checkout of
    GITHUB_SHA (everything in it committed): its config file is trusted."""
    if not (root / ".git").exists():
        git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", "config")
    sha = git(root, "rev-parse", "HEAD").strip()
    return {**ACTIONS, "GITHUB_EVENT_NAME": "push", "GITHUB_SHA": sha}


def test_defaults_without_any_source(tmp_path: Path) -> None:
    s = settings(tmp_path)
    assert s.config == FileConfig()
    assert s.config_path is None
    assert s.output == "text"
    assert s.verbosity == 0
    assert s.quiet is False
    assert s.dry_run is False
    assert s.color is True
    assert s.workspace == tmp_path
    assert s.in_actions is False
    assert s.command == "auto"
    assert s.args == ""
    assert s.retention_days == 30
    assert s.repository is None
    assert s.github_api_url == "https://api.github.com"
    assert s.github_token is None
    assert s.openai_api_key is None
    assert s.fail_level is Severity.HIGH
    assert s.secrets() == ()


def test_the_default_config_file_is_read_when_present(tmp_path: Path) -> None:
    path = repo_config(tmp_path, "fail-level: low\n")
    s = settings(tmp_path)
    assert s.config_path == path
    assert s.fail_level is Severity.LOW


def test_the_default_config_file_may_be_absent(tmp_path: Path) -> None:
    assert settings(tmp_path).config_path is None


def test_an_invalid_default_config_file_is_an_error(tmp_path: Path) -> None:
    repo_config(tmp_path, "llm:\n  modle: x\n")
    error = settings_error(tmp_path)
    assert error.code == "CA101"
    assert "ci-agent.yml:2: unknown key 'llm.modle'" in error.message


def test_cli_config_naming_a_missing_file(tmp_path: Path) -> None:
    error = settings_error(tmp_path, cli=CliOverrides(config=Path("missing.yml")))
    assert error.code == "CA104"
    assert error.exit_code == 2
    assert error.message == "configuration file missing.yml does not exist"


def test_relative_config_paths_resolve_against_the_workspace(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "a.yml").write_text("fail-level: info\n", encoding="utf-8")
    s = settings(tmp_path, cli=CliOverrides(config=Path("conf/a.yml")))
    assert s.config_path == tmp_path / "conf" / "a.yml"
    assert s.config.fail_level == "info"


def test_config_path_precedence_cli_over_input_over_env(tmp_path: Path) -> None:
    for name, level in (("cli", "critical"), ("input", "medium"), ("env", "low")):
        (tmp_path / f"{name}.yml").write_text(f"fail-level: {level}\n", encoding="utf-8")
    repo_config(tmp_path, "fail-level: info\n")
    actions = checkout(tmp_path)
    env = {**actions, "INPUT_CONFIG": "input.yml", "CI_AGENT_CONFIG": "env.yml"}
    cli = CliOverrides(config=Path("cli.yml"))
    assert settings(tmp_path, env, cli).config.fail_level == "critical"
    assert settings(tmp_path, env).config.fail_level == "medium"
    assert settings(tmp_path, {**actions, "CI_AGENT_CONFIG": "env.yml"}).config.fail_level == "low"
    assert settings(tmp_path, {"CI_AGENT_CONFIG": "env.yml"}).config.fail_level == "low"
    assert settings(tmp_path, actions).config.fail_level == "info"


def test_config_input_is_ignored_outside_actions(tmp_path: Path) -> None:
    (tmp_path / "input.yml").write_text("fail-level: medium\n", encoding="utf-8")
    assert settings(tmp_path, {"INPUT_CONFIG": "input.yml"}).config.fail_level == "high"


def test_missing_config_named_by_input_or_env(tmp_path: Path) -> None:
    error = settings_error(tmp_path, {**ACTIONS, "INPUT_CONFIG": "nope.yml"})
    assert error.code == "CA104"
    error = settings_error(tmp_path, {"CI_AGENT_CONFIG": "nope.yml"})
    assert error.code == "CA104"
    assert "nope.yml" in error.message


def test_the_action_default_config_input_may_be_absent(tmp_path: Path) -> None:
    s = settings(tmp_path, {**ACTIONS, "INPUT_CONFIG": ".github/ci-agent.yml"})
    assert s.config_path is None
    assert s.config == FileConfig()


def test_actions_workspace_comes_from_github_workspace(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    repo_config(workspace, "fail-level: none\n")
    s = settings(tmp_path, {**checkout(workspace), "GITHUB_WORKSPACE": str(workspace)})
    assert s.workspace == workspace
    assert s.in_actions is True
    assert s.config.fail_level == "none"
    # Outside Actions GITHUB_WORKSPACE means nothing.
    assert settings(tmp_path, {"GITHUB_WORKSPACE": str(workspace)}).workspace == tmp_path


def test_github_actions_must_be_exactly_true(tmp_path: Path) -> None:
    assert settings(tmp_path, {"GITHUB_ACTIONS": "1"}).in_actions is False
    assert settings(tmp_path, {"GITHUB_ACTIONS": "TRUE"}).in_actions is False


def test_fail_level_precedence(tmp_path: Path) -> None:
    repo_config(tmp_path, "fail-level: low\n")
    assert settings(tmp_path).config.fail_level == "low"
    env = {"CI_AGENT_FAIL_LEVEL": "medium"}
    assert settings(tmp_path, env).config.fail_level == "medium"
    env["INPUT_FAIL_LEVEL"] = "critical"
    # Inputs count only inside Actions.
    assert settings(tmp_path, env).config.fail_level == "medium"
    assert settings(tmp_path, {**env, **ACTIONS}).config.fail_level == "critical"
    cli = CliOverrides(fail_level="info")
    assert settings(tmp_path, {**env, **ACTIONS}, cli).config.fail_level == "info"


def test_layers_keep_the_rest_of_the_file(tmp_path: Path) -> None:
    repo_config(tmp_path, "fail-level: low\nllm:\n  max-concurrency: 9\n  model: file-model\n")
    s = settings(tmp_path, {"CI_AGENT_MODEL": "env-model"})
    assert s.config.llm.model == "env-model"
    assert s.config.llm.max_concurrency == 9
    assert s.config.fail_level == "low"


def test_llm_from_environment(tmp_path: Path) -> None:
    repo_config(tmp_path, "llm:\n  provider: openai\n  model: gpt-4.1\n")
    env = {
        "CI_AGENT_LLM_PROVIDER": "openai-compatible",
        "CI_AGENT_MODEL": "llama3",
        "OPENAI_BASE_URL": "http://localhost:11434/v1",
    }
    llm = settings(tmp_path, env).config.llm
    assert (llm.provider, llm.model, llm.base_url) == (
        "openai-compatible",
        "llama3",
        "http://localhost:11434/v1",
    )


def test_llm_inputs_override_environment(tmp_path: Path) -> None:
    env = {
        **ACTIONS,
        "CI_AGENT_LLM_PROVIDER": "openai",
        "CI_AGENT_MODEL": "env-model",
        "OPENAI_BASE_URL": "http://env/v1",
        "INPUT_LLM-PROVIDER": "github-models",
        "INPUT_MODEL": "openai/gpt-4.1",
        "INPUT_LLM_BASE_URL": "http://input/v1",
    }
    llm = settings(tmp_path, env).config.llm
    assert (llm.provider, llm.model, llm.base_url) == (
        "github-models",
        "openai/gpt-4.1",
        "http://input/v1",
    )


def test_llm_provider_auto_input_does_not_override_the_file(tmp_path: Path) -> None:
    repo_config(tmp_path, "llm:\n  provider: openai\n")
    environ = {**checkout(tmp_path), "INPUT_LLM_PROVIDER": "auto", "INPUT_MODEL": ""}
    s = settings(tmp_path, environ)
    assert s.config.llm.provider == "openai"
    assert s.config.llm.model is None


@pytest.mark.parametrize(
    ("environ", "name", "value"),
    [
        ({"CI_AGENT_FAIL_LEVEL": "severe"}, "CI_AGENT_FAIL_LEVEL", "severe"),
        ({**ACTIONS, "INPUT_FAIL_LEVEL": "severe"}, "fail-level (action input)", "severe"),
        ({"CI_AGENT_LLM_PROVIDER": "bogus"}, "CI_AGENT_LLM_PROVIDER", "bogus"),
        ({**ACTIONS, "INPUT_LLM_PROVIDER": "bogus"}, "llm-provider (action input)", "bogus"),
    ],
)
def test_a_bad_value_names_its_source(
    tmp_path: Path, environ: dict[str, str], name: str, value: str
) -> None:
    error = settings_error(tmp_path, environ)
    assert error.code == "CA106"
    assert error.exit_code == 2
    assert error.message == f"'{name}' has the invalid value '{value}'"
    assert error.suggestion.startswith("Use one of: ")
    assert "'" in error.suggestion  # the allowed literals are listed


def test_a_bad_cli_fail_level_names_the_flag(tmp_path: Path) -> None:
    error = settings_error(tmp_path, cli=CliOverrides(fail_level="severe"))
    assert error.code == "CA106"
    assert error.message == "'--fail-level' has the invalid value 'severe'"
    assert error.suggestion == "Use one of: 'none', 'info', 'low', 'medium', 'high' or 'critical'."


@pytest.mark.parametrize(("text", "expected"), [("", 30), ("1", 1), ("90", 90), ("45", 45)])
def test_retention_days(tmp_path: Path, text: str, expected: int) -> None:
    env = {**ACTIONS, "INPUT_RETENTION_DAYS": text}
    assert settings(tmp_path, env).retention_days == expected


@pytest.mark.parametrize("text", ["0", "91", "x", "-1", "1.5", "3O"])
def test_invalid_retention_days(tmp_path: Path, text: str) -> None:
    error = settings_error(tmp_path, {**ACTIONS, "INPUT_RETENTION-DAYS": text})
    assert error.code == "CA106"
    assert error.message == f"'retention-days' has the invalid value '{text}'"
    assert error.suggestion == "Use one of: a whole number 1-90."


def test_retention_days_with_a_unicode_digit_is_a_coded_error(tmp_path: Path) -> None:
    error = settings_error(tmp_path, {**ACTIONS, "INPUT_RETENTION_DAYS": "\u00b2"})
    assert error.code == "CA106"


def test_retention_days_input_is_ignored_outside_actions(tmp_path: Path) -> None:
    assert settings(tmp_path, {"INPUT_RETENTION_DAYS": "x"}).retention_days == 30


def test_dry_run_sources(tmp_path: Path) -> None:
    assert settings(tmp_path).dry_run is False
    assert settings(tmp_path, cli=CliOverrides(dry_run=True)).dry_run is True
    assert settings(tmp_path, {**ACTIONS, "INPUT_DRY_RUN": "true"}).dry_run is True
    assert settings(tmp_path, {**ACTIONS, "INPUT_DRY-RUN": "True"}).dry_run is True
    assert settings(tmp_path, {"CI_AGENT_DRY_RUN": "1"}).dry_run is True
    assert settings(tmp_path, {"CI_AGENT_DRY_RUN": "yes"}).dry_run is True
    assert settings(tmp_path, {"CI_AGENT_DRY_RUN": "false"}).dry_run is False


def test_dry_run_precedence(tmp_path: Path) -> None:
    env = {**ACTIONS, "INPUT_DRY_RUN": "false", "CI_AGENT_DRY_RUN": "true"}
    assert settings(tmp_path, env).dry_run is False
    assert settings(tmp_path, env, CliOverrides(dry_run=True)).dry_run is True
    env = {**ACTIONS, "INPUT_DRY_RUN": "true", "CI_AGENT_DRY_RUN": "false"}
    assert settings(tmp_path, env).dry_run is True
    # An input outside Actions is not an input.
    assert settings(tmp_path, {"INPUT_DRY_RUN": "true"}).dry_run is False


@pytest.mark.parametrize("value", ["yes", "1", "on", "y"])
def test_dry_run_input_accepts_only_true_and_false(tmp_path: Path, value: str) -> None:
    error = settings_error(tmp_path, {**ACTIONS, "INPUT_DRY_RUN": value})
    assert error.code == "CA106"
    assert error.message == f"'dry-run' has the invalid value '{value}'"
    assert error.suggestion == "Use one of: true, false."


@pytest.mark.parametrize("value", ["maybe", "2", "tru", "y", "enabled"])
def test_dry_run_env_with_a_bad_value(tmp_path: Path, value: str) -> None:
    error = settings_error(tmp_path, {"CI_AGENT_DRY_RUN": value})
    assert error.code == "CA123"
    assert error.exit_code == 2
    assert error.message == (
        f"the environment variable CI_AGENT_DRY_RUN has the value '{value}', "
        "which is not a yes/no value"
    )
    assert "true, false, 1, 0, yes, no, on, off" in error.suggestion


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", False),
        ("0", False),
        ("false", False),
        ("No", False),
        ("OFF", False),
        (" 1 ", True),
        ("TRUE", True),
        ("yes", True),
        ("On", True),
    ],
)
def test_dry_run_env_spellings(tmp_path: Path, value: str, expected: bool) -> None:
    assert settings(tmp_path, {"CI_AGENT_DRY_RUN": value}).dry_run is expected


def test_color(tmp_path: Path) -> None:
    assert settings(tmp_path).color is True
    assert settings(tmp_path, {"NO_COLOR": "1"}).color is False
    assert settings(tmp_path, {"NO_COLOR": ""}).color is True
    assert settings(tmp_path, cli=CliOverrides(no_color=True)).color is False


def test_cli_overrides_pass_through(tmp_path: Path) -> None:
    cli = CliOverrides(output="json", verbosity=2, quiet=True)
    s = settings(tmp_path, cli=cli)
    assert (s.output, s.verbosity, s.quiet) == ("json", 2, True)


def test_command_and_args_come_from_inputs_in_actions(tmp_path: Path) -> None:
    env = {**ACTIONS, "INPUT_COMMAND": " doctor ", "INPUT_ARGS": "--x 1"}
    s = settings(tmp_path, env)
    assert (s.command, s.args) == ("doctor", "--x 1")
    s = settings(tmp_path, {"INPUT_COMMAND": "doctor"})
    assert s.command == "auto"


def test_github_environment(tmp_path: Path) -> None:
    env = {"GITHUB_REPOSITORY": "acme/widgets", "GITHUB_API_URL": "https://ghe.example/api/v3/"}
    s = settings(tmp_path, env)
    assert s.repository == "acme/widgets"
    assert s.github_api_url == "https://ghe.example/api/v3"


def test_credentials_and_their_sources(tmp_path: Path) -> None:
    s = settings(tmp_path, {"GITHUB_TOKEN": FAKE_GITHUB_TOKEN, "OPENAI_API_KEY": FAKE_OPENAI_KEY})
    assert s.github_token == Secret(FAKE_GITHUB_TOKEN)
    assert s.openai_api_key is not None
    assert s.openai_api_key.reveal() == FAKE_OPENAI_KEY
    assert s.secrets() == (FAKE_GITHUB_TOKEN, FAKE_OPENAI_KEY)
    assert settings(tmp_path, {"GH_TOKEN": "gh-token-value"}).secrets() == ("gh-token-value",)
    env = {
        **ACTIONS,
        "GITHUB_TOKEN": "from-env-token",
        "INPUT_GITHUB_TOKEN": "from-input-token",
        "INPUT_OPENAI-API-KEY": "input-openai-key",
        "AZURE_OPENAI_API_KEY": "azure-key-value",
        "AZURE_OPENAI_ENDPOINT": "https://azure.example",
    }
    s = settings(tmp_path, env)
    assert s.secrets() == ("from-input-token", "input-openai-key", "azure-key-value")
    assert s.azure_endpoint == "https://azure.example"


def test_secrets_never_appear_in_repr(tmp_path: Path) -> None:
    env = {
        "GITHUB_TOKEN": FAKE_GITHUB_TOKEN,
        "OPENAI_API_KEY": FAKE_OPENAI_KEY,
        "AZURE_OPENAI_API_KEY": "azure-secret-value-123",
    }
    s = settings(tmp_path, env)
    for text in (repr(s), str(s), repr(s.github_token), str(s.openai_api_key)):
        assert FAKE_GITHUB_TOKEN not in text
        assert FAKE_OPENAI_KEY not in text
        assert "azure-secret-value-123" not in text
    assert "Secret('***')" in repr(s)


def test_secret_equality_and_hash() -> None:
    assert Secret("a") == Secret("a")
    assert Secret("a") != Secret("b")
    assert Secret("a") != "a"
    assert hash(Secret("a")) == hash(Secret("a"))
    assert len({Secret("a"), Secret("a")}) == 1


def test_settings_is_immutable(tmp_path: Path) -> None:
    s = settings(tmp_path)
    assert dataclasses.is_dataclass(s)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.dry_run = True  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        CliOverrides().quiet = True  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.config.llm.provider = "none"  # type: ignore[misc]


def test_empty_secrets_are_not_secrets() -> None:
    assert Settings(github_token=Secret("")).secrets() == ()


def _action_input_defaults() -> dict[str, str]:
    action: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    defaults = {}
    for name, spec in action["inputs"].items():
        default = str(spec.get("default", ""))
        if "${{" not in default:
            defaults["INPUT_" + name.upper().replace("-", "_")] = default
    return defaults


def test_action_default_inputs_are_valid(tmp_path: Path) -> None:
    s = settings(tmp_path, {**ACTIONS, **_action_input_defaults()})
    assert s.command == "auto"
    assert s.dry_run is False
    assert s.retention_days == 30


def test_action_default_inputs_do_not_override_the_config_file(tmp_path: Path) -> None:
    repo_config(tmp_path, "fail-level: low\n")
    s = settings(tmp_path, {**checkout(tmp_path), **_action_input_defaults()})
    assert s.config.fail_level == "low"
