"""Short-lived download URLs: what GitHub's 302 redirects point at (logs, artifact zips).

Each published blob gets an unguessable path under ``/_blobs/`` that expires after ``ttl``
seconds of the fake's clock, like the signed storage URLs GitHub hands out (valid 1 minute).
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass

from .clock import Clock

DEFAULT_TTL = 60.0


@dataclass
class Blob:
    """Bytes behind one short-lived URL."""

    data: bytes
    content_type: str
    expires: float
    filename: str | None = None


class BlobStore:
    """Published blobs by token."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._blobs: dict[str, Blob] = {}

    def publish(
        self,
        data: bytes,
        content_type: str,
        *,
        ttl: float = DEFAULT_TTL,
        filename: str | None = None,
    ) -> str:
        """Store ``data``; return the path (``/_blobs/TOKEN``) that serves it until it expires."""
        token = secrets.token_urlsafe(18)
        with self._lock:
            self._blobs[token] = Blob(data, content_type, self._clock.timestamp() + ttl, filename)
        return f"/_blobs/{token}"

    def get(self, token: str) -> Blob | None:
        """The blob for ``token`` unless unknown or expired."""
        with self._lock:
            blob = self._blobs.get(token)
        if blob is None or self._clock.timestamp() > blob.expires:
            return None
        return blob
