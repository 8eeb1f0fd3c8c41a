"""Logs in another encoding or with other line endings, rewritten for reading: UTF-16 (PowerShell
5 redirects a command's output so) as UTF-8, and a log whose lines end with a carriage return
alone (read as it is, it would be one line, redrawn) with newlines. Each is streamed into a
temporary file, a block at a time."""

from __future__ import annotations

from pathlib import Path

from ci_agent.triage.layouts import CHUNK, scratch_file

__all__ = ["cr_lines", "is_cr_only", "is_utf16", "utf8_copy"]


def is_utf16(path: Path) -> bool:
    """Whether the log is UTF-16 text (its byte-order mark says so): PowerShell 5 redirects a
    command's output so."""
    with path.open("rb") as handle:
        return handle.read(2) in (b"\xff\xfe", b"\xfe\xff")


def utf8_copy(path: Path, temp: Path, name: str) -> Path:
    """The UTF-16 log at ``path`` as UTF-8, written under ``temp`` (decoded as it streams)."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-16")(errors="replace")
    target = scratch_file(temp, name, 0)
    with path.open("rb") as source, target.open("wb") as out:
        while chunk := source.read(CHUNK):
            out.write(decoder.decode(chunk).encode("utf-8"))
        out.write(decoder.decode(b"", final=True).encode("utf-8"))
    return target


def is_cr_only(path: Path) -> bool:
    """Whether the log's lines end with a carriage return alone (its first 64 KiB hold carriage
    returns and no newline): read as it is, it would be one line, redrawn."""
    with path.open("rb") as handle:
        head = handle.read(64 << 10)
    return b"\r" in head and b"\n" not in head


def cr_lines(path: Path, temp: Path, name: str) -> Path:
    """The log at ``path`` with each carriage return made a newline, written under ``temp``."""
    target = scratch_file(temp, name, 0)
    with path.open("rb") as source, target.open("wb") as out:
        while chunk := source.read(CHUNK):
            out.write(chunk.replace(b"\r", b"\n"))
    return target
