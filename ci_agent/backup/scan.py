"""Reading an archive as one checked stream: every byte hashed on the way, members handed
over in order, anything ci-agent never writes refused before a byte of it is used.

A flipped bit anywhere is caught: inside the deflate stream by gzip's CRC-32 and length
(the stream is always read to its end, tar padding included), in the gzip header by
comparing it with the one ci-agent writes, and everywhere by the archive's SHA-256 when its
``.sha256`` or the artifact digest is known. The one place only that SHA-256 sees: the few
padding bits after the deflate stream's last code (in the byte before the 8-byte trailer),
which inflate ignores.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import re
import tarfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

from ci_agent.backup.archive import CHUNK, GZIP_MAGIC
from ci_agent.backup.manifest import MANIFEST
from ci_agent.errors import CiAgentError, fail

__all__ = ["MAX_MANIFEST", "MAX_PADDING", "Member", "Scan", "read_manifest_bytes", "scan_archive"]

MAX_MANIFEST = 64 << 20  # a manifest with a million refs stays well below this
# tar ends with two zero blocks padded to its 10 KiB record: more zeros than this are not ours.
MAX_PADDING = 1 << 20
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]*(?:/[A-Za-z0-9_][A-Za-z0-9._-]*)*$")
Progress = Callable[[int], None]


class _HashingReader:
    """A read-only file that hashes and counts what is read from it."""

    mode = "rb"

    def __init__(self, raw: BinaryIO, progress: Progress | None) -> None:
        self.raw = raw
        self.sha = hashlib.sha256()
        self.size = 0
        self.progress = progress

    def read(self, size: int = -1) -> bytes:
        """Read, hash and count."""
        data = self.raw.read(size)
        self.sha.update(data)
        self.size += len(data)
        if self.progress is not None and data:
            self.progress(len(data))
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        """Refuse: the hash would no longer be of the file in order."""
        raise io.UnsupportedOperation("a hashing reader cannot seek")

    def drain(self) -> None:
        """Hash whatever was not read yet."""
        while self.read(CHUNK):
            pass


@dataclass(frozen=True)
class Member:
    """A member as it is read: name, size, and a stream of its bytes."""

    name: str
    size: int
    stream: IO[bytes]


@dataclass
class Scan:
    """What reading a whole archive found: its SHA-256 and size, and a format error if any."""

    sha256: str
    size: int
    error: CiAgentError | None = None
    header: bytes = b""  # the gzip header's first 10 bytes


def _check_member(info: tarfile.TarInfo, file: str, seen: set[str]) -> None:
    """Refuse what ci-agent never writes: links, devices, directories, unsafe or repeated paths."""
    name = info.name
    if name.startswith(("/", "\\")):
        raise fail("CA522", file=file, member=name, problem="an absolute path")
    if ".." in name.split("/"):
        raise fail("CA522", file=file, member=name, problem="a path that leaves the directory")
    if info.issym() or info.islnk():
        raise fail("CA522", file=file, member=name, problem=f"a link to '{info.linkname}'")
    if not info.isreg():
        raise fail("CA522", file=file, member=name, problem="not a regular file")
    if not _SAFE_NAME.match(name):
        raise fail("CA522", file=file, member=name, problem="an unexpected file name")
    if name in seen:
        raise fail("CA522", file=file, member=name, problem="a second member of that name")
    seen.add(name)


def scan_archive(
    path: Path, visit: Callable[[Member], None], progress: Progress | None = None
) -> Scan:
    """Read every member in order, hashing the archive on the way; format errors are returned.

    A member that is unsafe raises CA522 at once (nothing of it is handed to ``visit``);
    bytes after the end of the tar stream are an error, so nothing can hide there.
    """
    file = path.name
    with path.open("rb") as raw:
        reader = _HashingReader(raw, progress)
        error: CiAgentError | None = None
        header = raw.read(10)
        raw.seek(0)
        try:
            if header[:2] != GZIP_MAGIC:
                raise fail("CA521", file=file, problem="it is not gzip-compressed")
            with (
                gzip.GzipFile(fileobj=reader, mode="rb") as gz,
                tarfile.open(fileobj=gz, mode="r|") as tar,
            ):
                seen: set[str] = set()
                for info in tar:
                    _check_member(info, file, seen)
                    stream = tar.extractfile(info)
                    if stream is None:  # pragma: no cover - regular files always have one
                        raise fail("CA522", file=file, member=info.name, problem="no data")
                    visit(Member(info.name, info.size, stream))
                padding = 0
                while chunk := gz.read(CHUNK):  # the tar end blocks, then the gzip trailer
                    padding += len(chunk)
                    if chunk.strip(b"\0") or padding > MAX_PADDING:
                        problem = "data after the end of the tar archive"
                        raise fail("CA523", file=file, problem=problem)
        except CiAgentError as exc:
            if exc.code not in ("CA521", "CA522", "CA523", "CA526"):
                raise
            error = exc
        except (tarfile.TarError, gzip.BadGzipFile, EOFError, zlib.error) as exc:
            error = fail("CA523", file=file, problem=f"the archive is damaged: {exc}")
        reader.drain()
    return Scan(reader.sha.hexdigest(), reader.size, error, header)


def read_manifest_bytes(path: Path) -> bytes:
    """The first member, which must be MANIFEST.json, read without going through the rest."""
    file = path.name
    try:
        with (
            path.open("rb") as raw,
            gzip.GzipFile(fileobj=raw, mode="rb") as gz,
            tarfile.open(fileobj=gz, mode="r|") as tar,
        ):
            info = tar.next()
            if info is None or info.name != MANIFEST:
                raise fail("CA521", file=file, problem="its first member is not MANIFEST.json")
            _check_member(info, file, set())
            if info.size > MAX_MANIFEST:
                raise fail("CA523", file=file, problem="MANIFEST.json is implausibly large")
            stream = tar.extractfile(info)
            data = stream.read() if stream is not None else b""
    except (tarfile.TarError, gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise fail("CA521", file=file, problem=f"not a readable tar.gz ({exc})") from None
    if len(data) != info.size:
        raise fail("CA523", file=file, problem="MANIFEST.json is cut short")
    return data
