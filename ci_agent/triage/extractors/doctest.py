"""The standard library's doctest runner (``python -m doctest``, ``doctest.testmod()``): a
``File "path", line N, in name`` line, then ``Failed example:`` or an exception report.

pytest's ``--doctest-modules`` report is read by the pytest extractor; this one reads the runner's
own, which prints no test summary that names the failing tests.
"""

from __future__ import annotations

import re

from ci_agent.triage.extractor import BaseExtractor, Clip, Cursor, Sink
from ci_agent.triage.extractors.frames import FRAME
from ci_agent.triage.model import Failure, Kind, Location

__all__ = ["Doctest"]

_STARS = re.compile(r"^\*{20,}\s*$")
_BLOCKS = ("Failed example:", "Exception raised:", "Expected:", "Got:", "Expected nothing")


class Doctest(BaseExtractor):
    """One failure per docstring that failed (its first failed example names it)."""

    dense = (b"Failed example:",)
    claims = True

    def __init__(self) -> None:
        self._seen: set[str] = set()
        self._reset()

    def _reset(self) -> None:
        self._test: str | None = None
        self._location: Location | None = None
        self._step = self._offset = 0
        self._clip = Clip(head=20, tail=0)
        self._block = ""
        self._expected: str | None = None
        self._got: str | None = None

    def feed(self, line: str, cursor: Cursor, sink: Sink) -> bool:
        """Start at ``Failed example:`` (the frame line is just above); read to the stars."""
        if self._test is None:
            if line.strip() != "Failed example:":
                return False
            above = cursor.before(1)
            frame = FRAME.match(above[0]) if above else None
            if frame is None or frame.group(3) is None:
                return False
            path = sink.relative(frame.group(1))
            self._test = f"{path}::{frame.group(3)}"
            self._location = Location(path, int(frame.group(2)))
            self._step, self._offset = cursor.step, cursor.offset
            self._clip.add(above[0])
            self._clip.add(line)
            self._block = "Failed example:"
            return True
        if _STARS.match(line) or not line.strip():
            self.flush(sink)
            return False
        self._clip.add(line)
        stripped = line.strip()
        if stripped in _BLOCKS or stripped.startswith("Expected nothing"):
            self._block = stripped
            if stripped.startswith("Expected nothing"):
                self._expected = ""
        elif self._block == "Expected:" and self._expected is None:
            self._expected = stripped
        elif self._block == "Got:" and self._got is None:
            self._got = stripped
        elif self._block == "Exception raised:":
            self._got = stripped  # the traceback's last line, the exception, is kept last
        return True

    def flush(self, sink: Sink) -> None:
        """Emit the docstring's failure (later failed examples of it are the same test)."""
        test = self._test
        if test is not None and test not in self._seen:
            self._seen.add(test)
            if self._block == "Exception raised:":
                message = f"doctest raised {self._got}" if self._got else "doctest raised"
            else:
                message = f"doctest expected {self._expected!r}, got {self._got!r}"
            sink.add(
                Failure(
                    Kind.TEST,
                    "doctest",
                    message,
                    test_id=test,
                    location=self._location,
                    context=self._clip.lines(),
                    step=self._step,
                    offset=self._offset,
                )
            )
        self._reset()
