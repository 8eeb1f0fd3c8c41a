"""Atomic file writes: a reader sees the old file or the whole new one, never a part.

One implementation for every file ci-agent writes (backup archives and records, fix bundles,
report artifacts, files written by ``init``): a temporary file beside the destination, fsynced,
renamed onto it only if writing succeeded, and removed otherwise.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

__all__ = ["replace_atomically", "write_bytes_atomically"]


def _fsync_directory(path: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform or filesystem can
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def replace_atomically(
    dest: Path, tmp_dir: Path | None = None, *, keep_mode: bool = False
) -> Iterator[BinaryIO]:
    """A temporary file beside ``dest`` (or in ``tmp_dir``, on the same filesystem); fsynced and
    renamed onto ``dest`` only if the block succeeds.

    The new file gets 0666 less the umask, as any new file; with ``keep_mode`` an existing
    file's mode is kept.
    """
    mode = dest.stat().st_mode & 0o777 if keep_mode and dest.exists() else None
    tmp = (tmp_dir or dest.parent) / f".{dest.name}.{secrets.token_hex(6)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            tmp.chmod(mode)
        tmp.replace(dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_directory(dest.parent)


def write_bytes_atomically(dest: Path, data: bytes, *, keep_mode: bool = False) -> None:
    """Write a small file atomically (creating its directory)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with replace_atomically(dest, keep_mode=keep_mode) as handle:
        handle.write(data)
