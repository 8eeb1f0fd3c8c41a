"""``defaults_hold``: where it says the configuration would give its defaults, load_settings
gives them, and local triage's options without the configuration are those the configuration
gives; where anything is configured it says so (and the command reads the configuration)."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from ci_agent.commands.triage_local import local_options
from ci_agent.config import CliOverrides, Settings, load_settings
from ci_agent.config_env import ENV_NAMES, credentials, defaults_hold
from ci_agent.config_model import FileConfig, TriageConfig
from ci_agent.errors import CiAgentError
from ci_agent.triage.classify import Policy
from ci_agent.triage.triage import TriageOptions

CLEAN = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "CI_AGENT_"))}
CLEAN = {k: v for k, v in CLEAN.items() if k not in ENV_NAMES.values()}

HOLDING = [
    {},
    {"CI_AGENT_DRY_RUN": "yes"},
    {"CI_AGENT_DRY_RUN": " Off "},
    {"CI_AGENT_DRY_RUN": ""},
    {"GITHUB_ACTIONS": "false"},
    {"GITHUB_TOKEN": "ghp_token_for_masking", "OPENAI_API_KEY": "sk-a-key-to-mask"},
    {"GH_TOKEN": "gh-token-value", "CI_AGENT_PUSH_TOKEN": "push-value"},
    {"AZURE_OPENAI_API_KEY": "azure-key", "AZURE_OPENAI_ENDPOINT": "https://example.com"},
    {"GITHUB_WORKSPACE": "/elsewhere", "GITHUB_REPOSITORY": "acme/widgets"},
    {"CI_AGENT_LLM_PROVIDER": "", "CI_AGENT_MODEL": ""},  # empty: not set
]
NOT_HOLDING = [
    {"GITHUB_ACTIONS": "true"},
    {"CI_AGENT_CONFIG": "other.yml"},
    {"CI_AGENT_DRY_RUN": "maybe"},
    *({name: "x"} for name in ENV_NAMES.values()),
]


@pytest.mark.parametrize("extra", HOLDING, ids=str)
def test_where_defaults_hold_load_settings_gives_the_defaults(tmp_path: Path, extra: dict) -> None:
    environ = {**CLEAN, **extra}
    assert defaults_hold(environ, tmp_path, config_named=False)
    settings = load_settings(CliOverrides(), environ, tmp_path)
    assert settings.config == FileConfig()
    assert (settings.config_path, settings.in_actions, settings.workspace) == (
        None,
        False,
        tmp_path,
    )
    assert not settings.config_source.pending
    # The credentials the light path masks are the ones Settings masks, in the same order.
    given = credentials(environ, lambda _name: "")
    assert tuple(value for value in given if value) == settings.secrets()


@pytest.mark.parametrize("extra", NOT_HOLDING, ids=str)
def test_anything_configured_in_the_environment_is_seen(tmp_path: Path, extra: dict) -> None:
    assert not defaults_hold({**CLEAN, **extra}, tmp_path, config_named=False)


def test_a_config_file_named_or_present_is_seen(tmp_path: Path) -> None:
    assert not defaults_hold(CLEAN, tmp_path, config_named=True)
    path = tmp_path / ".github" / "ci-agent.yml"
    path.parent.mkdir()
    path.mkdir()  # a directory is no config file: load_settings reads none
    assert defaults_hold(CLEAN, tmp_path, config_named=False)
    assert load_settings(CliOverrides(), CLEAN, tmp_path).config == FileConfig()
    path.rmdir()
    path.write_text("fix:\n  triage:\n    excerpt-tokens: 200\n", encoding="utf-8")
    assert not defaults_hold(CLEAN, tmp_path, config_named=False)
    assert load_settings(CliOverrides(), CLEAN, tmp_path).config != FileConfig()


def test_a_bad_dry_run_word_is_left_to_load_settings(tmp_path: Path) -> None:
    environ = {**CLEAN, "CI_AGENT_DRY_RUN": "maybe"}
    with pytest.raises(CiAgentError) as caught:
        load_settings(CliOverrides(), environ, tmp_path)
    assert caught.value.code == "CA123"


def test_triage_options_without_the_configuration_are_the_configured_defaults(
    tmp_path: Path,
) -> None:
    config = FileConfig().fix.triage
    environ = {**CLEAN, "GITHUB_WORKSPACE": str(tmp_path / "ws")}
    kwargs = {"roots": ("src",), "passed": ("tests/test_a.py::test_b",), "junit": ()}
    light = local_options(None, tmp_path, environ, **kwargs)  # type: ignore[arg-type]
    configured = local_options(config, tmp_path, environ, **kwargs)  # type: ignore[arg-type]
    assert light == configured
    assert Policy.from_config(config) == Policy() == TriageOptions().policy
    assert (TriageOptions().excerpt_tokens, TriageOptions().max_reruns_per_sha) == (
        config.excerpt_tokens,
        config.max_reruns_per_sha,
    )
    # A changed setting does show: the comparison above can fail.
    changed = dataclasses.replace(config, excerpt_tokens=config.excerpt_tokens + 1)
    assert local_options(changed, tmp_path, environ) != local_options(None, tmp_path, environ)
    assert isinstance(config, TriageConfig)


def test_settings_mask_what_credentials_name(tmp_path: Path) -> None:
    environ = {**CLEAN, "GITHUB_TOKEN": "t-one", "CI_AGENT_PUSH_TOKEN": "t-two"}
    environ |= {"OPENAI_API_KEY": "t-three", "AZURE_OPENAI_API_KEY": "t-four"}
    assert credentials(environ, lambda _name: "") == ("t-one", "t-two", "t-three", "t-four")
    assert Settings().secrets() == ()
    assert load_settings(CliOverrides(), environ, tmp_path).secrets() == (
        "t-one",
        "t-two",
        "t-three",
        "t-four",
    )
