"""Job logs on disk: line-aligned blocks, and the clean text of one line.

GitHub serves a job log with a byte-order mark and prefixes every line with a timestamp
(``2026-11-21T10:00:00.1234567Z``); tools add ANSI colours and redraw progress bars with
carriage returns. :func:`clean` removes all of that from one line; only lines that can matter
are ever cleaned (see :mod:`ci_agent.triage.scan`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from ci_agent.record import Record, fill

__all__ = [
    "BLOCK_SIZE",
    "MAX_LINE",
    "STAMP",
    "Block",
    "clean",
    "clean_lines",
    "read_blocks",
    "sniff",
]

BLOCK_SIZE = 4 << 20
# A longer line is cut when cleaned: nothing an extractor reads is that long.
MAX_LINE = 8 << 10
_BOM = b"\xef\xbb\xbf"
STAMP = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z ?")
# CSI sequences (colours, cursor moves), OSC sequences (titles, links), charset designations
# such as ESC ( B (curses-style output: mypy), and other two-byte escapes.
_ANSI = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[()][0-9A-Za-z]|[@-Z\\-_])"
)
# The same over many lines joined by newlines: a stamp after each newline, and an unterminated
# OSC sequence that ends with its line (the only sequence that could run on past a newline).
_STAMPS = re.compile(b"\n" + STAMP.pattern)
# What STAMP matches on a line GitHub stamped (seven fractional digits and a space), with each
# digit read as 0: stamps in a row are checked with one translation and one comparison (a
# regular expression took 0.3 µs a line).
_STAMP_WIDTH = 29
_GITHUB_STAMP = b"0000-00-00T00:00:00.0000000Z "
_DIGITS_AS_ZERO = bytes(0x30 if 0x30 <= byte <= 0x39 else byte for byte in range(256))
# Control bytes other than tab, newline, carriage return and escape (each handled above):
# a NUL in a test id would make it another test, and none of them belongs on a terminal.
# (BEL ends an OSC sequence: it goes with the escapes, or at once on a line without one.)
_CONTROL = bytes([*range(0x07), 0x08, 0x0B, 0x0C, *range(0x0E, 0x1B), *range(0x1C, 0x20), 0x7F])
_CONTROL_BEL = _CONTROL + b"\x07"
_ANSI_LINES = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b\n]*(?:\x07|\x1b\\)?|[()][0-9A-Za-z]|[@-Z\\-_])"
)


class Block(Record):
    """Whole lines of a log: ``data[:end]`` starts at byte ``offset`` of the file."""

    __slots__ = FIELDS = ("offset", "data", "end")

    offset: int
    data: bytes
    end: int

    def __init__(self, offset: int, data: bytes, end: int) -> None:
        fill(self, offset, data, end)


def clean(raw: bytes) -> str:
    """The text a reader sees on one line: no timestamp, colours or overdrawn progress."""
    if raw.endswith(b"\r"):
        raw = raw[:-1]
    stamp = STAMP.match(raw)
    if stamp:
        raw = raw[stamp.end() :]
    if b"\r" in raw:  # a redraw: only the last segment stays on screen
        raw = raw[raw.rfind(b"\r") + 1 :]
    if len(raw) > MAX_LINE:
        raw = raw[:MAX_LINE]
    if b"\x1b" not in raw:
        return raw.translate(None, _CONTROL_BEL).decode("utf-8", "replace")
    text = raw.translate(None, _CONTROL).decode("utf-8", "replace")
    return _ANSI.sub("", text).replace("\x1b", "").replace("\x07", "")


def clean_lines(data: bytes, starts: Sequence[int], stops: Sequence[int]) -> list[str]:
    """:func:`clean` of each line ``data[start:stop]`` (no newline inside), all at once: one
    substitution and one decoding over the lines joined instead of four calls per line."""
    if not starts:
        return []
    # GitHub's stamps are 29 bytes: when every line starts with one, they are sliced off.
    heads = b"".join([data[start : start + _STAMP_WIDTH] for start in starts])
    stamped = heads.translate(_DIGITS_AS_ZERO) != _GITHUB_STAMP * len(starts)
    skip = 0 if stamped else _STAMP_WIDTH
    raws = [data[start + skip : stop] for start, stop in zip(starts, stops, strict=True)]
    joined = b"\n".join(raws)
    # Redraws and very long lines are rare: they are cleaned one by one, as clean() does.
    if b"\r" in joined or max(map(len, raws)) > MAX_LINE:
        return [clean(data[start:stop]) for start, stop in zip(starts, stops, strict=True)]
    if stamped:  # a newline in front so that the first line's stamp follows one as well
        joined = _STAMPS.sub(b"\n", b"\n" + joined)[1:]
    if b"\x1b" not in joined:
        return joined.translate(None, _CONTROL_BEL).decode("utf-8", "replace").split("\n")
    text = joined.translate(None, _CONTROL).decode("utf-8", "replace")
    return _ANSI_LINES.sub("", text).replace("\x1b", "").replace("\x07", "").split("\n")


def sniff(path: Path) -> str | None:
    """Why ``path`` is not a text log (binary, compressed), or None when it looks like one (a
    zip archive is a run-log archive (:mod:`ci_agent.triage.layouts`), a UTF-16 log is text
    (:mod:`ci_agent.triage.encodings`))."""
    with path.open("rb") as handle:
        head = handle.read(8192)
    if head.startswith(b"PK\x03\x04"):
        return None
    if head.startswith(b"\x1f\x8b"):
        return "it is gzip-compressed (decompress it first)"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 (PowerShell's redirection)
        return None
    # A stray NUL in a log's text is dropped as it is read; a binary file is full of them.
    if head.count(b"\x00") * 100 > len(head):
        return "it holds binary data (NUL bytes)"
    return None


def read_blocks(path: Path, size: int = BLOCK_SIZE) -> Iterator[Block]:
    """The file as blocks of whole lines, about ``size`` bytes each; a leading BOM is skipped.

    A block ends after its last newline; the partial line after it is read again as the start
    of the next block (a seek, not a copy). A line longer than a block makes its block longer.
    """
    with path.open("rb") as handle:
        offset = 3 if handle.read(3) == _BOM else 0
        handle.seek(offset)
        want = size
        while True:
            data = handle.read(want)
            if not data:
                return
            end = data.rfind(b"\n") + 1
            if end == 0:
                rest = handle.read(1)
                if rest:  # no newline yet: read a longer block from the same place
                    handle.seek(offset)
                    want *= 2
                    continue
                end = len(data)  # the last line has no newline
            yield Block(offset, data, end)
            offset += end
            if end < len(data):
                handle.seek(offset)
            want = size
