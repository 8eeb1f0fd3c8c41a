"""The HTTP clients behind the GitHub seam, built on first use from one base URL and one token.

This is the only module that reveals the token: to PyGithub's auth, to ghapi's header, to the
requests session for downloads (API origin only) and to git's ``http.extraheader``.

* PyGithub: ``retry=None`` (its urllib3 retries off), ``seconds_between_requests=None`` and
  ``seconds_between_writes=None`` (its throttling off): the seam's policy does both.
* ghapi: the *sync* transport (ghapi 2.x is async by default), with its own connect retries
  (which sleep for real) off and one pooled httpx2 client that follows no redirects.
* requests: a plain session for downloads; redirects are followed by hand.
"""

from __future__ import annotations

import base64
import math
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ci_agent import __version__
from ci_agent.forge.types import RepoName

if TYPE_CHECKING:
    import requests

    from ci_agent.secret import Secret

__all__ = ["PER_PAGE", "USER_AGENT", "Clients"]

PER_PAGE = 100  # the most GitHub returns per page
USER_AGENT = f"ci-agent/{__version__}"


class Clients:
    """PyGithub, ghapi, a requests session and git credentials for one repository; the clients
    are made on first use (thread-safe)."""

    def __init__(
        self,
        api_url: str,
        token: Secret,
        repo: RepoName,
        timeout: float,
        git_remote: str | None = None,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.repo = repo
        self.timeout = timeout
        self._git_remote = git_remote
        self._token = token
        self._lock = threading.Lock()
        self._made: dict[str, Any] = {}

    def pygithub(self) -> Any:
        """The ``github.Github`` client (its ``requester`` sends the requests)."""
        return self._get("pygithub", self._make_pygithub)

    def ghapi(self) -> Any:
        """The synchronous ``ghapi.core.GhApi`` client bound to the repository."""
        return self._get("ghapi", self._make_ghapi)

    def fetch(self, url: str, accept: str | None = None) -> requests.Response:
        """GET ``url`` streamed, no redirects followed; the token only to the API's origin."""
        session: requests.Session = self._get("requests", _make_session)
        headers = {"User-Agent": USER_AGENT}
        if accept:
            headers["Accept"] = accept
        if _origin(url) == _origin(self.api_url):
            headers["Authorization"] = f"Bearer {self._token.reveal()}"
        return session.get(
            url, headers=headers, stream=True, allow_redirects=False, timeout=self.timeout
        )

    @property
    def git_remote(self) -> str:
        """The repository's git URL: the override, else next to the API (``/api/v3`` → host)."""
        if self._git_remote:
            return self._git_remote
        parts = urlsplit(self.api_url)
        host = parts.netloc.removeprefix("api.") if parts.path in ("", "/") else parts.netloc
        return f"{parts.scheme}://{host}/{self.repo.owner}/{self.repo.name}.git"

    def git_authorization(self) -> str:
        """The ``http.extraheader`` value git sends the token in (as actions/checkout does)."""
        basic = base64.b64encode(f"x-access-token:{self._token.reveal()}".encode()).decode()
        return f"AUTHORIZATION: basic {basic}"

    def close(self) -> None:
        """Close the connection pools of the clients made so far."""
        with self._lock:
            made, self._made = self._made, {}
        for name, client in made.items():
            (client.transport if name == "ghapi" else client).close()

    def _get(self, name: str, make: Callable[[], Any]) -> Any:
        with self._lock:
            if name not in self._made:
                self._made[name] = make()
            return self._made[name]

    def _make_pygithub(self) -> Any:
        import github

        return github.Github(
            base_url=self.api_url,
            auth=github.Auth.Token(self._token.reveal()),
            timeout=max(1, math.ceil(self.timeout)),  # PyGithub insists on whole seconds
            user_agent=USER_AGENT,
            per_page=PER_PAGE,
            retry=None,
            seconds_between_requests=None,
            seconds_between_writes=None,
        )

    def _make_ghapi(self) -> Any:
        import httpx2
        from ghapi.core import GhApi

        api = GhApi(  # type: ignore[no-untyped-call]
            owner=self.repo.owner,
            repo=self.repo.name,
            token=self._token.reveal(),
            gh_host=self.api_url,
            sync=True,
            timeout=self.timeout,
        )
        api.transport.retries = 0
        api.transport.client = httpx2.Client(
            timeout=self.timeout, follow_redirects=False, headers={"User-Agent": USER_AGENT}
        )
        return api


def _make_session() -> requests.Session:
    import requests

    session = requests.Session()
    # An auth object stops requests from reading ~/.netrc for hosts we send no token to.
    session.auth = _no_auth
    return session


def _no_auth(request: Any) -> Any:
    return request


def _origin(url: str) -> tuple[str, str | None, int | None]:
    parts = urlsplit(url)
    return parts.scheme, parts.hostname, parts.port
