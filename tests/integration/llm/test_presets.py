"""Provider presets on the wire: GitHub Models, Azure OpenAI, OpenAI-compatible servers."""

from __future__ import annotations

from ci_agent.config import Secret, Settings
from ci_agent.config_model import FileConfig, LLMConfig
from ci_agent.llm.openai_provider import AZURE_API_VERSION
from ci_agent.llm.provider import ChatRequest, Message
from tests.fakes.openai_server import FakeOpenAI
from tests.integration.llm.conftest import BuildProvider

REQUEST = ChatRequest((Message("user", "hello"),))
TOKEN = "ghs_FAKEactions0123456789token"


def test_github_models_sends_the_token_as_bearer_to_the_configured_url(
    build: BuildProvider, fake_openai: FakeOpenAI
) -> None:
    settings = Settings(
        config=FileConfig(llm=LLMConfig(provider="github-models", base_url=fake_openai.base_url)),
        github_token=Secret(TOKEN),
        in_actions=True,
    )
    provider = build(settings)
    assert provider.complete(REQUEST).content == "ok"
    (logged,) = fake_openai.chat_requests
    assert logged.path == "/v1/chat/completions"
    assert logged.headers["authorization"] == f"Bearer {TOKEN}"
    assert logged.body is not None
    assert logged.body["model"] == "openai/gpt-4.1-mini"
    assert logged.body["max_tokens"] == 4000  # the free tier's output cap
    assert provider.profile.input_cap == 8000


def test_github_models_is_detected_in_actions_from_the_token(
    build: BuildProvider, fake_openai: FakeOpenAI
) -> None:
    settings = Settings(
        config=FileConfig(llm=LLMConfig(base_url=fake_openai.base_url)),
        github_token=Secret(TOKEN),
        in_actions=True,
    )
    build(settings).complete(REQUEST)
    assert fake_openai.chat_requests[0].headers["authorization"] == f"Bearer {TOKEN}"


def test_azure_uses_deployment_path_api_version_and_api_key_header(
    build: BuildProvider, fake_openai: FakeOpenAI
) -> None:
    settings = Settings(
        config=FileConfig(llm=LLMConfig(provider="azure", model="prod-gpt41")),
        azure_api_key=Secret("azure-FAKE-key-0123456789"),
        azure_endpoint=fake_openai.root_url,
    )
    assert build(settings).complete(REQUEST).content == "ok"
    (logged,) = fake_openai.chat_requests
    assert logged.path == "/openai/deployments/prod-gpt41/chat/completions"
    assert logged.query == {"api-version": AZURE_API_VERSION}
    assert logged.headers["api-key"] == "azure-FAKE-key-0123456789"
    assert logged.body is not None
    assert logged.body["max_completion_tokens"] == 4096


def test_openai_preset_with_a_base_url(build: BuildProvider, fake_openai: FakeOpenAI) -> None:
    settings = Settings(
        config=FileConfig(llm=LLMConfig(provider="openai", base_url=fake_openai.base_url)),
        openai_api_key=Secret("sk-FAKE-0123456789"),
    )
    build(settings).complete(REQUEST)
    body = fake_openai.chat_requests[0].body
    assert body is not None
    assert body["model"] == "gpt-4.1-mini"
    assert body["max_completion_tokens"] == 4096


def test_local_server_without_a_key(build: BuildProvider, fake_openai: FakeOpenAI) -> None:
    settings = Settings(
        config=FileConfig(
            llm=LLMConfig(
                provider="openai-compatible", base_url=fake_openai.base_url, model="llama3.1:8b"
            )
        )
    )
    provider = build(settings)
    provider.complete(REQUEST)
    assert fake_openai.chat_requests[0].headers["authorization"] == "Bearer not-needed"
    assert provider.profile.input_cap == 8000
