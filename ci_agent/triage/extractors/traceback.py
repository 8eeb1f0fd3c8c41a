"""Bare Python tracebacks (a script or a tool that crashed), chained ones followed to the
exception that ended the program."""

from __future__ import annotations

from ci_agent.triage.extractor import BaseExtractor, Clip, Cursor, Sink
from ci_agent.triage.extractors.frames import EXCEPTION, FRAME, Frames
from ci_agent.triage.model import Failure, Kind

__all__ = ["PythonTraceback"]

_HEADER = "Traceback (most recent call last):"
_CHAIN = (
    "During handling of the above exception, another exception occurred:",
    "The above exception was the direct cause of the following exception:",
)


class PythonTraceback(BaseExtractor):
    """One failure per traceback (a chain counts once: its last exception, its frames)."""

    dense = (b"Traceback (most recent call last)",)
    yields = True

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._active = False
        self._indent = 0
        self._step = 0
        self._offset = 0
        self._frames = Frames()
        self._clip = Clip(head=10, tail=20)
        self._message: str | None = None
        self._blanks = 0

    def feed(self, line: str, cursor: Cursor, sink: Sink) -> bool:
        """Read a traceback from its header to its exception line (and any chained ones)."""
        stripped = line.strip()
        if stripped == _HEADER:
            if not self._active:
                self._active = True
                self._indent = len(line) - len(line.lstrip())
                self._step, self._offset = cursor.step, cursor.offset
            self._frames, self._message, self._blanks = Frames(), None, 0
            self._clip.add(line)
            return True
        if not self._active:
            return False
        if self._message is not None:
            return self._after(line, stripped, sink)
        self._clip.add(line)
        frame = FRAME.match(line)
        if frame:
            self._frames.add(frame.group(1), int(frame.group(2)), sink)
        elif len(line) - len(line.lstrip()) <= self._indent and stripped:
            self._message = stripped if EXCEPTION.match(stripped) else stripped[:200]
        return True

    def _after(self, line: str, stripped: str, sink: Sink) -> bool:
        """After an exception line: a chained traceback follows, or this one is done."""
        if stripped in _CHAIN:
            self._clip.add(line)
            self._blanks = 0
            return True
        if not stripped and self._blanks < 2:
            self._blanks += 1
            return True
        self.flush(sink)
        return False

    def flush(self, sink: Sink) -> None:
        """Emit the traceback being read."""
        if self._active and (self._message or self._frames.innermost):
            sink.add(
                Failure(
                    Kind.EXCEPTION,
                    "python",
                    self._message or "traceback",
                    location=self._frames.location(),
                    context=self._clip.lines(),
                    step=self._step,
                    offset=self._offset,
                )
            )
        self._reset()
