"""The model table: lookups, provider limits and configuration overrides."""

from __future__ import annotations

import pytest

from ci_agent.config_model import LLMConfig, Price
from ci_agent.llm.models import (
    DEFAULT_INPUT_CAP,
    GITHUB_MODELS_INPUT_CAP,
    MODEL_TABLE,
    lookup_model,
    resolve_profile,
)


@pytest.mark.parametrize(
    ("name", "row"),
    [
        ("gpt-4.1", "gpt-4.1"),
        ("gpt-4.1-mini", "gpt-4.1-mini"),
        ("gpt-4.1-mini-2025-04-14", "gpt-4.1-mini"),
        ("openai/gpt-4o-mini", "gpt-4o-mini"),
        ("GPT-4o", "gpt-4o"),
        ("o3-mini", "o3-mini"),
    ],
)
def test_lookup_finds_the_longest_matching_row(name: str, row: str) -> None:
    assert lookup_model(name) == MODEL_TABLE[row]


@pytest.mark.parametrize("name", ["llama3.1:8b", "gpt-4.10", "my-deployment", "qwen2.5-coder"])
def test_lookup_of_unknown_models_is_none(name: str) -> None:
    assert lookup_model(name) is None


def test_openai_model_limits_come_from_the_table() -> None:
    profile = resolve_profile("openai", "gpt-4o", LLMConfig())
    assert profile.input_cap == 128_000 - 16_384
    assert profile.max_output_tokens == 4096  # config default below the model's 16k
    assert profile.price == Price(input=2.5, output=10.0)
    assert profile.json_mode == "json_schema"


def test_github_models_free_tier_caps_input_at_8000() -> None:
    profile = resolve_profile("github-models", "openai/gpt-4.1", LLMConfig())
    assert profile.input_cap == GITHUB_MODELS_INPUT_CAP == 8000
    assert profile.max_output_tokens == 4000


def test_configured_input_cap_and_output_limit_win() -> None:
    config = LLMConfig(request_input_cap=20_000, max_output_tokens=1000)
    profile = resolve_profile("github-models", "openai/gpt-4.1", config)
    assert profile.input_cap == 20_000
    assert profile.max_output_tokens == 1000


def test_configured_prices_override_the_table_by_full_or_bare_name() -> None:
    mine = Price(input=0.0, output=0.0)
    assert resolve_profile("openai", "gpt-4.1", LLMConfig(prices={"gpt-4.1": mine})).price == mine
    bare = LLMConfig(prices={"gpt-4.1": mine})
    assert resolve_profile("github-models", "openai/gpt-4.1", bare).price == mine


def test_unknown_model_gets_conservative_defaults() -> None:
    profile = resolve_profile("openai-compatible", "llama3.1:8b", LLMConfig())
    assert profile.input_cap == DEFAULT_INPUT_CAP
    assert profile.price is None
    assert profile.json_mode == "json_schema"  # with the run-time fallback on a 400


@pytest.mark.parametrize(
    ("provider", "model", "mode"),
    [
        ("openai", "gpt-3.5-turbo", "json_object"),
        ("openai", "gpt-4-turbo-2024-04-09", "json_object"),
        ("github-models", "meta/Llama-3.3-70B-Instruct", "json_object"),
        ("github-models", "openai/gpt-4.1-mini", "json_schema"),
        ("azure", "my-deployment", "json_schema"),
    ],
)
def test_structured_output_capability_per_provider_and_model(
    provider: str, model: str, mode: str
) -> None:
    assert resolve_profile(provider, model, LLMConfig()).json_mode == mode
