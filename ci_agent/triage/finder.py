"""Finding a literal in a block at memory speed.

``bytes.find`` of a single byte is ``memchr`` (tens of GB/s); ``re`` and ``bytes.find`` of
longer needles compare byte by byte (a few GB/s). So a literal is found by looking for its
rarest byte with ``memchr`` and checking the whole literal there. Which byte is rarest is
measured on the first 64 KiB of each range; when it still turns out to be frequent, the rest
of the range is left to ``re``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["Literal", "Pattern"]

_SAMPLE = 64 << 10
# A hit of the rare byte costs a Python loop turn; past one per this many bytes, re is faster.
_BYTES_PER_HIT = 512


class Literal:
    """A literal byte string and where it occurs."""

    def __init__(self, literal: bytes) -> None:
        self.literal = literal
        first = {byte: literal.index(byte) for byte in reversed(literal)}
        self._pivots = tuple(sorted(first.values()))
        # Compiled when a range first proves too dense for memchr: the scanner makes about a
        # hundred literals at every start, and most runs never need their patterns.
        self._pattern: re.Pattern[bytes] | None = None

    def _pivot(self, data: bytes, start: int, end: int, counts: dict[int, int]) -> int:
        """The position in the literal of its byte that is rarest in a sample of the range
        (``counts``: the sample's byte counts found so far, shared by the literals searched in
        the same range: a hundred literals share a few dozen bytes)."""
        if len(self._pivots) == 1:
            return self._pivots[0]
        stop = min(end, start + _SAMPLE)
        literal = self.literal

        def count(index: int) -> int:
            byte = literal[index]
            found = counts.get(byte)
            if found is None:
                found = counts[byte] = data.count(literal[index : index + 1], start, stop)
            return found

        return min(self._pivots, key=count)

    def _compile(self) -> re.Pattern[bytes]:
        self._pattern = re.compile(re.escape(self.literal))
        return self._pattern

    def positions(
        self, data: bytes, start: int, end: int, counts: dict[int, int] | None = None
    ) -> Iterator[int]:
        """Start offsets of the literal within ``data[start:end]``, in order (``counts``: byte
        counts of the range's sample, shared between literals searched in the same range)."""
        literal = self.literal
        pivot = self._pivot(data, start, end, {} if counts is None else counts)
        byte = literal[pivot : pivot + 1]
        budget = (end - start) // _BYTES_PER_HIT
        stop = end - len(literal) + pivot + 1
        found = data.find(byte, start + pivot, stop)
        while found >= 0:
            at = found - pivot
            if data.startswith(literal, at):
                yield at
            budget -= 1
            if budget < 0:
                pattern = self._pattern or self._compile()
                yield from (m.start() for m in pattern.finditer(data, at + 1, end))
                return
            found = data.find(byte, found + 1, stop)


class Pattern:
    """A regular expression and where it matches."""

    def __init__(self, pattern: re.Pattern[bytes]) -> None:
        self._pattern = pattern

    def positions(
        self, data: bytes, start: int, end: int, counts: dict[int, int] | None = None
    ) -> Iterator[int]:
        """Start offsets of the matches within ``data[start:end]``, in order (``counts`` is
        for literals)."""
        return (match.start() for match in self._pattern.finditer(data, start, end))
