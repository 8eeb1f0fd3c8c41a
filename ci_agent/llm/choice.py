"""Which LLM provider a run would use, and why — decided from the LLM setup alone, offline."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from ci_agent.llm.setup import LLMSetup

__all__ = ["GITHUB_MODELS_URL", "ProviderChoice", "choose_provider"]

GITHUB_MODELS_URL = "https://models.github.ai/inference"
DEFAULT_MODELS = {
    "openai": "gpt-4.1-mini",
    "azure": "gpt-4.1-mini",
    "github-models": "openai/gpt-4.1-mini",
}


@dataclass(frozen=True)
class ProviderChoice:
    """The resolved provider, model and endpoint, with the reason and any problem."""

    provider: str
    model: str | None
    base_url: str | None
    reason: str
    problem: str | None = None


def choose_provider(setup: LLMSetup) -> ProviderChoice:
    """Explicit setting wins; else the first credential found (OpenAI, Azure, Actions token)."""
    llm = setup.llm
    name: str = llm.provider
    if name == "auto":
        name, reason = _detect(setup)
    else:
        reason = "set explicitly in configuration, input or environment"
    if name == "none":
        return ProviderChoice("none", None, None, reason)
    model = llm.model or DEFAULT_MODELS.get(name)
    base_url = llm.base_url or (GITHUB_MODELS_URL if name == "github-models" else None)
    if name == "azure":
        base_url = llm.base_url or setup.azure_endpoint
    return ProviderChoice(name, model, base_url, reason, _problem(name, model, base_url, setup))


def _detect(setup: LLMSetup) -> tuple[str, str]:
    if setup.openai_api_key is not None:
        return "openai", "OPENAI_API_KEY is set"
    if setup.azure_api_key is not None and setup.azure_endpoint:
        return "azure", "AZURE_OPENAI_API_KEY and AZURE_OPENAI_ENDPOINT are set"
    if setup.in_actions and setup.github_token is not None:
        return "github-models", "running in Actions with a token (the job needs 'models: read')"
    return "none", "no LLM key found: the static engine runs alone"


def _problem(name: str, model: str | None, base_url: str | None, setup: LLMSetup) -> str | None:
    """A missing credential or endpoint the provider cannot work without, or a malformed URL."""
    bad_url = _url_problem(base_url)
    if bad_url:
        return bad_url
    if name == "openai" and setup.openai_api_key is None:
        return "provider 'openai' needs OPENAI_API_KEY (or the 'openai-api-key' input)"
    if name == "azure" and (setup.azure_api_key is None or not base_url):
        return "provider 'azure' needs AZURE_OPENAI_API_KEY and AZURE_OPENAI_ENDPOINT"
    if name == "github-models" and setup.github_token is None:
        return "provider 'github-models' needs GITHUB_TOKEN with 'models: read'"
    if name == "openai-compatible" and not base_url:
        return "provider 'openai-compatible' needs llm.base-url (e.g. http://localhost:11434/v1)"
    if name == "openai-compatible" and not model:
        return "provider 'openai-compatible' needs llm.model"
    return None


def _url_problem(url: str | None) -> str | None:
    """Why ``url`` cannot be an endpoint (found now, not after half a minute of retries)."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError as exc:
        return f"the endpoint URL {url!r} is malformed ({exc})"
    if parts.scheme not in ("http", "https") or not parts.hostname or url != url.strip():
        return f"the endpoint URL {url!r} is not an http(s) URL with a host"
    if any(c.isspace() for c in url):
        return f"the endpoint URL {url!r} contains white space"
    return None
