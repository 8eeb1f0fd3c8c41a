"""Python traceback frames (``File "path", line N, in func``): the innermost one in the project."""

from __future__ import annotations

import re

from ci_agent.triage.extractor import Sink
from ci_agent.triage.model import Location

__all__ = ["ENTRY", "EXCEPTION", "FRAME", "Frames", "locate"]

# ``File "p", line N, in f`` (a traceback) or ``File "p", line N in f`` (faulthandler's dump).
FRAME = re.compile(r'^\s*File "(.+?)", line (\d+)(?:,? in (.+))?$')
# The last line of a traceback: ``ValueError: bad``, ``pkg.errors.Boom``, ``KeyboardInterrupt``.
EXCEPTION = re.compile(r"^((?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*)(?::\s?(.*))?$")


class Frames:
    """The frames of one traceback as they are read."""

    def __init__(self) -> None:
        self.project: Location | None = None
        self.innermost: Location | None = None

    def add(self, path: str, line: int, sink: Sink) -> None:
        """One frame, outermost first."""
        location, project = sink.frame(path, line)
        self.innermost = location
        if project:
            self.project = location

    def location(self) -> Location | None:
        """The innermost frame in the project, else the innermost frame."""
        return self.project or self.innermost


# pytest's ``path:line: ExcType`` / ``path:line: in func`` entries.
ENTRY = re.compile(r"^([^\s:][^:]*?\.\w+):(\d+): ?(.*)$")


def locate(lines: list[str], sink: Sink) -> Location | None:
    """The innermost project frame of a traceback's text, pytest's format or Python's."""
    frames = Frames()
    for line in lines:
        found = FRAME.match(line) or ENTRY.match(line)
        if found:
            frames.add(found.group(1), int(found.group(2)), sink)
    return frames.location()
