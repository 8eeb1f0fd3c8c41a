"""What ci-agent knows about models: context and output limits, prices, structured-output support.

Sources (checked 2025): OpenAI's model pages and pricing page; GitHub Models' documented
free-tier limits ("8000 in, 4000 out" tokens per request for most models). Every value can
be overridden in configuration (``llm.request-input-cap``, ``llm.max-output-tokens``,
``llm.prices``); an unknown model gets the conservative defaults below.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ci_agent.config_model import LLMConfig, Price

__all__ = [
    "DEFAULT_INPUT_CAP",
    "GITHUB_MODELS_INPUT_CAP",
    "GITHUB_MODELS_OUTPUT_CAP",
    "JsonMode",
    "ModelInfo",
    "ModelProfile",
    "lookup_model",
    "resolve_profile",
]

JsonMode = Literal["json_schema", "json_object", "text"]

# GitHub Models free tier: "Tokens per request: 8000 in, 4000 out" for low and high tiers.
GITHUB_MODELS_INPUT_CAP = 8000
GITHUB_MODELS_OUTPUT_CAP = 4000
# An unknown model (a local Ollama model, say) may have a small context window.
DEFAULT_INPUT_CAP = 8000
DEFAULT_OUTPUT_CAP = 4096


@dataclass(frozen=True)
class ModelInfo:
    """A row of the model table: limits in tokens, price in USD per million tokens."""

    context: int
    max_output: int
    price: Price | None
    json_mode: JsonMode


def _row(context: int, output: int, price_in: float, price_out: float, mode: JsonMode) -> ModelInfo:
    return ModelInfo(context, output, Price(input=price_in, output=price_out), mode)


# Longest matching prefix wins, so dated snapshots ("gpt-4.1-mini-2025-04-14") find their row.
MODEL_TABLE: dict[str, ModelInfo] = {
    "gpt-5": _row(400_000, 128_000, 1.25, 10.00, "json_schema"),
    "gpt-5-mini": _row(400_000, 128_000, 0.25, 2.00, "json_schema"),
    "gpt-5-nano": _row(400_000, 128_000, 0.05, 0.40, "json_schema"),
    "gpt-4.1": _row(1_047_576, 32_768, 2.00, 8.00, "json_schema"),
    "gpt-4.1-mini": _row(1_047_576, 32_768, 0.40, 1.60, "json_schema"),
    "gpt-4.1-nano": _row(1_047_576, 32_768, 0.10, 0.40, "json_schema"),
    "gpt-4o": _row(128_000, 16_384, 2.50, 10.00, "json_schema"),
    "gpt-4o-mini": _row(128_000, 16_384, 0.15, 0.60, "json_schema"),
    "o1": _row(200_000, 100_000, 15.00, 60.00, "json_schema"),
    "o3": _row(200_000, 100_000, 2.00, 8.00, "json_schema"),
    "o3-mini": _row(200_000, 100_000, 1.10, 4.40, "json_schema"),
    "o4-mini": _row(200_000, 100_000, 1.10, 4.40, "json_schema"),
    "gpt-4-turbo": _row(128_000, 4_096, 10.00, 30.00, "json_object"),
    "gpt-3.5-turbo": _row(16_385, 4_096, 0.50, 1.50, "json_object"),
}
# Publishers on GitHub Models whose models take json_object but not always json_schema.
_JSON_OBJECT_PUBLISHERS = ("meta", "mistral-ai", "deepseek", "microsoft", "cohere", "ai21-labs")


@dataclass(frozen=True)
class ModelProfile:
    """Everything the LLM layer needs to know about the model a run uses."""

    provider: str
    model: str
    input_cap: int
    max_output_tokens: int
    price: Price | None
    json_mode: JsonMode


def lookup_model(model: str) -> ModelInfo | None:
    """The table row for ``model`` (``openai/gpt-4.1`` finds ``gpt-4.1``), or None."""
    name = model.lower().rsplit("/", 1)[-1]
    matches = [key for key in MODEL_TABLE if name == key or name.startswith(key + "-")]
    return MODEL_TABLE[max(matches, key=len)] if matches else None


def resolve_profile(provider: str, model: str, config: LLMConfig) -> ModelProfile:
    """Combine the table, the provider's limits and the configuration's overrides."""
    info = lookup_model(model)
    if provider == "github-models":
        input_cap, output_cap = GITHUB_MODELS_INPUT_CAP, GITHUB_MODELS_OUTPUT_CAP
    elif info is not None:
        input_cap, output_cap = info.context - info.max_output, info.max_output
    else:
        input_cap, output_cap = DEFAULT_INPUT_CAP, DEFAULT_OUTPUT_CAP
    bare = model.rsplit("/", 1)[-1]
    price = config.prices.get(model) or config.prices.get(bare) or (info.price if info else None)
    return ModelProfile(
        provider=provider,
        model=model,
        input_cap=config.request_input_cap or input_cap,
        max_output_tokens=min(config.max_output_tokens, output_cap),
        price=price,
        json_mode=_json_mode(provider, model, info),
    )


def _json_mode(provider: str, model: str, info: ModelInfo | None) -> JsonMode:
    """Ask for the strongest mode the server is known to take; a 400 downgrades at run time."""
    if info is not None:
        return info.json_mode
    publisher = model.split("/", 1)[0].lower() if "/" in model else ""
    if provider == "github-models" and publisher in _JSON_OBJECT_PUBLISHERS:
        return "json_object"
    # Azure deployments have arbitrary names; Ollama, vLLM and LM Studio take json_schema.
    return "json_schema"
