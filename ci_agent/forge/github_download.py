"""Files behind GitHub's download redirects (job logs, artifact zips), streamed to disk.

The API answers 302 to a short-lived storage URL on another host. Both hops go through
``Clients.fetch`` (requests, streamed, no redirect followed), which sends the token only to the
API's own origin, so it never reaches the storage host. Bytes go to ``DEST.part`` in chunks and
are hashed on the way; the file takes its name only when complete (and its digest matches). A
failed or expired storage URL is retried from the API call, which hands out a fresh one. Only
the API hop counts in the metrics: storage downloads use no API quota.
"""

from __future__ import annotations

import errno
import hashlib
from collections.abc import Mapping
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from ci_agent.errors import fail
from ci_agent.forge.github_failures import HttpStatusError, StorageError
from ci_agent.forge.github_reply import Reply

if TYPE_CHECKING:
    from ci_agent.forge.github_http import GitHubHttp

__all__ = ["CHUNK_SIZE", "Downloaded", "download"]

CHUNK_SIZE = 64 * 1024
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True)
class Downloaded:
    """A file on disk: its size and SHA-256 (hex)."""

    path: Path
    size: int
    sha256: str


def download(
    http: GitHubHttp,
    endpoint: str,
    dest: Path,
    *,
    digest: str | None = None,
    accept: str | None = None,
    **route: object,
) -> Downloaded:
    """Stream what ``endpoint`` redirects to into ``dest``; CA503 if ``digest`` differs.
    ``accept`` is sent to the API (a release asset's bytes need ``application/octet-stream``)."""
    url = http.url(endpoint, **route)
    part = dest.with_name(dest.name + ".part")

    def attempt() -> Reply:
        first = http.clients.fetch(url, accept)
        with closing(first):
            headers = {k.lower(): v for k, v in first.headers.items()}
            if first.status_code not in _REDIRECTS:
                if first.ok:  # a server that answers with the bytes itself
                    return Reply(headers, _save(first, part))
                raise HttpStatusError(first.status_code, headers, _message(first))
            location = urljoin(url, first.headers["location"])
        second = http.clients.fetch(location)
        with closing(second):
            if not second.ok:
                raise StorageError(f"the download URL answered {second.status_code}")
            return Reply(headers, _save(second, part))

    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        size, actual = http.send(endpoint, attempt).data
        if digest and digest.startswith("sha256:") and digest[7:].lower() != actual:
            raise fail("CA503", file=dest, expected=digest[7:].lower(), actual=actual)
        part.replace(dest)
    except OSError as exc:
        part.unlink(missing_ok=True)
        if exc.errno == errno.ENOSPC:
            raise fail("CA701", path=dest) from exc
        raise fail("CA205", path=dest, problem=exc.strerror or str(exc)) from exc
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return Downloaded(dest, size, actual)


def _save(response: Any, part: Path) -> tuple[int, str]:
    """Write the body to ``part`` chunk by chunk; (size, sha256 hex)."""
    digest, size = hashlib.sha256(), 0
    with part.open("wb") as out:
        for chunk in response.iter_content(CHUNK_SIZE):
            out.write(chunk)
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _message(response: Any) -> str:
    try:
        body: Mapping[str, Any] = response.json()
    except ValueError:
        return str(response.reason or "")
    return str(body.get("message") or response.reason or "")
