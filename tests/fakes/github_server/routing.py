"""Requests, responses and the route tables the ``routes_*`` modules fill."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from .errors import ApiError, not_found

if TYPE_CHECKING:
    from .state import RepoState, Store

_JSON_TYPE = "application/json; charset=utf-8"
DEFAULT_API_VERSION = "2022-11-28"


@dataclass
class Request:
    """One API request as a route sees it; ``api``/``web`` are the bases for URLs in answers."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes
    api: str  # e.g. http://127.0.0.1:PORT or http://127.0.0.1:PORT/api/v3
    web: str  # e.g. http://127.0.0.1:PORT (html_url base)
    store: Store
    viewer: str = "github-actions[bot]"
    params: dict[str, str] = field(default_factory=dict)
    _json: Any = None

    def arg(self, name: str, default: str | None = None) -> str | None:
        """The first value of query parameter ``name``."""
        values = self.query.get(name)
        return values[0] if values else default

    def int_arg(self, name: str, default: int) -> int:
        """An integer query parameter (GitHub ignores values it cannot parse)."""
        value = self.arg(name)
        try:
            return int(value) if value is not None else default
        except ValueError:
            return default

    def json(self) -> Any:
        """The parsed JSON body; an empty body is ``{}``."""
        if self._json is None:
            if not self.body.strip():
                self._json = {}
            else:
                try:
                    self._json = json.loads(self.body)
                except ValueError as exc:
                    raise ApiError(400, "Problems parsing JSON") from exc
        return self._json

    def accepts(self, *media_types: str) -> bool:
        """Whether the Accept header names one of ``media_types``."""
        accept = self.headers.get("accept", "")
        return any(media in accept for media in media_types)

    @property
    def api_version(self) -> str:
        """The REST API version asked for (``X-GitHub-Api-Version``; default 2022-11-28)."""
        return self.headers.get("x-github-api-version") or DEFAULT_API_VERSION

    @property
    def legacy(self) -> bool:
        """Whether fields removed in API version 2026-03-10 are still sent."""
        return self.api_version < "2026-03-10"

    def repo(self) -> RepoState:
        """The repository named by the ``owner``/``repo`` path parameters, or 404."""
        return self.store.get_repo(f"{self.params['owner']}/{self.params['repo']}")

    def url(self, **query: Any) -> str:
        """This request's absolute URL (with the prefix it used) with query values replaced."""
        merged = {k: v[0] for k, v in self.query.items()}
        merged.update({k: str(v) for k, v in query.items()})
        qs = urlencode(merged)
        return f"{self.api}{self.path}" + (f"?{qs}" if qs else "")


@dataclass
class Response:
    """What a route answers: a JSON ``body`` or ``raw`` bytes, a status and extra headers."""

    status: int = 200
    body: Any = None
    raw: bytes | None = None
    content_type: str = _JSON_TYPE
    headers: dict[str, str] = field(default_factory=dict)

    def payload(self) -> bytes:
        """The bytes to send."""
        if self.raw is not None:
            return self.raw
        if self.body is None and self.status in (204, 302, 304):
            return b""
        return json.dumps(self.body, separators=(",", ":")).encode()


def json_error(error: ApiError) -> Response:
    """The response for an ``ApiError``."""
    return Response(error.status, error.body(), headers=dict(error.headers))


Handler = Callable[[Request], "Response | dict[str, Any] | list[Any]"]
_PARAM = re.compile(r"\{(\w+)(?::(int|path))?\}")
_KINDS = {None: r"[^/]+", "int": r"\d+", "path": r".+"}


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """``/repos/{owner}/{repo}/pulls/{number:int}`` → a regex with named groups."""
    out, last = [], 0
    for match in _PARAM.finditer(pattern):
        out.append(re.escape(pattern[last : match.start()]))
        out.append(f"(?P<{match.group(1)}>{_KINDS[match.group(2)]})")
        last = match.end()
    out.append(re.escape(pattern[last:]))
    return re.compile("^" + "".join(out) + "/?$")


@dataclass
class Route:
    """One method + path pattern and its handler."""

    method: str
    pattern: str
    regex: re.Pattern[str]
    handler: Handler


class RouteTable:
    """Routes of one module, registered with decorators (``@routes.get("/repos/{owner}")``)."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def route(self, method: str, pattern: str) -> Callable[[Handler], Handler]:
        """Register the decorated function for ``method`` and ``pattern``."""

        def register(handler: Handler) -> Handler:
            self.routes.append(Route(method, pattern, compile_pattern(pattern), handler))
            return handler

        return register

    def get(self, pattern: str) -> Callable[[Handler], Handler]:
        """Register a GET route."""
        return self.route("GET", pattern)

    def post(self, pattern: str) -> Callable[[Handler], Handler]:
        """Register a POST route."""
        return self.route("POST", pattern)

    def patch(self, pattern: str) -> Callable[[Handler], Handler]:
        """Register a PATCH route."""
        return self.route("PATCH", pattern)

    def put(self, pattern: str) -> Callable[[Handler], Handler]:
        """Register a PUT route."""
        return self.route("PUT", pattern)

    def delete(self, pattern: str) -> Callable[[Handler], Handler]:
        """Register a DELETE route."""
        return self.route("DELETE", pattern)


class Router:
    """All route tables; finds the handler for a method and path."""

    def __init__(self, *tables: RouteTable) -> None:
        self.routes = [route for table in tables for route in table.routes]

    def dispatch(self, request: Request) -> Response:
        """Run the matching route; unknown routes are GitHub's 404."""
        for route in self.routes:
            if route.method != request.method and not (
                route.method == "GET" and request.method == "HEAD"
            ):
                continue
            match = route.regex.match(request.path)
            if match:
                request.params = match.groupdict()
                result = route.handler(request)
                if isinstance(result, Response):
                    return result
                return Response(200, result)
        raise not_found()
