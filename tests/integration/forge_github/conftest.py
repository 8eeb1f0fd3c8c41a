"""Fixtures: the fake GitHub seeded with ``acme/widgets``, a forge on it, a clock that never
sleeps."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from ci_agent.forge.github import GitHubForge
from ci_agent.forge.github_http import GitHubHttp
from ci_agent.forge.types import RepoName
from ci_agent.json_form import to_json
from ci_agent.metrics import Metrics
from ci_agent.retry import RetryConfig, RetryPolicy
from ci_agent.secret import Secret
from tests.fakes.github_server import FakeGitHub
from tests.fakes.github_server.fixtures import fake_github
from tests.fakes.openai_server.fixture import fake_openai
from tests.integration.github_fake.world import World, build
from tests.support import FakeClock

__all__ = [
    "TOKEN",
    "FakeClock",
    "MakeForge",
    "Rig",
    "fake_github",
    "fake_openai",
    "make_forge",
    "rig",
]

# Distinctive, so a leak into a log or a message is easy to find.
TOKEN = "ghp_FORGEtoken0123456789abcdefSECRET"


@dataclass
class Rig:
    """A seeded fake GitHub and a forge on it."""

    fake: FakeGitHub
    world: World
    forge: GitHubForge
    clock: FakeClock
    metrics: Metrics

    def calls(self) -> dict[str, int]:
        """API calls counted by the forge, per endpoint."""
        counted: dict[str, int] = to_json(self.metrics.snapshot())["api_calls"]["by_endpoint"]
        return counted


MakeForge = Callable[..., Rig]


@pytest.fixture
def make_forge(fake_github: FakeGitHub) -> Iterator[MakeForge]:
    """Build forges on the seeded fake (which accepts only TOKEN): ``ghes``, ``max_wait``,
    ``attempts``, ``timeout``, ``git_remote``, ``token``."""
    world = build(fake_github)
    fake_github.require_token(TOKEN, login="ci-bot")
    made: list[GitHubForge] = []

    def make(
        *,
        ghes: bool = False,
        max_wait: float = 300.0,
        attempts: int = 6,
        timeout: float = 5.0,
        git_remote: str | None = None,
        token: str = TOKEN,
    ) -> Rig:
        clock, metrics = FakeClock(), Metrics()
        policy = RetryPolicy(
            RetryConfig(max_attempts=attempts, max_total_wait=max_wait), clock, random.Random(7)
        )
        http = GitHubHttp(
            fake_github.ghes_url if ghes else fake_github.base_url,
            Secret(token),
            RepoName("acme", "widgets"),
            retry=policy,
            metrics=metrics,
            timeout=timeout,
            git_remote=git_remote,
        )
        forge = GitHubForge(http)
        made.append(forge)
        return Rig(fake_github, world, forge, clock, metrics)

    yield make
    for forge in made:
        forge.close()


@pytest.fixture
def rig(make_forge: MakeForge) -> Rig:
    """A forge on the api.github.com form of the fake's URL."""
    return make_forge()
