"""The streaming scanner: reads a log in blocks and shows extractors only the lines that matter.

A job log can be hundreds of megabytes of passing output, so no line is decoded unless it can
matter. Each block is searched for a few literal anchors (``re`` finds a literal with
``memchr``, at memory speed); only lines with a hit are cleaned and routed to the extractors
that asked for that anchor. The failing tool's own report sits just above an error marker
(``##[error]``, or the end of a log that has none): that *window* is searched with every
extractor's anchors. An extractor reading a section (a traceback, pytest's failures) is fed
every line until it lets go.

Blocks are processed one block behind the reading, so every window is known before its lines
are reached: memory stays at about two blocks, whatever the size of the log.
"""

from __future__ import annotations

import bisect
import re
from collections import deque
from collections.abc import Sequence
from pathlib import Path

from ci_agent.triage.extractor import Anchor, Cursor, Extractor, Sink
from ci_agent.triage.finder import Literal, Pattern
from ci_agent.triage.logs import BLOCK_SIZE, STAMP, Block, clean, read_blocks
from ci_agent.triage.skip import Skipper, default_skipper
from ci_agent.triage.steps import Steps

__all__ = ["DEFAULT_WINDOW", "Scanner"]

DEFAULT_WINDOW = 1 << 20
_MARKER = Literal(b"##[")
_MARKER_BIT = 1
_RunSet = tuple[tuple[Literal | Pattern, int], ...]


def _compile(anchors: dict[Anchor, int]) -> _RunSet:
    return tuple(
        (Pattern(anchor) if isinstance(anchor, re.Pattern) else Literal(anchor), mask)
        for anchor, mask in anchors.items()
    )


class Scanner:
    """Reads one log and routes its lines to the extractors; ``steps`` holds what it saw."""

    def __init__(
        self,
        extractors: Sequence[Extractor],
        sink: Sink,
        *,
        window: int = DEFAULT_WINDOW,
        skipper: Skipper | None = None,
    ) -> None:
        self.extractors = tuple(extractors)
        self._skipper = skipper  # made on first need: most logs never skip a section
        self.sink = sink
        self.steps = Steps()
        self.cursor = Cursor()
        self.window = window
        self._open: list[Extractor] = []
        self._routes: dict[int, tuple[Extractor, ...]] = {}
        self._windows: deque[tuple[int, int]] = deque()
        self._last_run = 0
        self._any_error = False
        skim: dict[Anchor, int] = {}
        dense: dict[Anchor, int] = {}
        for index, extractor in enumerate(self.extractors):
            bit = 2 << index
            for literal in extractor.skim:
                skim[literal] = skim.get(literal, 0) | bit
                dense[literal] = dense.get(literal, 0) | bit
            for anchor in extractor.dense:
                dense[anchor] = dense.get(anchor, 0) | bit
        self._skim = _compile(skim)
        self._dense = _compile(dense)

    def scan(self, path: Path, size: int, block_size: int = BLOCK_SIZE) -> None:
        """Read the log at ``path`` (``size`` bytes) to the end, ``block_size`` bytes at a time
        (at least the window, so that a window reaches back one block at most)."""
        pending: tuple[Block, list[int]] | None = None
        last: Block | None = None
        for block in read_blocks(path, max(block_size, self.window)):
            markers = self._markers(block)
            self._plan(block, markers, size)
            if pending is not None:
                self._process(*pending)
            pending, last = (block, markers), block
        if pending is not None:
            self._process(*pending)
        self._finish(last)

    # --- planning: markers and windows, one block ahead ---

    def _markers(self, block: Block) -> list[int]:
        """Starts of the lines that begin (after the timestamp) with a runner marker."""
        data, found = block.data, []
        for at in _MARKER.positions(data, 0, block.end):
            start = data.rfind(b"\n", 0, at) + 1
            if at == start or STAMP.fullmatch(data, start, at):
                found.append(start)
        return found

    def _plan(self, block: Block, markers: list[int], size: int) -> None:
        data = block.data
        for start in markers:
            at = data.find(b"##[", start)
            offset = block.offset + start
            if data.startswith(b"##[group]Run ", at):
                self._last_run = offset
            elif data.startswith(b"##[error]", at):
                self._any_error = True
                self._add_window(max(offset - self.window, self._last_run), offset + 1)
        if block.offset + block.end >= size and not self._any_error:
            self._add_window(max(0, size - self.window), size)

    def _add_window(self, start: int, end: int) -> None:
        if self._windows and start <= self._windows[-1][1]:
            self._windows[-1] = (self._windows[-1][0], max(end, self._windows[-1][1]))
        else:
            self._windows.append((start, end))

    # --- processing ---

    def _process(self, block: Block, markers: list[int]) -> None:
        data, base, end = block.data, block.offset, block.end
        position = 0
        while self._windows and self._windows[0][0] < base + end:
            first, last = self._windows[0]
            start = max(first - base, 0)
            start = data.rfind(b"\n", 0, start) + 1 if start else 0
            stop = min(max(last - base, 0), end)
            stop = data.find(b"\n", stop, end) + 1 or end
            if start > position:
                self._run(data, base, position, start, anchors=self._skim, markers=markers)
            self._run(data, base, max(start, position), stop, anchors=self._dense, markers=markers)
            position = max(position, stop)
            if last > base + end:
                break
            self._windows.popleft()
        if position < end:
            self._run(data, base, position, end, anchors=self._skim, markers=markers)
        self.cursor.next_block(data, end)

    def _run(
        self,
        data: bytes,
        base: int,
        start: int,
        end: int,
        *,
        anchors: _RunSet,
        markers: list[int],
    ) -> None:
        """Process lines ``data[start:end]``: those with a hit, and all while a section is open."""
        hits = dict.fromkeys(
            markers[bisect.bisect_left(markers, start) : bisect.bisect_left(markers, end)],
            _MARKER_BIT,
        )
        counts: dict[int, int] = {}
        for anchor, mask in anchors:
            for at in anchor.positions(data, start, end, counts):
                line = data.rfind(b"\n", start, at) + 1 or start
                hits[line] = hits.get(line, 0) | mask
        starts = sorted(hits)
        index, count, position = 0, len(starts), start
        while True:
            if self._open:
                if position >= end:
                    break
                line = self._next_needed(data, position, end, starts, index)
                if line >= end:
                    break
                mask = hits.get(line, 0)
            else:
                index = bisect.bisect_left(starts, position, index)
                if index >= count:
                    break
                line = starts[index]
                mask = hits[line]
            stop = data.find(b"\n", line, end)
            if stop < 0:
                stop = end
            self._line(data, base, line, stop, mask)
            position = stop + 1

    def _next_needed(
        self, data: bytes, position: int, end: int, starts: list[int], index: int
    ) -> int:
        """The next line an open section needs: the next line, or, when every open extractor
        needs only some lines, the next of those or of the anchors' hits (the rest is skipped
        by the skipper, without a Python step per line)."""
        if len(self._open) == 1:  # the usual case, without the general one's lists
            pattern = self._open[0].sparse
            if pattern is None:
                return position
            index = bisect.bisect_left(starts, position, index)
            limit = starts[index] if index < len(starts) else end
            return (self._skipper or self._make_skipper()).next_line(pattern, data, position, limit)
        patterns = [extractor.sparse for extractor in self._open]
        if None in patterns:
            return position
        index = bisect.bisect_left(starts, position, index)
        limit = starts[index] if index < len(starts) else end
        skipper = self._skipper or self._make_skipper()
        return min(skipper.next_line(p, data, position, limit) for p in patterns if p is not None)

    def _make_skipper(self) -> Skipper:
        self._skipper = default_skipper()
        return self._skipper

    def _line(self, data: bytes, base: int, start: int, stop: int, mask: int) -> None:
        cursor = self.cursor
        cursor.at(data, base, start)
        text = clean(data[start:stop])
        if mask & _MARKER_BIT:
            if self.steps.marker(text, cursor, self.sink):
                self._end_step()
            return
        if self.steps.in_header:
            return
        fed = tuple(self._open)
        claimed = False
        for extractor in fed:
            claimed = claimed or extractor.claims
            if not extractor.feed(text, cursor, self.sink):
                self._open.remove(extractor)
        if not mask:
            return
        for extractor in self._route(mask):
            if extractor in fed or (claimed and extractor.yields):
                continue
            if extractor.feed(text, cursor, self.sink):
                self._open.append(extractor)

    def _route(self, mask: int) -> tuple[Extractor, ...]:
        route = self._routes.get(mask)
        if route is None:
            route = tuple(e for i, e in enumerate(self.extractors) if mask & (2 << i))
            self._routes[mask] = route
        return route

    def _end_step(self) -> None:
        for extractor in self.extractors:
            extractor.flush(self.sink)
        self._open.clear()
        self.cursor.step = self.steps.current.number

    def _finish(self, last: Block | None) -> None:
        if last is not None:
            self.cursor.at(last.data, last.offset, last.end)
        for extractor in self.extractors:
            extractor.flush(self.sink)
        self._open.clear()
        self.steps.finish(self.cursor)
