"""The extractor interface: what an extractor is fed (a clean line and a :class:`Cursor`) and
where it puts what it finds (a :class:`Sink`)."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Sequence
from typing import Protocol

from ci_agent.record import Record, fill, replace
from ci_agent.triage.logs import clean
from ci_agent.triage.model import Failure, Kind, Location
from ci_agent.triage.paths import is_library, relative

__all__ = [
    "CONTEXT_KEPT",
    "GENERIC_TOOL",
    "MAX_FAILURES",
    "Anchor",
    "BaseExtractor",
    "Clip",
    "Cursor",
    "Extractor",
    "LazyPattern",
    "Sink",
    "Wake",
]

# Failures kept per log: far more than any real suite fails (64,207 tests run, 2,598 failing),
# a bound on memory only for a log that is nothing but failures. Past it failures are counted,
# and the report says how many were found and how many are listed.
MAX_FAILURES = 100_000
# Failures per log that keep their excerpt lines; later ones keep their message, id and
# location. The excerpt shows the first failures within its token budget, far fewer than this.
CONTEXT_KEPT = 200
# Frames remembered by the sink: a real suite's failures share a few hundred.
_FRAMES_KEPT = 4096
# How far back a look-behind may reach into the previous block.
_PREVIOUS_TAIL = 64 << 10

# The tool name of failures found by words alone (network, OOM), not by a tool's format.
GENERIC_TOOL = "log"
# Characters kept of one excerpt line.
_LINE_CHARS = 400

Anchor = bytes | re.Pattern[bytes]


class Clip:
    """The lines of a section, bounded: its first ``head`` and its last ``tail`` lines."""

    def __init__(self, head: int = 25, tail: int = 15) -> None:
        self._head: list[str] = []
        self._tail: deque[str] = deque(maxlen=tail)
        self._size = head
        self._skipped = 0

    def add(self, line: str) -> None:
        """Keep ``line`` (cut to a sensible width) if it is among the first or the last."""
        line = line[:_LINE_CHARS]
        if len(self._head) < self._size:
            self._head.append(line)
            return
        if len(self._tail) == self._tail.maxlen:
            self._skipped += 1
        self._tail.append(line)

    def lines(self) -> tuple[str, ...]:
        """The kept lines, with a note where some were left out."""
        gap = [f"... ({self._skipped} lines omitted)"] if self._skipped else []
        return (*self._head, *gap, *self._tail)


class LazyPattern:
    """A regular expression compiled on its first ``match`` or ``search``, for the extractors
    of tools most logs never show: compiling their patterns at every start cost milliseconds."""

    def __init__(self, source: str, flags: int = 0) -> None:
        self.source = source
        self.flags = flags
        # Replaced by the compiled pattern's own methods on first use: later calls cost nothing.
        self.match: Callable[[str], re.Match[str] | None] = self._first_match
        self.search: Callable[[str], re.Match[str] | None] = self._first_search

    def compiled(self) -> re.Pattern[str]:
        """The pattern, compiled (once: later calls get ``re``'s cached object)."""
        pattern = re.compile(self.source, self.flags)
        self.match = pattern.match
        self.search = pattern.search
        return pattern

    def _first_match(self, text: str) -> re.Match[str] | None:
        return self.compiled().match(text)

    def _first_search(self, text: str) -> re.Match[str] | None:
        return self.compiled().search(text)


class Wake(Record):
    """What a line must hold for an idle extractor to act on it: a match of ``start`` at its
    start, or one of the ``anywhere`` literals anywhere in it (found by ``in``: a search for
    an alternation tries every branch at every character)."""

    __slots__ = FIELDS = ("start", "anywhere")

    start: re.Pattern[str] | None
    anywhere: tuple[str, ...]

    def __init__(
        self, start: re.Pattern[str] | None = None, anywhere: tuple[str, ...] = ()
    ) -> None:
        fill(self, start, anywhere)

    def matches(self, text: str) -> bool:
        """Whether ``text`` holds what it takes."""
        if self.start is not None and self.start.match(text):
            return True
        for literal in self.anywhere:  # noqa: SIM110  (a loop: cheaper than any() over a few)
            if literal in text:
                return True
        return False

    @staticmethod
    def either(wakes: Sequence[Wake | None]) -> Wake | None:
        """A wake that matches where any of ``wakes`` does; None when one of them is None (any
        line may matter to it) or their start patterns' flags differ."""
        known = [wake for wake in wakes if wake is not None]
        starts = [wake.start for wake in known if wake.start is not None]
        if len(known) < len(wakes) or len({start.flags for start in starts}) > 1:
            return None
        either = "|".join(f"(?:{start.pattern})" for start in starts)
        anywhere = tuple(dict.fromkeys(literal for wake in known for literal in wake.anywhere))
        return Wake(re.compile(either, starts[0].flags) if starts else None, anywhere)


class Cursor:
    """Where the line being read is (byte offset, step number) and a look at the lines above."""

    __slots__ = ("_base", "_data", "_previous", "_start", "offset", "step")

    def __init__(self) -> None:
        self.offset = 0
        self.step = 1
        self._data = b""
        self._base = 0
        self._start = 0
        self._previous = b""

    def at(self, data: bytes, base: int, start: int) -> None:
        """Point at the line starting at ``data[start]`` of the block that starts at ``base``."""
        self._data, self._base, self._start = data, base, start
        self.offset = base + start

    def next_block(self, data: bytes, end: int) -> None:
        """Keep the end of the block just read for look-behinds from the next one."""
        cut = data.find(b"\n", max(0, end - _PREVIOUS_TAIL), end) + 1
        self._previous = data[cut:end]

    def before(self, count: int, since: int = 0) -> list[str]:
        """Up to ``count`` clean lines above the current one, oldest first, none before byte
        ``since`` of the log."""
        lines = self._lines_above(self._data, self._start, self._base, count, since)
        if len(lines) < count and self._start == 0 and self._previous:
            base = self._base - len(self._previous)
            more = self._lines_above(
                self._previous, len(self._previous), base, count - len(lines), since
            )
            lines = more + lines
        return lines

    @staticmethod
    def _lines_above(data: bytes, end: int, base: int, count: int, since: int) -> list[str]:
        floor = max(0, since - base)
        found: list[str] = []
        while len(found) < count and end > floor:
            # Each line above ends with a newline, but a log's last line may have none.
            stop = end - 1 if data[end - 1 : end] == b"\n" else end
            start = max(data.rfind(b"\n", floor, stop) + 1, floor)
            found.append(clean(data[start:stop]))
            end = start
        found.reverse()
        return found


class Sink:
    """Where extractors put failures, and what they share: the roots paths are relative to."""

    def __init__(self, roots: tuple[str, ...] = (), limit: int = MAX_FAILURES) -> None:
        self.failures: list[Failure] = []
        self.dropped = 0
        self._seen: dict[tuple[int, Kind], int] = {}
        self.roots = list(roots)
        # The directories given (the checkout where triage runs), not those the log names: the
        # only ones sources are read from.
        self.checkouts = tuple(roots)
        self._limit = limit
        # Paths as the log prints them, made relative once each: thousands of failures share
        # a few files.
        self._relative: dict[str, str] = {}
        self._library: dict[str, bool] = {}
        # A frame as the log prints it (path, line): its location, and whether it is in the
        # project; thousands of failures share a few frames.
        self._frames: dict[tuple[str, int], tuple[Location, bool]] = {}

    def add(self, failure: Failure) -> None:
        """Keep ``failure`` (or count it, past the limit). Two extractors reading one line may
        find the same kind of failure there: the tool's own extractor wins over the generic
        infrastructure one (tool ``log``)."""
        key = (failure.offset, failure.kind)
        index = self._seen.get(key)
        if index is not None:
            if self.failures[index].tool == GENERIC_TOOL and failure.tool != GENERIC_TOOL:
                self.failures[index] = failure
            return
        if len(self.failures) < self._limit:
            if len(self.failures) >= CONTEXT_KEPT and failure.context:
                failure = replace(failure, context=())
            self._seen[key] = len(self.failures)
            self.failures.append(failure)
        else:
            self.dropped += 1

    @property
    def keeps_context(self) -> bool:
        """Whether the next failure keeps its excerpt lines (extractors need not clip them)."""
        return len(self.failures) < CONTEXT_KEPT

    def add_root(self, root: str) -> None:
        """A directory the log's paths are relative to (pytest's ``rootdir``)."""
        root = root.strip()
        if root and root not in self.roots:
            self.roots.append(root)
            self._relative.clear()
            self._frames.clear()

    def relative(self, path: str) -> str:
        """``path`` relative to the repository, as far as the log tells."""
        found = self._relative.get(path)
        if found is None:
            found = self._relative[path] = relative(path, self.roots)
        return found

    def frame(self, path: str, line: int) -> tuple[Location, bool]:
        """The location of a frame at ``path`` (as printed) and ``line``, and whether it is in
        the project (neither the path nor its relative form is a library's)."""
        key = (path, line)
        found = self._frames.get(key)
        if found is None:
            if len(self._frames) >= _FRAMES_KEPT:  # a bound on memory, not on what is found
                self._frames.clear()
            location = Location(self.relative(path), line)
            project = not self.is_library(path) and not self.is_library(location.path)
            found = self._frames[key] = (location, project)
        return found

    def is_library(self, path: str) -> bool:
        """Whether ``path`` belongs to an installed package or the standard library."""
        found = self._library.get(path)
        if found is None:
            found = self._library[path] = is_library(path)
        return found


class Extractor(Protocol):
    """Turns the log lines routed to it into failures; one instance reads one log.

    A line is routed to an extractor when it holds one of its ``skim`` anchors (searched in
    the whole log) or, near an error marker, one of its ``dense`` anchors. While ``feed``
    returns True the extractor gets every following line too (it is reading a section).
    """

    @property
    def skim(self) -> tuple[bytes, ...]:
        """Literal anchors searched in the whole log."""

    @property
    def dense(self) -> tuple[Anchor, ...]:
        """Anchors (literals or patterns) searched only near error markers."""

    @property
    def claims(self) -> bool:
        """While it reads a section, the tracebacks there are its own."""

    @property
    def yields(self) -> bool:
        """It stays out of sections another extractor claims."""

    @property
    def sparse(self) -> re.Pattern[bytes] | None:
        """While it reads a section: the lines it needs, when it needs only these (the others
        are skipped unread); None when it needs every line."""

    @property
    def wake(self) -> Wake | None:
        """While it reads no section: what every line it can act on holds (the others routed
        to it are dropped without a call); None when any line may matter."""

    def feed(self, line: str, cursor: Cursor, sink: Sink) -> bool:
        """Read one clean line; True to be fed the next line as well."""

    def feed_lines(
        self,
        data: bytes,
        base: int,
        starts: Sequence[int],
        lines: Sequence[str],
        *,
        cursor: Cursor,
        sink: Sink,
    ) -> tuple[int, bool]:
        """While it alone reads a section that needs only its ``sparse`` lines: read these
        clean ``lines`` (starting at ``starts`` of the block ``data`` at ``base``), in order,
        as ``feed`` would, up to one after which it lets go or needs other lines. How many it
        read, and whether it still reads its section."""

    def flush(self, sink: Sink) -> None:
        """The step or the log ended: emit whatever is pending."""


class BaseExtractor:
    """Defaults for an extractor: no anchors, no sections, nothing pending."""

    skim: tuple[bytes, ...] = ()
    dense: tuple[Anchor, ...] = ()
    claims = False
    yields = False
    wake: Wake | None = None

    @property
    def sparse(self) -> re.Pattern[bytes] | None:
        """Every line of a section is needed by default."""
        return None

    def feed(self, line: str, cursor: Cursor, sink: Sink) -> bool:
        """Read one clean line; True to be fed the next line as well."""
        raise NotImplementedError

    def feed_lines(
        self,
        data: bytes,
        base: int,
        starts: Sequence[int],
        lines: Sequence[str],
        *,
        cursor: Cursor,
        sink: Sink,
    ) -> tuple[int, bool]:
        """Each line fed in turn, the cursor at it."""
        sparse = self.sparse
        for index, (start, line) in enumerate(zip(starts, lines, strict=True)):
            cursor.at(data, base, start)
            if not self.feed(line, cursor, sink):
                return index + 1, False
            if self.sparse is not sparse:
                return index + 1, True
        return len(lines), True

    def flush(self, sink: Sink) -> None:
        """Nothing pending by default."""
