"""The factory: provider presets from Settings, CA406 without an LLM, no SDK import up front."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ci_agent.compose import llm_setup
from ci_agent.config import Secret, Settings
from ci_agent.config_model import FileConfig, LLMConfig
from ci_agent.errors import CiAgentError
from ci_agent.llm.choice import GITHUB_MODELS_URL, choose_provider
from ci_agent.llm.factory import OPENAI_URL, build_provider, endpoint_for
from ci_agent.llm.guard import GuardedProvider
from ci_agent.llm.openai_provider import AZURE_API_VERSION, OpenAIProvider


def _settings(**llm: object) -> Settings:
    return Settings(config=FileConfig(llm=LLMConfig(**llm)))  # type: ignore[arg-type]


def test_provider_none_is_ca406_with_how_to_add_one() -> None:
    with pytest.raises(CiAgentError) as info:
        build_provider(llm_setup(_settings(provider="none")))
    error = info.value
    assert error.code == "CA406"
    assert "no LLM is configured" in error.message
    assert "OPENAI_API_KEY" in error.suggestion
    assert "models: read" in error.suggestion


def test_auto_without_credentials_is_ca406() -> None:
    with pytest.raises(CiAgentError) as info:
        build_provider(llm_setup(_settings()))
    assert info.value.code == "CA406"
    assert "static engine" in info.value.message


def test_missing_credential_is_ca116_naming_it() -> None:
    with pytest.raises(CiAgentError) as info:
        build_provider(llm_setup(_settings(provider="github-models")))
    assert (info.value.code, info.value.exit_code) == ("CA116", 2)
    assert "GITHUB_TOKEN" in info.value.message


def test_openai_preset() -> None:
    settings = Settings(openai_api_key=Secret("sk-test"))
    provider = build_provider(llm_setup(settings))
    assert isinstance(provider, GuardedProvider)
    assert isinstance(provider.inner, OpenAIProvider)
    endpoint = provider.inner.endpoint
    assert (endpoint.kind, endpoint.base_url, endpoint.api_key.reveal()) == (
        "openai",
        OPENAI_URL,
        "sk-test",
    )
    assert provider.profile.model == "gpt-4.1-mini"
    assert "sk-test" not in repr(endpoint)


def test_github_models_preset_uses_the_token_and_the_inference_url() -> None:
    settings = Settings(
        config=FileConfig(llm=LLMConfig(provider="github-models")),
        github_token=Secret("ghs_token"),
    )
    endpoint = endpoint_for(llm_setup(settings), choose_provider(llm_setup(settings)))
    assert endpoint.base_url == GITHUB_MODELS_URL
    assert endpoint.api_key.reveal() == "ghs_token"
    assert build_provider(llm_setup(settings)).profile.input_cap == 8000


def test_azure_preset_uses_the_resource_endpoint_and_api_version() -> None:
    settings = Settings(
        config=FileConfig(llm=LLMConfig(provider="azure", model="prod-gpt41")),
        azure_api_key=Secret("azure-key"),
        azure_endpoint="https://acme.openai.azure.com",
    )
    endpoint = endpoint_for(llm_setup(settings), choose_provider(llm_setup(settings)))
    assert endpoint.kind == "azure"
    assert endpoint.base_url == "https://acme.openai.azure.com"
    assert endpoint.api_version == AZURE_API_VERSION


def test_openai_compatible_without_a_key_sends_a_placeholder() -> None:
    settings = _settings(
        provider="openai-compatible", base_url="http://localhost:11434/v1", model="llama3.1"
    )
    endpoint = endpoint_for(llm_setup(settings), choose_provider(llm_setup(settings)))
    assert endpoint.base_url == "http://localhost:11434/v1"
    assert endpoint.api_key.reveal() == "not-needed"


def test_building_a_provider_does_not_import_the_sdk() -> None:
    probe = (
        "import sys\n"
        "from ci_agent.llm.factory import build_provider\n"
        "from ci_agent.llm.setup import LLMSetup\n"
        "from ci_agent.secret import Secret\n"
        "build_provider(LLMSetup(openai_api_key=Secret('sk-x')))\n"
        "print('openai' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_openai_compatible_without_a_model_is_ca116_naming_it() -> None:
    with pytest.raises(CiAgentError) as info:
        build_provider(
            llm_setup(_settings(provider="openai-compatible", base_url="http://localhost:1/v1"))
        )
    assert info.value.code == "CA116"
    assert "llm.model" in info.value.message
