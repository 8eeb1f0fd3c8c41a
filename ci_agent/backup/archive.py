"""Writing the archive: a deterministic tar.gz, written atomically (reading: :mod:`.scan`).

Determinism: members sorted by name, regular files only, mode 0644, uid/gid 0, no user or
group names, every mtime the backup's ``created_at``; gzip with header mtime 0 and no file
name. The same files and ``created_at`` give the same bytes (with the same zlib).

Streaming both ways: bytes go source file → tar → gzip → SHA-256 → disk in 1 MiB pieces and
are never held whole in memory. Writing goes to a temporary file beside the target that is
fsynced and renamed, so a failure (a full disk, Ctrl-C) leaves no partial archive.
"""

from __future__ import annotations

import contextlib
import errno
import gzip
import hashlib
import tarfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from ci_agent.atomic import replace_atomically
from ci_agent.backup.manifest import FileEntry
from ci_agent.errors import fail

__all__ = [
    "CHUNK",
    "GZIP_MAGIC",
    "digest_file",
    "disk_errors",
    "gzip_header",
    "write_archive",
]

CHUNK = 1 << 20
GZIP_MAGIC = b"\x1f\x8b"
Progress = Callable[[int], None]


class _HashingWriter:
    """A write-only file that hashes what passes through it."""

    mode = "wb"

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.sha = hashlib.sha256()

    def write(self, data: bytes) -> int:
        """Hash and write ``data``."""
        self.sha.update(data)
        return self.raw.write(data)

    def flush(self) -> None:
        """Flush the underlying file."""
        self.raw.flush()


class _Counting:
    """A source file that reports each piece read to ``progress``."""

    def __init__(self, raw: BinaryIO, progress: Progress | None) -> None:
        self.raw = raw
        self.progress = progress

    def read(self, size: int = -1) -> bytes:
        """Read and report."""
        data = self.raw.read(size)
        if self.progress is not None and data:
            self.progress(len(data))
        return data


@contextlib.contextmanager
def disk_errors(path: Path) -> Iterator[None]:
    """Turn an OSError while writing under ``path`` into CA701 (disk full) or CA205."""
    try:
        yield
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise fail("CA701", path=path) from exc
        problem = exc.strerror or str(exc)
        raise fail("CA205", path=exc.filename or path, problem=problem) from exc


def digest_file(path: Path) -> FileEntry:
    """SHA-256 and size of a file, streamed."""
    with path.open("rb") as handle:
        sha = hashlib.file_digest(handle, "sha256")
        size = handle.tell()
    return FileEntry(sha256=sha.hexdigest(), size=size)


def gzip_header(level: int) -> bytes:
    """The 10 header bytes ``write_archive`` produces: deflate, no flags, mtime 0, XFL by
    level as Python's gzip sets it, OS 255 (unknown)."""
    xfl = 2 if level == 9 else 4 if level == 1 else 0
    return GZIP_MAGIC + bytes([8, 0, 0, 0, 0, 0, xfl, 255])


def write_archive(
    dest: Path,
    members: Sequence[tuple[str, Path]],
    *,
    mtime: int,
    level: int,
    progress: Progress | None = None,
    tmp_dir: Path | None = None,
) -> str:
    """Write ``(name, file)`` members as a deterministic tar.gz at ``dest``; its SHA-256 (hex)."""
    with replace_atomically(dest, tmp_dir) as raw:
        sink = _HashingWriter(raw)
        with (
            gzip.GzipFile(filename="", mode="wb", compresslevel=level, fileobj=sink, mtime=0) as gz,
            tarfile.TarFile(
                fileobj=gz, mode="w", format=tarfile.PAX_FORMAT, copybufsize=CHUNK
            ) as tar,
        ):
            for name, path in sorted(members):
                info = tarfile.TarInfo(name)
                info.size, info.mtime, info.mode = path.stat().st_size, mtime, 0o644
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                with path.open("rb") as source:
                    tar.addfile(info, _Counting(source, progress))
    return sink.sha.hexdigest()
