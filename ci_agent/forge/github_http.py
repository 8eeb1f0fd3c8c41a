"""The one seam between ci-agent and GitHub's REST API: one base URL, one token, one retry policy.

Roles of the two client libraries (built by :mod:`ci_agent.forge.github_clients` on first use,
never by a constructor):

* **PyGithub** sends everything outside the Actions API — pull requests, files, diffs, commits,
  contents, reviews, comments, reactions, check runs, statuses, permissions, deployments, refs,
  issue/release/label/milestone listings — through ``Github.requester`` (its documented way to
  call endpoints directly). Its lazy objects are not used: attribute completion and
  ``PaginatedList`` send requests of their own, which would bypass this seam.
* **ghapi** (sync transport; its workflow-command helpers are never used) sends the Actions API:
  workflow runs, jobs, re-runs, artifacts.
* Log and artifact bytes are streamed with requests by :mod:`ci_agent.forge.github_download`;
  git pushes over HTTPS by :mod:`ci_agent.forge.github_repo`.

Every attempt of every request goes through :meth:`GitHubHttp.send`: the retry policy, ≥ 1 s
between writes on the policy's clock, a count per endpoint (``METHOD /templated/path``) with the
remaining quota into Metrics, and the rule that a write that may have landed is re-sent only
after a ``landed`` probe found nothing, or when it is idempotent.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ci_agent.errors import CiAgentError, fail
from ci_agent.forge.github_clients import PER_PAGE, Clients
from ci_agent.forge.github_failures import coded_error, failure_of, observe
from ci_agent.forge.github_reply import (
    Landed,
    Reply,
    decoded,
    lower_headers,
    query_params,
    remaining,
)
from ci_agent.forge.types import RepoName
from ci_agent.retry import Failure, RetryExhausted

if TYPE_CHECKING:
    from ci_agent.metrics import Metrics
    from ci_agent.retry import Clock, RetryPolicy
    from ci_agent.secret import Secret

__all__ = [
    "DEFAULT_TIMEOUT",
    "GRAPHQL",
    "MIN_WRITE_INTERVAL",
    "GitHubHttp",
    "GitHubPart",
    "Landed",
    "Reply",
]

DEFAULT_TIMEOUT = 30.0
# GitHub: "If you're making a large number of POST, PATCH, PUT, or DELETE requests for a single
# user or client ID, wait at least one second between each request."
MIN_WRITE_INTERVAL = 1.0
GRAPHQL = "POST /graphql"
_IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "PATCH", "DELETE"})
# Route values that are paths keep their slashes (contents/{path}, git/ref/{ref}).
_PATH_PARAMS = frozenset({"path", "ref"})


class GitHubHttp:
    """Base URL, token, retry policy, write spacing and metrics for one repository."""

    def __init__(
        self,
        api_url: str,
        token: Secret,
        repo: RepoName,
        *,
        retry: RetryPolicy,
        metrics: Metrics,
        timeout: float = DEFAULT_TIMEOUT,
        write_interval: float = MIN_WRITE_INTERVAL,
        git_remote: str | None = None,
    ) -> None:
        self.clients = Clients(api_url, token, repo, timeout, git_remote)
        self.api_url = self.clients.api_url
        self.repo = repo
        self.metrics = metrics
        self._retry = retry
        self._write_interval = write_interval
        self._last_write = float("-inf")
        self._write_lock = threading.Lock()

    @property
    def clock(self) -> Clock:
        """The retry policy's clock (waits and write spacing)."""
        return self._retry.clock

    def rest(
        self,
        endpoint: str,
        *,
        query: Mapping[str, Any] | None = None,
        body: Any = None,
        accept: str | None = None,
        landed: Landed | None = None,
        resend: bool | None = None,
        **route: object,
    ) -> Reply:
        """Send ``endpoint`` (``"GET /repos/{owner}/{repo}/pulls/{number}"``) with PyGithub.

        ``route`` fills the template (owner and repo come from the seam); ``landed`` looks for
        the effect of a write whose answer was lost; ``resend`` declares a POST idempotent.
        """
        method, _, template = endpoint.partition(" ")
        path = self._path(template, route)
        params = query_params(query)
        headers = {"Accept": accept} if accept else None

        def attempt() -> Reply:
            requester = self.clients.pygithub().requester
            got, data = requester.requestJsonAndCheck(method, path, params, headers, body)
            if isinstance(data, dict) and set(data) <= {"data", "url"} and "data" in data:
                data = data["data"]  # a non-JSON media type (a diff), as PyGithub wraps it
            return Reply(lower_headers(got), data)

        return self.send(endpoint, attempt, landed=landed, resend=resend)

    def graphql(self, query: str, variables: Mapping[str, Any]) -> Reply:
        """Send a GraphQL query (``POST /graphql``; a query changes nothing, so it is re-sent)."""

        def attempt() -> Reply:
            requester = self.clients.pygithub().requester
            got, data = requester.graphql_query(query, dict(variables))
            return Reply(lower_headers(got), data.get("data"))

        return self.send(GRAPHQL, attempt, resend=True)

    def rest_pages(
        self,
        endpoint: str,
        *,
        key: str | None = None,
        query: Mapping[str, Any] | None = None,
        **route: object,
    ) -> Iterator[Any]:
        """Every item of a listing (under ``key`` if given), 100 a page, ``Link`` to the next."""
        path = self._path(endpoint.partition(" ")[2], route)
        params = query_params({"per_page": PER_PAGE, **(query or {})})

        def get(url: str, params: dict[str, str] | None) -> Reply:
            got, data = self.clients.pygithub().requester.requestJsonAndCheck("GET", url, params)
            return Reply(lower_headers(got), data)

        reply = self.send(endpoint, functools.partial(get, path, params))
        yield from self._pages(endpoint, reply, key, lambda url: get(url, None))

    def actions(
        self,
        operation: str,
        *,
        landed: Landed | None = None,
        resend: bool | None = None,
        **params: Any,
    ) -> Reply:
        """Call ghapi's ``operation`` (``"actions.get_workflow_run"``) with ``params``."""
        op = functools.reduce(getattr, operation.split("."), self.clients.ghapi())
        given = {k: v for k, v in params.items() if v is not None}
        return self.send(
            f"{op.verb.upper()} {op.path}",
            lambda: decoded(op(**given, raw_=True)),
            landed=landed,
            resend=resend,
        )

    def actions_pages(self, operation: str, *, key: str, **params: Any) -> Iterator[Any]:
        """Every item of an Actions listing (the items sit under ``key``), page by page."""
        op = functools.reduce(getattr, operation.split("."), self.clients.ghapi())
        reply = self.actions(operation, per_page=PER_PAGE, **params)

        def follow(url: str) -> Reply:
            return decoded(self.clients.ghapi().transport.request("GET", url, raw=True))

        yield from self._pages(f"{op.verb.upper()} {op.path}", reply, key, follow)

    def send(
        self,
        endpoint: str,
        attempt: Callable[[], Reply],
        *,
        landed: Landed | None = None,
        resend: bool | None = None,
    ) -> Reply:
        """Run ``attempt`` under the retry policy: spacing, metrics, safe re-sending, codes."""
        method = endpoint.partition(" ")[0]
        # A GraphQL query is a POST that writes nothing: no write spacing.
        write = method not in ("GET", "HEAD") and endpoint != GRAPHQL
        safe = resend if resend is not None else method in _IDEMPOTENT
        unsure = False  # an earlier attempt of this write may have landed

        def once() -> Reply:
            nonlocal unsure
            if unsure and landed is not None:
                found = landed()
                if found is not None:
                    return found
            if write:
                self._space_writes()
            try:
                reply = attempt()
            except Exception as exc:
                seen = observe(exc)
                self.metrics.count_api_call(endpoint, seen.remaining if seen else None)
                if seen is None or not write or not seen.ambiguous:
                    if unsure and method == "DELETE" and seen and seen.status == 404:
                        return Reply()  # the earlier attempt deleted it
                    raise
                unsure = True
                if landed is None and not safe:
                    raise _not_resent(endpoint, seen.status, seen.message) from exc
                raise
            self.metrics.count_api_call(endpoint, remaining(reply.headers))
            return reply

        try:
            return self._retry.run(once, _classify)
        except RetryExhausted as exc:
            raise coded_error(exc, endpoint, self.api_url, self.clock.time()) from exc

    def _pages(
        self, endpoint: str, reply: Reply, key: str | None, follow: Callable[[str], Reply]
    ) -> Iterator[Any]:
        while True:
            yield from (reply.data.get(key) or []) if key else (reply.data or [])
            url = reply.next_url
            if url is None:
                return
            reply = self.send(endpoint, functools.partial(follow, url))

    def _space_writes(self) -> None:
        """Keep writes ``write_interval`` apart; the lock makes writes go one at a time."""
        with self._write_lock:
            wait = self._last_write + self._write_interval - self.clock.time()
            if wait > 0:
                self.clock.sleep(wait)
            self._last_write = self.clock.time()

    def _path(self, template: str, route: Mapping[str, object]) -> str:
        values = {"owner": self.repo.owner, "repo": self.repo.name, **route}
        # Paths may hold git's undecodable bytes as surrogates: send those bytes back.
        quoted = {
            k: quote(str(v), safe="/" if k in _PATH_PARAMS else "", errors="surrogateescape")
            for k, v in values.items()
        }
        return template.format_map(quoted)

    def url(self, endpoint: str, **route: object) -> str:
        """The absolute URL of ``endpoint`` with ``route`` filled in."""
        return self.api_url + self._path(endpoint.partition(" ")[2], route)

    def close(self) -> None:
        """Close the clients' connection pools."""
        self.clients.close()


class GitHubPart:
    """Base of the GitHub forge's parts: each is a few protocol methods over one shared seam."""

    def __init__(self, http: GitHubHttp) -> None:
        self._http = http


def _classify(exc: Exception) -> Failure | None:
    seen = observe(exc)
    return failure_of(seen) if seen is not None else None


def _not_resent(endpoint: str, status: int | None, detail: str) -> CiAgentError:
    what = f"HTTP {status}" if status else "no answer"
    return fail(
        "CA306",
        f"GitHub failed on {endpoint} ({what}) and the write may have landed; it was not "
        "re-sent, to avoid a duplicate",
        suggestion="Check on GitHub whether it was applied before running again.",
        endpoint=endpoint,
        status=status,
        detail=detail,
    )
