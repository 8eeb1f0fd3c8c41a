"""The streaming scanner: reads a log in blocks and shows extractors only the lines that matter.

A job log can be hundreds of megabytes of passing output, so no line is decoded unless it can
matter. Each block is searched for a few literal anchors (``re`` finds a literal with
``memchr``, at memory speed); only lines with a hit are cleaned and routed to the extractors
that asked for that anchor. The failing tool's own report sits just above an error marker
(``##[error]``, or the end of a log that has none): that *window* is searched with every
extractor's anchors. An extractor reading a section (a traceback, pytest's failures) is fed
every line until it lets go, or only the lines its ``sparse`` pattern finds, handed to it in
batches (``feed_lines``). The lines read are cleaned in batches too (``clean_lines``), and a
line whose extractors are idle and whose ``wake`` patterns it does not match is dropped before
any of them is called.

Blocks are processed one block behind the reading, so every window is known before its lines
are reached: memory stays at about two blocks, whatever the size of the log.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections import deque
from collections.abc import Sequence
from pathlib import Path

from ci_agent.triage.extractor import Anchor, Cursor, Extractor, Sink, Wake
from ci_agent.triage.finder import Literal, Pattern
from ci_agent.triage.groups import RunGroups
from ci_agent.triage.logs import BLOCK_SIZE, STAMP, Block, clean, clean_lines, read_blocks
from ci_agent.triage.skip import Skipper, default_skipper
from ci_agent.triage.steps import StepFile, Steps, tool_line

__all__ = ["DEFAULT_WINDOW", "Scanner"]

DEFAULT_WINDOW = 1 << 20
_MARKER = Literal(b"##[")
_MARKER_BIT = 1
_RunSet = tuple[tuple[Literal | Pattern, int], ...]
# The lines of a section are found and cleaned in batches that grow: a section that changes
# soon (pytest's summary ends at its rule) wastes little, a long one takes few batches.
_FIRST_BATCH = 16
_LAST_BATCH = 1024
_UNKNOWN = Wake(re.compile(""))  # a key not looked up yet


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
        steps: Sequence[StepFile] = (),
    ) -> None:
        self.extractors = tuple(extractors)
        self._skipper = skipper  # made on first need: most logs never skip a section
        self.sink = sink
        self.steps = Steps(steps)
        self.cursor = Cursor()
        self.window = window
        self._open: list[Extractor] = []
        self._routes: dict[int, tuple[Extractor, ...]] = {}
        self._wakes: dict[tuple[int, Extractor | None], Wake | None] = {}
        self._windows: deque[tuple[int, int]] = deque()
        self._last_run = 0
        self._any_error = False
        self._groups = RunGroups()
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
            starts = [
                at - block.offset
                for at in self.steps.offsets(block.offset, block.offset + block.end)
            ]
            self._plan(block, markers, size)
            if starts:  # a step file's first line is read as a marker is: the step starts there
                markers = sorted({*markers, *starts})
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
        groups = self._groups
        for start in markers:
            at = data.find(b"##[", start)
            offset = block.offset + start
            run = data.startswith(b"##[group]Run ", at)
            end = not run and data.startswith(b"##[endgroup]", at)
            error = not (run or end) and data.startswith(b"##[error]", at)
            if run or end or error or data.startswith(b"##[group]", at):  # not ##[debug] & co
                header = groups.marker(data, start, offset, run=run, end=end)
                if header is not None:  # a step starts there: no window reaches above it
                    self._last_run = header
            if error:
                self._any_error = True
                self._add_window(max(offset - self.window, self._last_run), offset + 1)
        groups.block_end(data, block.end)
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
        # Every line with a hit is read (an open section's range stops at the next one): they
        # are cleaned all at once.
        find = data.find
        stops = [stop if (stop := find(b"\n", line, end)) >= 0 else end for line in starts]
        texts = clean_lines(data, starts, stops)
        index, count, position = 0, len(starts), start
        while True:
            index = bisect.bisect_left(starts, position, index)
            if self._open:
                if position >= end:
                    break
                limit = starts[index] if index < count else end
                if position < limit:  # the section's lines up to the next hit
                    position = self._section(data, base, position, limit)
                    continue
            elif index >= count:
                break
            line, mask, text = starts[index], hits[starts[index]], texts[index]
            position = stops[index] + 1
            opened = self._open
            if mask & _MARKER_BIT:
                pass
            elif not opened:
                if self._asleep(mask, text):
                    continue
            elif len(opened) == 1 and self._asleep(mask, text, opened[0]):
                # The section open is the only one to read the line (pytest's summary: a
                # result a line): what _line would do, without its routing.
                if not self.steps.in_header:
                    self.cursor.at(data, base, line)
                    if not opened[0].feed(text, self.cursor, self.sink):
                        opened.clear()
                continue
            self._line(data, base, line, mask, text)

    def _asleep(self, mask: int, text: str, beside: Extractor | None = None) -> bool:
        """Whether no extractor the line is routed to (but ``beside``, the one section open,
        and those that stay out of its section) can act on it: each is idle, and its ``wake``
        pattern does not match."""
        key = (mask, beside)
        wake = self._wakes.get(key, _UNKNOWN)
        if wake is _UNKNOWN:
            claims = beside is not None and beside.claims
            routed = [e for e in self._route(mask) if e is not beside and not (claims and e.yields)]
            wake = self._wakes[key] = Wake.either([extractor.wake for extractor in routed])
        return wake is not None and not wake.matches(text)

    def _section(self, data: bytes, base: int, position: int, limit: int) -> int:
        """Feed the open sections the lines of ``data[position:limit]`` (no hit among them) they
        need; where to go on: ``limit``, or the line after one where the sections changed (an
        extractor let go or needs other lines)."""
        if self.steps.in_header:  # no line of a step's header is fed
            return limit
        opened = self._open
        pattern = opened[0].sparse if len(opened) == 1 else None
        if pattern is None:  # every line, or several sections: one line at a time
            line = self._next_needed(data, position, limit)
            if line >= limit:
                return limit
            stop = data.find(b"\n", line, limit)
            stop = stop if stop >= 0 else limit
            self._line(data, base, line, 0, clean(data[line:stop]))
            return stop + 1
        # One section that needs some lines only: they are found and cleaned in batches, and
        # read by the extractor in a row, without the general line's bookkeeping.
        extractor, cursor, sink = opened[0], self.cursor, self.sink
        found = (self._skipper or self._make_skipper()).lines(pattern, data, position, limit)
        find, batch = data.find, _FIRST_BATCH
        while starts := list(itertools.islice(found, batch)):
            stops = [stop if (stop := find(b"\n", line, limit)) >= 0 else limit for line in starts]
            lines = clean_lines(data, starts, stops)
            taken, reading = extractor.feed_lines(
                data, base, starts, lines, cursor=cursor, sink=sink
            )
            if not reading:
                opened.remove(extractor)
                return stops[taken - 1] + 1
            if taken < len(starts) or extractor.sparse is not pattern:
                return stops[taken - 1] + 1
            batch = min(batch * 2, _LAST_BATCH)
        return limit

    def _next_needed(self, data: bytes, position: int, limit: int) -> int:
        """The next line the open sections need (before ``limit``, the next hit): the next line,
        or, when every open extractor needs only some lines, the first of those."""
        patterns = [extractor.sparse for extractor in self._open]
        if None in patterns:
            return position
        skipper = self._skipper or self._make_skipper()
        return min(skipper.next_line(p, data, position, limit) for p in patterns if p is not None)

    def _make_skipper(self) -> Skipper:
        self._skipper = default_skipper()
        return self._skipper

    def _line(self, data: bytes, base: int, start: int, mask: int, text: str) -> None:
        cursor = self.cursor
        cursor.at(data, base, start)
        if mask & _MARKER_BIT:
            if self.steps.files and self.steps.boundary(cursor.offset):
                self._end_step()
            if text.startswith("##["):
                header = text.startswith("##[group]Run ") and self._groups.is_header(cursor.offset)
                if self.steps.marker(text, cursor, self.sink, header=header):
                    self._end_step()
                    return
                line = tool_line(text)
                if line is None:
                    return
                text = line  # a tool's line the runner marked: read as the tool printed it
            mask &= ~_MARKER_BIT  # (or a step file's first line that is no marker)
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
            wake = extractor.wake  # it reads no section: idle
            if wake is not None and not wake.matches(text):
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
