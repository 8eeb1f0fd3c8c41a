"""The request log: every request the fake received, with its answer's status."""

from __future__ import annotations

import fnmatch
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class LoggedRequest:
    """One request: ``path`` has no ``/api/v3`` prefix (``prefix`` says which was used)."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes
    status: int | None  # None when the connection was reset
    prefix: str = ""
    fault: str | None = None
    time: float = 0.0

    @property
    def json(self) -> Any:
        """The JSON body (None when empty or not JSON)."""
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None

    @property
    def write(self) -> bool:
        """Whether the request may change something (a GraphQL query is a POST that reads)."""
        if self.method in ("GET", "HEAD"):
            return False
        if self.path == "/graphql":
            query = str((self.json or {}).get("query") or "").lstrip()
            return query.startswith("mutation")
        return True

    @property
    def endpoint(self) -> str:
        """``METHOD /path`` for messages."""
        return f"{self.method} {self.path}"


class RequestLog:
    """Thread-safe list of ``LoggedRequest`` with glob filters for counting per endpoint."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[LoggedRequest] = []

    def append(self, entry: LoggedRequest) -> None:
        """Record one request."""
        with self._lock:
            self._entries.append(entry)

    def clear(self) -> None:
        """Forget everything logged so far."""
        with self._lock:
            self._entries.clear()

    def __iter__(self) -> Iterator[LoggedRequest]:
        with self._lock:
            return iter(list(self._entries))

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __getitem__(self, index: int) -> LoggedRequest:
        with self._lock:
            return self._entries[index]

    def filter(self, method: str = "*", path: str = "*") -> list[LoggedRequest]:
        """Requests whose method and path (prefix-less, fnmatch glob) match."""
        return [
            entry
            for entry in self
            if method in ("*", entry.method) and fnmatch.fnmatchcase(entry.path, path)
        ]

    def count(self, method: str = "*", path: str = "*") -> int:
        """How many requests matched."""
        return len(self.filter(method, path))

    def writes(self) -> list[LoggedRequest]:
        """The requests that may change something, in order."""
        return [entry for entry in self if entry.write]

    def endpoints(self) -> list[str]:
        """``METHOD /path`` of every request, in order."""
        return [entry.endpoint for entry in self]
