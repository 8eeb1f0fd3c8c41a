"""The HTTP side: a threaded stdlib server answering at ``/`` and ``/api/v3`` identically, with
token auth, rate-limit headers, request ids, scripted faults, the request log and dispatch to
the route tables."""

from __future__ import annotations

import contextlib
import secrets
import socket
import struct
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from . import (
    routes_actions,
    routes_backup,
    routes_checks,
    routes_commits,
    routes_git,
    routes_graphql,
    routes_issues,
    routes_pulls,
    routes_reactions,
    routes_releases,
    routes_repos,
    routes_reviews,
)
from .errors import ApiError
from .faults import Fault, FaultPlan
from .requestlog import LoggedRequest, RequestLog
from .routing import Request, Response, Router, json_error
from .state import Store

GHES_PREFIX = "/api/v3"
GHES_GRAPHQL = "/api/graphql"
_REPO_BY_ID = "/repositories/"
_AZURE_EXPIRED = (
    b'<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code><Message>'
    b"Server failed to authenticate the request. Signed expiry time has passed.</Message></Error>"
)
# Specific suffixes (``/commits/{ref}/status``) must be tried before ``/commits/{ref:path}``.
ROUTER = Router(
    routes_checks.routes,
    routes_actions.routes,
    routes_backup.routes,
    routes_reviews.routes,
    routes_reactions.routes,
    routes_pulls.routes,
    routes_issues.routes,
    routes_releases.routes,
    routes_git.routes,
    routes_graphql.routes,
    routes_commits.routes,
    routes_repos.routes,
)


def request_id() -> str:
    """An id in GitHub's ``x-github-request-id`` form, e.g. ``C620:D8D4:1FA9F4A3:1EAC3CBC:6AA0``."""
    parts = (
        secrets.token_hex(2),
        secrets.token_hex(2),
        secrets.token_hex(4),
        secrets.token_hex(4),
        secrets.token_hex(4),
    )
    return ":".join(parts).upper()


class FakeGitHubServer:
    """A running fake: ``base_url``, ``ghes_url``, ``log``, ``faults``, ``errors``."""

    def __init__(self, store: Store, host: str = "127.0.0.1", port: int = 0) -> None:
        self.store = store
        self.log = RequestLog()
        self.faults = FaultPlan()
        self.errors: list[str] = []  # tracebacks of bugs in the fake (answered with 500)
        self.httpd = ThreadingHTTPServer((host, port), _handler_class(self))
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self.port = self.httpd.server_address[1]
        self.base_url = f"http://{host}:{self.port}"
        self.ghes_url = self.base_url + GHES_PREFIX
        # Download URLs name another host, so clients drop the Authorization header on redirect.
        self.store.blob_base = f"http://localhost:{self.port}"
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, args=(0.05,), name="fake-github", daemon=True
        )

    def start(self) -> FakeGitHubServer:
        """Serve in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)

    def handle(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> Any:
        """Answer one request: ``Response``, or None to drop the connection."""
        url = urlsplit(raw_path)
        path, prefix = url.path, ""
        if path == GHES_PREFIX or path.startswith(GHES_PREFIX + "/"):
            path, prefix = path[len(GHES_PREFIX) :] or "/", GHES_PREFIX
        elif path == GHES_GRAPHQL:  # GitHub Enterprise Server's GraphQL endpoint
            path, prefix = "/graphql", GHES_PREFIX
        query = parse_qs(url.query, keep_blank_values=True)
        request = Request(
            method, path, query, headers, body, self.base_url + prefix, self.base_url, self.store
        )
        started, rid = time.time(), request_id()
        delay, fault = self.faults.take(method, path)
        if delay:
            time.sleep(delay)
        if fault is not None and fault.kind == "reset":
            response = None
        elif path.startswith("/_blobs/"):
            response = self._blob(path, fault, rid)
        else:
            response = self._api(request, fault, rid)
        if response is not None:
            response.headers.setdefault("x-github-request-id", rid)
        self.log.append(
            LoggedRequest(
                method,
                path,
                query,
                headers,
                body,
                response.status if response else None,
                prefix,
                fault.kind if fault else None,
                started,
            )
        )
        return response

    def _blob(self, path: str, fault: Fault | None, rid: str) -> Response:
        if fault is not None:
            return json_error(fault.error(rid, self.store.rate.reset, self.store.rate.limit))
        blob = self.store.blobs.get(path.removeprefix("/_blobs/"))
        if blob is None:
            return Response(403, raw=_AZURE_EXPIRED, content_type="application/xml")
        response = Response(200, raw=blob.data, content_type=blob.content_type)
        if blob.filename:
            response.headers["content-disposition"] = f"attachment; filename={blob.filename}"
        return response

    def _viewer(self, headers: dict[str, str]) -> str | ApiError:
        auth = headers.get("authorization", "")
        scheme, _, token = auth.partition(" ")
        if not self.store.tokens:
            return self.store.default_login
        if not auth:
            return ApiError(401, "Requires authentication")
        if scheme.lower() not in ("token", "bearer") or token.strip() not in self.store.tokens:
            return ApiError(401, "Bad credentials")
        return self.store.tokens[token.strip()]

    def _rate_headers(self) -> dict[str, str]:
        rate = self.store.rate
        return {
            "x-ratelimit-limit": str(rate.limit),
            "x-ratelimit-remaining": str(rate.remaining),
            "x-ratelimit-reset": str(rate.reset),
            "x-ratelimit-used": str(rate.used),
            "x-ratelimit-resource": "core",
        }

    def _api(self, request: Request, fault: Fault | None, rid: str) -> Response:
        store = self.store
        with store.lock:
            now = int(store.clock.timestamp())
            if now >= store.rate.reset:
                store.rate.used, store.rate.reset = 0, now + 3600
            viewer = self._viewer(request.headers)
            free = request.path == "/rate_limit"  # does not count against the limit
            if isinstance(viewer, ApiError):
                response = json_error(viewer)
            elif fault is not None and fault.kind != "apply_then_fail":
                response = json_error(fault.error(rid, store.rate.reset, store.rate.limit))
            elif not free and store.rate.remaining == 0:
                limited = Fault("primary_rate_limit")
                response = json_error(limited.error(rid, store.rate.reset, store.rate.limit))
            else:
                store.rate.used += 0 if free else 1
                request.viewer = viewer
                response = self._dispatch(request)
                if fault is not None:  # apply_then_fail: the write happened, the client fails
                    response = json_error(fault.error(rid, store.rate.reset, store.rate.limit))
            for name, value in self._rate_headers().items():
                response.headers.setdefault(name, value)
        response.headers.setdefault("x-github-media-type", "github.v3; format=json")
        response.headers.setdefault("x-github-api-version-selected", request.api_version)
        return response

    def _dispatch(self, request: Request) -> Response:
        try:
            if request.path.startswith(_REPO_BY_ID):
                number, _, rest = request.path[len(_REPO_BY_ID) :].partition("/")
                full_name = self.store.repo_by_id(int(number)).full_name
                request.path = f"/repos/{full_name}" + (f"/{rest}" if rest else "")
            return ROUTER.dispatch(request)
        except ApiError as error:
            return json_error(error)
        except Exception as error:  # a bug in the fake: answer 500 and keep the traceback
            self.errors.append(traceback.format_exc())
            return json_error(ApiError(500, f"fake GitHub error: {error}"))


def _handler_class(server: FakeGitHubServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def version_string(self) -> str:
            return "github.com"

        def setup(self) -> None:
            super().setup()
            # Headers and body go out in two writes: without NODELAY, Nagle's algorithm and the
            # client's delayed ACK add ~40 ms to every keep-alive request.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def _body(self) -> bytes:
            if self.headers.get("transfer-encoding", "").lower() == "chunked":
                chunks: list[bytes] = []
                while True:
                    size = int(self.rfile.readline().strip() or b"0", 16)
                    if size == 0:
                        self.rfile.readline()
                        return b"".join(chunks)
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
            length = int(self.headers.get("content-length") or 0)
            return self.rfile.read(length) if length else b""

        def _serve(self) -> None:
            body = self._body()
            headers = {k.lower(): v for k, v in self.headers.items()}
            response = server.handle(self.command, self.path, headers, body)
            if response is None:
                self._reset()
                return
            payload = response.payload()
            self.send_response(response.status)
            if payload or response.status not in (204, 302, 304):
                self.send_header("content-type", response.content_type)
            self.send_header("content-length", str(len(payload)))
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        def _reset(self) -> None:
            self.close_connection = True
            try:  # SO_LINGER 0: close sends RST, the client sees a reset, not a clean EOF
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
                self.connection.close()
            except OSError:
                pass

        def finish(self) -> None:
            with contextlib.suppress(OSError, ValueError):  # the socket may be reset already
                super().finish()

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the request log records everything."""

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = _serve

    return Handler
