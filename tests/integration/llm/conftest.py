"""Fixtures of the LLM integration tests: the fake OpenAI server, Settings, a fake clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from ci_agent.compose import llm_setup
from ci_agent.config import Secret, Settings
from ci_agent.config_model import FileConfig, LLMConfig
from ci_agent.llm.budget import Budget
from ci_agent.llm.provider import LLMProvider
from ci_agent.metrics import Metrics
from ci_agent.retry import RetryConfig, RetryPolicy
from tests.fakes.openai_server.fixture import fake_openai  # noqa: F401 - a fixture
from tests.fakes.openai_server.server import FakeOpenAI

API_KEY = "sk-FAKEopenai0123456789abcdefSECRET"


class FakeClock:
    """A retry clock that records waits instead of sleeping."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0
        self.sleeps: list[float] = []

    def time(self) -> float:
        """The fake time."""
        return self.now

    def sleep(self, seconds: float) -> None:
        """Advance the fake time; never block."""
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    """A fake clock for the retry policy."""
    return FakeClock()


def make_settings(fake: FakeOpenAI, **llm: Any) -> Settings:
    """Settings pointing provider openai-compatible (unless given) at the fake server."""
    values: dict[str, Any] = {
        "provider": "openai-compatible",
        "model": "gpt-4.1-mini",
        "base_url": fake.base_url,
        "timeout": 5.0,
    }
    values.update(llm)
    return Settings(
        config=FileConfig(llm=LLMConfig(**values)),
        openai_api_key=Secret(API_KEY),
    )


BuildProvider = Callable[..., LLMProvider]


@pytest.fixture
def build(fake_openai: FakeOpenAI, clock: FakeClock) -> Iterator[BuildProvider]:  # noqa: F811
    """Build the real provider stack against the fake; retries use the fake clock."""
    from ci_agent.llm.factory import build_provider

    made: list[LLMProvider] = []

    def make(
        settings: Settings | None = None,
        *,
        metrics: Metrics | None = None,
        budget: Budget | None = None,
        attempts: int = 4,
        log: Callable[[str, int], None] | None = None,
        **llm: Any,
    ) -> LLMProvider:
        config = RetryConfig(max_attempts=attempts, max_total_wait=600.0)
        provider = build_provider(
            llm_setup(settings or make_settings(fake_openai, **llm)),
            metrics=metrics,
            budget=budget,
            retry=RetryPolicy(config, clock),
            log=log,
        )
        made.append(provider)
        return provider

    yield make
    for provider in made:
        inner = getattr(provider, "inner", None)
        close = getattr(inner, "close", None)
        if close is not None:
            close()
