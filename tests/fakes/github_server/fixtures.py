"""The ``fake_github`` pytest fixture and the ``FakeGitHub`` handle it yields."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .clock import Clock
from .faults import FaultPlan
from .requestlog import RequestLog
from .server import FakeGitHubServer
from .state import RepoState, Store

TEST_TOKEN = "test-token"  # any token is accepted until ``require_token`` is called


class FakeGitHub:
    """A running fake GitHub: URLs, state to seed and inspect, the request log, faults.

    Requests are served under ``state.lock``; seed between requests (or hold that lock) when a
    client runs in another thread."""

    def __init__(self, root: Path) -> None:
        self.state = Store(root)
        self.server = FakeGitHubServer(self.state).start()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (api.github.com form)."""
        return self.server.base_url

    @property
    def ghes_url(self) -> str:
        """``http://127.0.0.1:PORT/api/v3`` (GitHub Enterprise Server form)."""
        return self.server.ghes_url

    @property
    def requests(self) -> RequestLog:
        """Every request received, in order (``count``, ``filter``, ``endpoints``)."""
        return self.server.log

    @property
    def faults(self) -> FaultPlan:
        """Scripted faults (``status``, ``secondary_rate_limit``, ``reset``, ``slow``, ...)."""
        return self.server.faults

    @property
    def clock(self) -> Clock:
        """The fake's clock (``set``, ``advance``) behind timestamps, ``since`` and expiries."""
        return self.state.clock

    def create_repo(self, full_name: str, **options: Any) -> RepoState:
        """See ``Store.create_repo``: ``files=`` seeds a new repository, ``path=`` uses one."""
        return self.state.create_repo(full_name, **options)

    def repo(self, full_name: str) -> RepoState:
        """A repository already created."""
        return self.state.get_repo(full_name)

    def require_token(self, token: str, login: str = "github-actions[bot]") -> None:
        """Accept ``token`` (as ``login``) and answer 401 to any other token."""
        self.state.add_token(token, login)

    def pygithub(self, token: str = TEST_TOKEN, *, ghes: bool = False) -> Any:
        """A PyGithub client for this fake, with throttling and retries off."""
        import github

        return github.Github(
            base_url=self.ghes_url if ghes else self.base_url,
            auth=github.Auth.Token(token),
            seconds_between_requests=None,
            seconds_between_writes=None,
            retry=None,
        )

    def ghapi(self, owner: str, repo: str, token: str = TEST_TOKEN, *, ghes: bool = False) -> Any:
        """A synchronous ghapi client for this fake."""
        from ghapi.all import GhApi

        host = self.ghes_url if ghes else self.base_url
        return GhApi(owner=owner, repo=repo, token=token, gh_host=host, sync=True)  # type: ignore[no-untyped-call]

    def close(self) -> None:
        """Stop the server."""
        self.server.stop()


@pytest.fixture
def fake_github(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeGitHub]:
    """A fake GitHub REST server on 127.0.0.1 (free port), stopped after the test. A bug in
    the fake itself (a 500 with a traceback) fails the test at teardown."""
    fake = FakeGitHub(tmp_path_factory.mktemp("fake-github"))
    try:
        yield fake
    finally:
        fake.close()
    assert not fake.server.errors, "the fake GitHub failed:\n" + "\n".join(fake.server.errors)
