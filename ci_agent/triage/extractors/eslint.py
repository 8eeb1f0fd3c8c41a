"""ESLint's default (stylish) report: a file's path on a line of its own, then one indented
``line:col  error  message  rule`` line per problem."""

from __future__ import annotations

from ci_agent.triage.extractor import BaseExtractor, Cursor, LazyPattern, Sink
from ci_agent.triage.model import Failure, Kind, Location

__all__ = ["ESLint"]

_PROBLEM = LazyPattern(r"^\s+(\d+):(\d+)\s+error\s+(.+?)(?:\s{2,}(\S+))?\s*$")
_FILE = LazyPattern(r"^(\S.*\.(?:js|jsx|ts|tsx|mjs|cjs|mts|cts|vue|svelte|astro))\s*$")
# How far above its first problem a file's path may be (warnings come between).
_LOOK_BACK = 200


class ESLint(BaseExtractor):
    """One failure per ``error`` line (warnings do not fail a run)."""

    dense = (b"rror",)

    def __init__(self) -> None:
        self._file: str | None = None
        self._last = -1

    def feed(self, line: str, cursor: Cursor, sink: Sink) -> bool:
        """Find the problem's file above it (only since the previous problem), then emit."""
        if "error" not in line:
            return False
        problem = _PROBLEM.match(line)
        if problem is None:
            return False
        since = self._last + 1 if self._last >= 0 else 0
        for above in reversed(cursor.before(_LOOK_BACK, since=since)):
            header = _FILE.match(above)
            if header:
                self._file = header.group(1)
                break
        self._last = cursor.offset
        if self._file is None:
            return False
        message = problem.group(3)
        sink.add(
            Failure(
                Kind.BUILD if message.startswith("Parsing error") else Kind.LINT,
                "eslint",
                message,
                location=Location(
                    sink.relative(self._file), int(problem.group(1)), int(problem.group(2))
                ),
                code=problem.group(4),
                context=(self._file, line),
                step=cursor.step,
                offset=cursor.offset,
            )
        )
        return False

    def flush(self, sink: Sink) -> None:
        """A new step starts with no file."""
        self._file, self._last = None, -1
