"""unittest (and runners with its report: Django's, ``python -m unittest``): ``FAIL:`` and
``ERROR:`` blocks with their tracebacks, and (Python 3.11+) ``UNEXPECTED SUCCESS:`` blocks: a
test marked ``expectedFailure`` that passed fails the run."""

from __future__ import annotations

import re

from ci_agent.triage.extractor import BaseExtractor, Clip, Cursor, LazyPattern, Sink, Wake
from ci_agent.triage.extractors.frames import FRAME, Frames
from ci_agent.triage.model import Failure, Kind

__all__ = ["Unittest"]

# ``FAIL: test_add (test_mod.TestMath.test_add)``; before 3.11 the parentheses hold the class;
# a subTest adds ``(i=1)``. A module the loader could not import is a ``_FailedTest`` named
# after it: ``ERROR: tests.test_io (unittest.loader._FailedTest.tests.test_io)``.
_HEAD = LazyPattern(r"^(FAIL|ERROR|UNEXPECTED SUCCESS): ([\w.]+) \(([\w.]+)\)(?: \(.*\))?\s*$")
_HEADS = ("FAIL: ", "ERROR: ", "UNEXPECTED SUCCESS: ")
_UNEXPECTED = "unexpected success: the test is marked expectedFailure and passed"
_LOADER = "unittest.loader._FailedTest"
_RAISED = LazyPattern(r"^(?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*(?:Error|Exception|Exit):")
_SEPARATOR = LazyPattern(r"^={20,}\s*$")
_SUMMARY = LazyPattern(r"^(?:Ran \d+ tests? in |FAILED \(|OK\b)")


class Unittest(BaseExtractor):
    """One failure per ``FAIL:``/``ERROR:`` block."""

    skim = (b"FAIL",)
    dense = (b"FAIL: ", b"ERROR: ", b"UNEXPECTED SUCCESS: ")
    claims = True
    wake = Wake(
        re.compile(r"(?:FAIL|ERROR|UNEXPECTED SUCCESS): ")
    )  # outside a block only a head line starts one

    def __init__(self) -> None:
        self._between = False  # after a ===== line, where the next block may start
        self._reset()

    def _reset(self) -> None:
        self._test: str | None = None
        self._step = 0
        self._offset = 0
        self._frames = Frames()
        self._clip = Clip()
        self._message: str | None = None
        self._first: str | None = None
        self._in_traceback = False

    def feed(self, line: str, cursor: Cursor, sink: Sink) -> bool:
        """Start a block at its head line; read it until the next block or the summary."""
        head = _HEAD.match(line) if line.startswith(_HEADS) else None
        if head is not None:
            self.flush(sink)
            name, where = head.group(2), head.group(3)
            if where.startswith(_LOADER):
                self._test = name  # the module (or name) that failed to load
            elif where.endswith("." + name):
                self._test = where
            else:
                self._test = f"{where}.{name}"
            self._step, self._offset = cursor.step, cursor.offset
            if head.group(1) == "UNEXPECTED SUCCESS":  # no traceback follows
                self._first = _UNEXPECTED
            self._clip.add(line)
            return True
        if self._test is None and not self._between:
            return False
        if _SEPARATOR.match(line):
            self.flush(sink)
            self._between = True
            return True
        if self._between or _SUMMARY.match(line):
            self.flush(sink)
            return False
        self._block_line(line, sink)
        return True

    def _block_line(self, line: str, sink: Sink) -> None:
        self._clip.add(line)
        frame = FRAME.match(line)
        if frame:
            self._frames.add(frame.group(1), int(frame.group(2)), sink)
            self._in_traceback = True
        elif line.startswith("Traceback ("):
            self._in_traceback = True
        elif self._in_traceback and line and not line[0].isspace() and self._message is None:
            self._message = line.strip()
        elif not self._in_traceback and self._first is None and _RAISED.match(line):
            self._first = line.strip()  # a loader error without a traceback

    def flush(self, sink: Sink) -> None:
        """Emit the block being read."""
        self._between = False
        if self._test is not None:
            sink.add(
                Failure(
                    Kind.TEST,
                    "unittest",
                    self._message or self._first or "failed",
                    test_id=self._test,
                    location=self._frames.location(),
                    context=self._clip.lines(),
                    step=self._step,
                    offset=self._offset,
                )
            )
        self._reset()
