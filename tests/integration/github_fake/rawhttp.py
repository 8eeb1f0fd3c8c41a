"""A tiny HTTP client over ``http.client`` that shows the fake's answers as they are: status,
headers, body — no redirects followed, no retries."""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from tests.fakes.github_server.fixtures import TEST_TOKEN


@dataclass
class Reply:
    """One answer."""

    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes

    @property
    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)

    @property
    def text(self) -> str:
        """The body as text."""
        return self.body.decode()


class Raw:
    """Requests against one base URL (``http://127.0.0.1:PORT`` or ``.../api/v3``)."""

    def __init__(self, base: str, token: str | None = TEST_TOKEN) -> None:
        self.base = base.rstrip("/")
        self.token = token

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        query: dict[str, Any] | None = None,
    ) -> Reply:
        """Send one request; ``path`` may be relative to the base or an absolute URL."""
        url = path if path.startswith("http") else self.base + path
        if query:
            url += ("&" if "?" in url else "?") + urlencode(query)
        parts = urlsplit(url)
        conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
        sent = {"Accept": "application/vnd.github+json", **(headers or {})}
        if self.token:
            sent.setdefault("Authorization", f"Bearer {self.token}")
        data = None if body is None else json.dumps(body).encode()
        if data is not None:
            sent["Content-Type"] = "application/json"
        try:
            conn.request(
                method, parts.path + (f"?{parts.query}" if parts.query else ""), data, sent
            )
            response = conn.getresponse()
            return Reply(
                response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
            )
        finally:
            conn.close()

    def get(self, path: str, **options: Any) -> Reply:
        """GET."""
        return self.request("GET", path, **options)

    def post(self, path: str, body: Any = None, **options: Any) -> Reply:
        """POST with a JSON body."""
        return self.request("POST", path, {} if body is None else body, **options)

    def patch(self, path: str, body: Any, **options: Any) -> Reply:
        """PATCH with a JSON body."""
        return self.request("PATCH", path, body, **options)

    def put(self, path: str, body: Any, **options: Any) -> Reply:
        """PUT with a JSON body."""
        return self.request("PUT", path, body, **options)

    def delete(self, path: str, body: Any = None, **options: Any) -> Reply:
        """DELETE."""
        return self.request("DELETE", path, body, **options)
