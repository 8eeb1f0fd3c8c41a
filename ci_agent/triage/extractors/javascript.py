"""JavaScript: Jest's failed tests (a ``FAIL path`` line, then one block per test headed by a
bullet and the test's full name) and uncaught Node.js errors (``TypeError: message`` followed
by ``at`` frames)."""

from __future__ import annotations

import re

from ci_agent.record import replace
from ci_agent.triage.extractor import BaseExtractor, Clip, Cursor, LazyPattern, Sink, Wake
from ci_agent.triage.model import Failure, Kind, Location

__all__ = ["Jest", "NodeError"]

_SUITE = LazyPattern(r"^\s*(FAIL|PASS)\s+(\S+\.\w+)(?:\s+\(.*\))?\s*$")
_TEST = LazyPattern(r"^\s*● (.+?)\s*$")
_FRAME = LazyPattern(r"^\s+at (?:.*?\()?([^()\s]+?):(\d+):(\d+)\)?\s*$")
_END = LazyPattern(r"^(?:Test Suites:|Tests:|Ran all test suites)")
_NODE_ERROR = LazyPattern(r"^(?:Uncaught )?((?:[A-Z]\w*)?Error)(?: \[\w+\])?: (.+)$")
_SUITE_ERROR = "Test suite failed to run"
# A suite that does not parse: Babel's error names the file, the line and the column.
_PARSE_ERROR = LazyPattern(r"^\s*SyntaxError: (\S+?): (.+) \((\d+):(\d+)\)\s*$")


def _frame(line: str, sink: Sink) -> Location | None:
    """The location of an ``at`` frame outside node_modules and Node's internals."""
    found = _FRAME.match(line)
    if found is None or "node_modules" in found.group(1) or found.group(1).startswith("node:"):
        return None
    return Location(sink.relative(found.group(1)), int(found.group(2)), int(found.group(3)))


class _Block:
    """One ``●`` block being read (a plain class: a dataclass costs its build at every start)."""

    __slots__ = ("clip", "location", "message", "offset", "step", "test_id")

    def __init__(self, test_id: str, step: int, offset: int) -> None:
        self.test_id = test_id
        self.step = step
        self.offset = offset
        self.clip = Clip()
        self.message: str | None = None
        self.location: Location | None = None


class Jest(BaseExtractor):
    """One failure per ``●`` block of a failed suite (the final summary repeats them once)."""

    skim = (b"FAIL",)
    dense = (b"FAIL ", b"\xe2\x97\x8f ")  # "● "
    claims = True
    wake = Wake(re.compile(r"\s*FAIL\s"))  # outside a failed suite only its FAIL line starts one

    def __init__(self) -> None:
        self._suite: str | None = None
        self._block: _Block | None = None
        self._seen: set[str] = set()

    def feed(self, line: str, cursor: Cursor, sink: Sink) -> bool:
        """Read a failed suite's blocks until the next suite or the totals."""
        suite = _SUITE.match(line)
        if suite:
            self._emit(sink)
            self._suite = suite.group(2) if suite.group(1) == "FAIL" else None
            return self._suite is not None
        if self._suite is None:
            return False
        if _END.match(line):
            self._emit(sink)
            self._suite = None
            return False
        test = _TEST.match(line)
        if test:
            self._emit(sink)
            name = test.group(1)
            suite_path = sink.relative(self._suite)
            test_id = suite_path if name == _SUITE_ERROR else f"{suite_path}::{name}"
            self._block = _Block(test_id, cursor.step, cursor.offset)
            self._block.clip.add(line)
            return True
        block = self._block
        if block is not None:
            block.clip.add(line)
            if block.message is None and line.strip():
                block.message = line.strip()
            parse = _PARSE_ERROR.match(line) if "SyntaxError: " in line else None
            if parse is not None and "::" not in block.test_id:  # the suite's own error
                block.message = f"SyntaxError: {parse.group(2)}"
                path = sink.relative(parse.group(1))
                block.location = Location(path, int(parse.group(3)), int(parse.group(4)) + 1)
            block.location = block.location or _frame(line, sink)
        return True

    def _emit(self, sink: Sink) -> None:
        block, self._block = self._block, None
        if block is None or block.test_id in self._seen:
            return
        self._seen.add(block.test_id)
        sink.add(
            Failure(
                Kind.TEST,
                "jest",
                block.message or "failed",
                test_id=block.test_id,
                location=block.location,
                context=block.clip.lines(),
                step=block.step,
                offset=block.offset,
            )
        )

    def flush(self, sink: Sink) -> None:
        """Emit the block being read."""
        self._emit(sink)
        self._suite = None


class NodeError(BaseExtractor):
    """An uncaught error that ended a Node.js program."""

    dense = (b"Error",)
    yields = True

    def __init__(self) -> None:
        self._error: Failure | None = None
        self._frames = 0
        self._clip = Clip(head=12, tail=0)

    def feed(self, line: str, cursor: Cursor, sink: Sink) -> bool:
        """An error line followed by ``at`` frames."""
        if self._error is not None:
            if line.lstrip().startswith("at "):
                self._frames += 1
                self._clip.add(line)
                if self._error.location is None:
                    location = _frame(line, sink)
                    if location is not None:
                        self._error = _located(self._error, location)
                return True
            self.flush(sink)
        found = _NODE_ERROR.match(line)
        if found is None:
            return False
        self._error = Failure(
            Kind.EXCEPTION,
            "node",
            f"{found.group(1)}: {found.group(2)}",
            step=cursor.step,
            offset=cursor.offset,
        )
        self._clip.add(line)
        return True

    def flush(self, sink: Sink) -> None:
        """Emit the error if frames followed it (else it was not Node's)."""
        if self._error is not None and self._frames:
            sink.add(_located(self._error, self._error.location, self._clip.lines()))
        self._error, self._frames, self._clip = None, 0, Clip(head=12, tail=0)


def _located(failure: Failure, location: Location | None, context: tuple[str, ...] = ()) -> Failure:

    return replace(failure, location=location, context=context or failure.context)
