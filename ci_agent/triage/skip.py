"""Skipping the lines an open section does not need: the next line that holds a match.

While pytest's extractor reads tens of thousands of FAILURES sections it needs a few lines of
each (headline, ``E`` line, location); the rest is skipped by searching for the next line that
matches its ``sparse`` pattern. ``re`` tries every branch of such an alternation at every byte
(about 15 ns a byte); Hyperscan (the ``hyperscan`` package, a compiled multi-pattern matcher)
scans a range once at memory speed and reports every match, so the following searches in that
range are a lookup. Both give the same line: the first in the range with a match (patterns never
span a newline, and ranges start and end at line boundaries). Without the package, ``re`` does it.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterator
from typing import Any, Protocol

__all__ = ["HyperscanSkipper", "ReSkipper", "Skipper", "default_skipper"]


class Skipper(Protocol):
    """Finds the next line of a block that holds a match of a pattern."""

    def next_line(self, pattern: re.Pattern[bytes], data: bytes, position: int, limit: int) -> int:
        """The start of the first line of ``data[position:limit]`` with a match (``position``
        and ``limit`` are line starts), or ``limit`` when there is none."""

    def lines(
        self, pattern: re.Pattern[bytes], data: bytes, position: int, limit: int
    ) -> Iterator[int]:
        """The starts of the lines of ``data[position:limit]`` with a match, in order, found as
        they are asked for: the lines ``next_line`` gives one after the other."""


def _line_starts(
    data: bytes, position: int, offsets: Iterator[int], limit: int = -1
) -> Iterator[int]:
    """The line start of each offset (from ``position`` on, in order; up to ``limit``), once."""
    last = -1
    rfind = data.rfind
    for offset in offsets:
        if offset > limit >= 0:
            return
        line = rfind(b"\n", position, offset) + 1 or position
        if line != last:
            yield line
            last = line


# Chunks grow as the scanner's batches do: a search that stops after a few lines (a section
# that changes soon) works out few more.
_FIRST_CHUNK = 16
_LAST_CHUNK = 1024


def _chunked_starts(
    data: bytes, position: int, ends: list[int], first: int, last: int
) -> Iterator[list[int]]:
    """The line starts of ``ends[first:last]`` (match ends from ``position`` on, in order),
    once each, in lists of growing size."""
    rfind = data.rfind
    previous = -1
    at, size = first, _FIRST_CHUNK
    while at < last:
        chunk = ends[at : min(at + size, last)]
        at, size = at + size, min(size * 2, _LAST_CHUNK)
        starts = list(dict.fromkeys([rfind(b"\n", position, end) + 1 or position for end in chunk]))
        if starts[0] == previous:  # the line of the last chunk's last match
            del starts[0]
        if starts:
            previous = starts[-1]
            yield starts


class ReSkipper:
    """The pure-Python skipper: one ``re`` search per call."""

    def next_line(self, pattern: re.Pattern[bytes], data: bytes, position: int, limit: int) -> int:
        """The start of the first line of ``data[position:limit]`` with a match, or ``limit``."""
        match = pattern.search(data, position, limit)
        if match is None:
            return limit
        return data.rfind(b"\n", position, match.start()) + 1 or position

    def lines(
        self, pattern: re.Pattern[bytes], data: bytes, position: int, limit: int
    ) -> Iterator[int]:
        """The starts of the lines of ``data[position:limit]`` with a match, in order."""
        # finditer searches on only as far as the lines are taken.
        matches = pattern.finditer(data, position, limit)
        return _line_starts(data, position, (match.start() for match in matches))


class HyperscanSkipper:
    """The compiled skipper: a range is scanned once per pattern, the searches in it looked up;
    a range of under ``small`` bytes is searched by ``re`` (pytest's summary: a result a line)."""

    small = 1024

    def __init__(self, hyperscan: Any) -> None:
        self._hs = hyperscan
        self._databases: dict[re.Pattern[bytes], tuple[Any, Any] | None] = {}
        # The last range scanned for each pattern: (data, start, stop, match end offsets).
        self._scanned: dict[re.Pattern[bytes], tuple[bytes, int, int, list[int]]] = {}
        self._fallback = ReSkipper()

    def next_line(self, pattern: re.Pattern[bytes], data: bytes, position: int, limit: int) -> int:
        """The start of the first line of ``data[position:limit]`` with a match, or ``limit``."""
        if limit - position < self.small:  # a call costs more than re's search of a few lines
            return self._fallback.next_line(pattern, data, position, limit)
        ends = self._ends(pattern, data, position, limit)
        if ends is None:
            return self._fallback.next_line(pattern, data, position, limit)
        # A match ends after ``position`` iff it lies in the range: none spans a line start.
        index = bisect.bisect_right(ends, position)
        if index == len(ends) or ends[index] > limit:
            return limit
        return data.rfind(b"\n", position, ends[index]) + 1 or position

    def lines(
        self, pattern: re.Pattern[bytes], data: bytes, position: int, limit: int
    ) -> Iterator[int]:
        """The starts of the lines of ``data[position:limit]`` with a match, in order."""
        if limit - position < self.small:
            return self._fallback.lines(pattern, data, position, limit)
        ends = self._ends(pattern, data, position, limit)
        if ends is None:
            return self._fallback.lines(pattern, data, position, limit)
        first = bisect.bisect_right(ends, position)
        last = bisect.bisect_right(ends, limit, first)
        # The lines are worked out a chunk at a time, each in one comprehension: the scanner
        # takes them in batches, and a generator step per line cost more than the line.
        return itertools.chain.from_iterable(_chunked_starts(data, position, ends, first, last))

    def _ends(
        self, pattern: re.Pattern[bytes], data: bytes, position: int, limit: int
    ) -> list[int] | None:
        """The match ends of a scan that covers the range (the last one, or a new one); None
        when Hyperscan does not take the pattern."""
        scanned = self._scanned.get(pattern)
        if (
            scanned is None
            or scanned[0] is not data
            or not scanned[1] <= position <= limit <= scanned[2]
        ):
            database = self._database(pattern)
            if database is None:  # a pattern Hyperscan does not take
                return None
            scanned = (data, position, limit, self._scan(database, data, position, limit))
            self._scanned[pattern] = scanned
        return scanned[3]

    def _scan(self, database: tuple[Any, Any], data: bytes, start: int, stop: int) -> list[int]:
        """End offsets (in ``data``) of the matches in ``data[start:stop]``, in order."""
        ends: list[int] = []
        add = ends.append

        def on_match(_id: int, _from: int, to: int, _flags: int, _context: object) -> None:
            add(start + to)

        db, scratch = database
        db.scan(memoryview(data)[start:stop], match_event_handler=on_match, scratch=scratch)
        # Several expressions may end at one offset, not always in order of the offset.
        return sorted(set(ends)) if len(ends) > 1 else ends

    def _database(self, pattern: re.Pattern[bytes]) -> tuple[Any, Any] | None:
        if pattern in self._databases:
            return self._databases[pattern]
        hs = self._hs
        compiled: tuple[Any, Any] | None = None
        if pattern.flags == 0:  # IGNORECASE, MULTILINE...: left to re
            try:
                db = hs.Database(mode=hs.HS_MODE_BLOCK)
                db.compile(expressions=[pattern.pattern], ids=[0], elements=1, flags=[0])
                compiled = (db, hs.Scratch(db))
            except hs.HyperscanError:
                compiled = None
        self._databases[pattern] = compiled
        return compiled


def default_skipper() -> Skipper:
    """Hyperscan's skipper when the package is installed, else ``re``'s (the same lines)."""
    try:
        import hyperscan  # type: ignore[import-not-found, unused-ignore]  # optional at run time
    except ImportError:
        return ReSkipper()
    return HyperscanSkipper(hyperscan)
