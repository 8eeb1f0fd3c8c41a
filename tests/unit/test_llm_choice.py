"""Which LLM provider a run would use, and why, from Settings alone."""

from __future__ import annotations

import pytest

from ci_agent.compose import llm_setup
from ci_agent.config import Secret, Settings
from ci_agent.config_model import FileConfig, LLMConfig
from ci_agent.config_validate import validate_section
from ci_agent.llm.choice import DEFAULT_MODELS, GITHUB_MODELS_URL, ProviderChoice, choose_provider


def settings(
    provider: str = "auto",
    *,
    model: str | None = None,
    base_url: str | None = None,
    openai: bool = False,
    azure: bool = False,
    azure_endpoint: str | None = None,
    token: bool = False,
    in_actions: bool = False,
) -> Settings:
    llm = validate_section(LLMConfig, {"provider": provider, "model": model, "base-url": base_url})
    return Settings(
        config=FileConfig(llm=llm),
        in_actions=in_actions,
        openai_api_key=Secret("sk-openai-key") if openai else None,
        azure_api_key=Secret("azure-key") if azure else None,
        azure_endpoint=azure_endpoint,
        github_token=Secret("ghp-token") if token else None,
    )


def test_nothing_configured() -> None:
    assert choose_provider(llm_setup(settings())) == ProviderChoice(
        "none", None, None, "no LLM key found: the static engine runs alone"
    )


def test_a_token_outside_actions_is_not_enough() -> None:
    assert choose_provider(llm_setup(settings(token=True))).provider == "none"


def test_openai_key_detected() -> None:
    choice = choose_provider(llm_setup(settings(openai=True, token=True, in_actions=True)))
    assert choice == ProviderChoice("openai", "gpt-4.1-mini", None, "OPENAI_API_KEY is set")


def test_azure_detected_with_key_and_endpoint() -> None:
    choice = choose_provider(llm_setup(settings(azure=True, azure_endpoint="https://az.example")))
    assert choice.provider == "azure"
    assert choice.model == DEFAULT_MODELS["azure"]
    assert choice.base_url == "https://az.example"
    assert choice.problem is None
    assert choice.reason == "AZURE_OPENAI_API_KEY and AZURE_OPENAI_ENDPOINT are set"


def test_azure_key_without_endpoint_is_not_detected() -> None:
    assert choose_provider(llm_setup(settings(azure=True))).provider == "none"


def test_github_models_in_actions_with_a_token() -> None:
    choice = choose_provider(llm_setup(settings(token=True, in_actions=True)))
    assert choice.provider == "github-models"
    assert choice.model == "openai/gpt-4.1-mini"
    assert choice.base_url == GITHUB_MODELS_URL == "https://models.github.ai/inference"
    assert "models: read" in choice.reason
    assert choice.problem is None


def test_explicit_none_wins_over_keys() -> None:
    choice = choose_provider(llm_setup(settings("none", openai=True)))
    assert choice.provider == "none"
    assert choice.reason == "set explicitly in configuration, input or environment"


def test_explicit_model_and_base_url() -> None:
    choice = choose_provider(
        llm_setup(
            settings("openai", model="gpt-4.1", base_url="https://proxy.example/v1", openai=True)
        )
    )
    assert choice == ProviderChoice(
        "openai",
        "gpt-4.1",
        "https://proxy.example/v1",
        "set explicitly in configuration, input or environment",
    )


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"provider": "openai"}, "provider 'openai' needs OPENAI_API_KEY"),
        ({"provider": "azure"}, "provider 'azure' needs AZURE_OPENAI_API_KEY"),
        ({"provider": "azure", "azure": True}, "provider 'azure' needs AZURE_OPENAI_API_KEY"),
        ({"provider": "github-models"}, "provider 'github-models' needs GITHUB_TOKEN"),
        (
            {"provider": "openai-compatible", "model": "llama3"},
            "provider 'openai-compatible' needs llm.base-url",
        ),
        (
            {"provider": "openai-compatible", "base_url": "http://localhost:11434/v1"},
            "provider 'openai-compatible' needs llm.model",
        ),
    ],
)
def test_missing_settings_are_problems(kwargs: dict[str, object], problem: str) -> None:
    choice = choose_provider(llm_setup(settings(**kwargs)))  # type: ignore[arg-type]
    assert choice.problem is not None
    assert choice.problem.startswith(problem)


def test_explicit_providers_that_are_complete() -> None:
    assert choose_provider(llm_setup(settings("openai", openai=True))).problem is None
    assert choose_provider(llm_setup(settings("github-models", token=True))).problem is None
    assert (
        choose_provider(
            llm_setup(settings("azure", azure=True, base_url="https://az.example/openai"))
        ).base_url
        == "https://az.example/openai"
    )
    compatible = choose_provider(
        llm_setup(
            settings("openai-compatible", model="llama3", base_url="http://localhost:11434/v1")
        )
    )
    assert compatible.problem is None
    assert compatible.model == "llama3"


def test_github_models_explicit_base_url_wins() -> None:
    choice = choose_provider(
        llm_setup(settings("github-models", token=True, base_url="https://ghe/models"))
    )
    assert choice.base_url == "https://ghe/models"


def test_choice_is_frozen() -> None:
    import dataclasses

    choice = choose_provider(llm_setup(settings()))
    with pytest.raises(dataclasses.FrozenInstanceError):
        choice.provider = "openai"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("not a url", "is not an http(s) URL with a host"),
        ("localhost:11434/v1", "is not an http(s) URL with a host"),
        ("ftp://models.example/v1", "is not an http(s) URL with a host"),
        ("http://127.0.0.1:port/v1", "is malformed"),
        ("http://host/v1 x", "contains white space"),
        ("http://127.0.0.1:11434/v1", None),
        ("https://models.example/inference", None),
    ],
)
def test_the_endpoint_url_is_checked_when_the_provider_is_chosen(
    url: str, problem: str | None
) -> None:
    choice = choose_provider(llm_setup(settings(base_url=url, openai=True)))
    if problem is None:
        assert choice.problem is None
    else:
        assert choice.problem is not None and problem in choice.problem
