"""Build the run's LLMProvider from its LLM setup: the choice, the endpoint, the guard around it."""

from __future__ import annotations

from ci_agent.errors import fail
from ci_agent.llm.budget import Budget
from ci_agent.llm.choice import ProviderChoice, choose_provider
from ci_agent.llm.guard import GuardedProvider
from ci_agent.llm.models import resolve_profile
from ci_agent.llm.openai_provider import Endpoint, OpenAIProvider
from ci_agent.llm.provider import LLMProvider, LogFn
from ci_agent.llm.setup import LLMSetup
from ci_agent.metrics import Metrics
from ci_agent.redact import Redactor
from ci_agent.retry import RetryConfig, RetryPolicy
from ci_agent.secret import Secret

__all__ = ["OPENAI_URL", "build_provider", "endpoint_for"]

OPENAI_URL = "https://api.openai.com/v1"
# Local servers (Ollama, vLLM, LM Studio) ignore the key, but the SDK insists on one.
NO_KEY = "not-needed"
NONE_SUGGESTION = (
    "The static engine runs without one. To add an LLM: set OPENAI_API_KEY (or the "
    "'openai-api-key' input); or, in Actions, give the job 'permissions: models: read' and "
    "set llm.provider to github-models; or point llm.base-url at a local server with "
    "llm.provider openai-compatible."
)


def build_provider(
    setup: LLMSetup,
    *,
    metrics: Metrics | None = None,
    budget: Budget | None = None,
    retry: RetryPolicy | None = None,
    log: LogFn | None = None,
) -> LLMProvider:
    """The guarded provider for this run; CA406 when no LLM is configured (provider none)."""
    choice = choose_provider(setup)
    if choice.provider == "none":
        raise fail("CA406", f"no LLM is configured ({choice.reason})", suggestion=NONE_SUGGESTION)
    if choice.problem or choice.model is None:
        problem = choice.problem or f"provider '{choice.provider}' needs llm.model"
        # The same code doctor reports: configuration, exit 2, in every command.
        raise fail("CA116", problem=problem)
    llm = setup.llm
    profile = resolve_profile(choice.provider, choice.model, llm)
    policy = retry or RetryPolicy(RetryConfig(max_total_wait=setup.max_retry_wait))
    redact = Redactor(setup.secrets())
    inner = OpenAIProvider(
        endpoint_for(setup, choice),
        profile,
        retry=policy,
        timeout=llm.timeout,
        log=_filtered(log, setup.verbosity, redact),
    )
    return GuardedProvider(
        inner,
        budget or Budget.from_config(llm, metrics),
        max_concurrency=llm.max_concurrency,
        log=log,
        verbosity=setup.verbosity,
        redact=redact,
    )


def endpoint_for(setup: LLMSetup, choice: ProviderChoice) -> Endpoint:
    """Base URL and credential of the chosen provider (the key stays a Secret)."""
    name = choice.provider
    if name == "azure":
        return Endpoint("azure", choice.base_url or "", _key(setup.azure_api_key))
    if name == "github-models":
        # GitHub Models takes the Actions token as a bearer key ('models: read').
        return Endpoint("openai", choice.base_url or "", _key(setup.github_token))
    if name == "openai":
        return Endpoint("openai", choice.base_url or OPENAI_URL, _key(setup.openai_api_key))
    key = setup.openai_api_key or Secret(NO_KEY)
    return Endpoint("openai", choice.base_url or "", key)


def _filtered(log: LogFn | None, verbosity: int, redact: Redactor) -> LogFn | None:
    """Only messages the verbosity asks for, with secrets masked."""
    if log is None:
        return None
    sink = log

    def emit(message: str, level: int) -> None:
        if verbosity >= level:
            sink(redact(message), level)

    return emit


def _key(secret: Secret | None) -> Secret:
    if secret is None:  # choose_provider reports this as a problem first
        raise fail("CA406", "the LLM provider's credential is missing")
    return secret
