"""pytest-timeout's thread method: when a test runs past its limit the plugin prints a banner,
every thread's stack and the banner again, then ends the process, so pytest never prints its
summary. The test is named by the progress line the banner ends (``path::test`` with ``-v``,
the file without, nothing with ``-q``) and by the main thread's stack, whose frames run through
the test function. Tests that failed earlier in that run show only as ``F``/``E`` in the
progress lines: they are counted per file (in all, with ``-q``), since no report of them ever
comes.

(The signal method fails the test in the ordinary way: the pytest extractor reads it.)
"""

from __future__ import annotations

import re

from ci_agent.triage.extractor import BaseExtractor, Clip, Cursor, Sink
from ci_agent.triage.extractors.frames import FRAME
from ci_agent.triage.model import Failure, Kind, Location

__all__ = ["TimeoutDump"]

# ``tests/test_x.py ..+++++ Timeout +++++``: a progress line (its results so far) and the banner.
_BANNER = re.compile(r"^(?:(\S+?)\s+)?([.sxXpFE]*)\++ Timeout \++\s*$")
# A progress line of pytest's default output (``-q``: no file) with a failure or an error in it.
# The look-ahead finds the F or E and the possessive run takes the rest: linear in the line,
# where ``[.FE]*[FE][.FE]*`` backtracks quadratically on a long run of Es.
_PROGRESS = re.compile(r"^(\S+\.py) ((?=[.sxXp]*+[FE])[.sxXpFE]++)(?:\s+\[\s*\d+%\])?\s*$")
_QUIET_PROGRESS = re.compile(r"^((?=[.sxXp]*+[FE])[.sxXpFE]++)\s+\[\s*\d+%\]\s*$")
_STACK = re.compile(r"^~+ Stack of (.+?) \(\d+\) ~+\s*$")
# A dump longer than this is cut: the failure keeps what it read (a bound on one failure's work,
# not on what is found; every thread's stack of a large program fits many times over).
_MAX_LINES = 5000


class TimeoutDump(BaseExtractor):
    """One failure (kind timeout) per dump: the test that ran past its limit and where it was."""

    # Anchors are searched in the raw log: colour codes may sit between the results.
    # Linear in a run of results, possessively: the second matches from a run's last F or E
    # only (from any other, its scan stops at the next F or E), so a line of a million Es is
    # not read once per E. Each starts with a literal or a class, which re skips to quickly.
    dense = (
        b"+ Timeout +",
        re.compile(rb"\.py (?=(?:\x1b\[[0-9;]*+m|[.sxXp])*+[FE])"),
        re.compile(rb"[FE](?:\x1b\[[0-9;]*+m|[.sxXp])*+\s++(?:\x1b\[[0-9;]*+m)*+\[\s*+\d++%\]"),
    )
    claims = True

    def __init__(self) -> None:
        self._failed: dict[str, tuple[int, int]] = {}  # path -> (tests failed, offset)
        self._reset()

    def _reset(self) -> None:
        self._reading = False
        self._named = ""
        self._main = False
        self._saw_main = False
        self._frames: list[tuple[str, int, str]] = []  # the main thread's, outermost first
        self._lines = 0
        self._step = self._offset = 0
        self._clip = Clip(head=10, tail=10)

    def feed(self, line: str, cursor: Cursor, sink: Sink) -> bool:
        """Start at the first banner; read the stacks up to the second."""
        if not self._reading:
            banner = _BANNER.match(line)
            if banner is None:
                progress = _PROGRESS.match(line)
                if progress is not None:
                    self._count(progress.group(1), progress.group(2), cursor)
                else:
                    quiet = _QUIET_PROGRESS.match(line)
                    if quiet is not None:
                        self._count("", quiet.group(1), cursor)
                return False
            self._reading = True
            self._named = banner.group(1) or ""
            if "::" not in self._named:
                self._count(self._named, banner.group(2), cursor)
            self._step, self._offset = cursor.step, cursor.offset
            self._clip.add(line)
            return True
        self._lines += 1
        if _BANNER.match(line) or self._lines > _MAX_LINES:
            self._clip.add(line)
            self.flush(sink)
            return False
        stack = _STACK.match(line)
        if stack is not None:
            self._main = stack.group(1) == "MainThread"
            self._saw_main = self._saw_main or self._main
        elif line[:1] not in ("", " "):
            # Not a dump: pytest-timeout 1.x's signal method printed one banner, then failed
            # the test in pytest's own report (read by the pytest extractor).
            self._reset()
            return False
        elif self._main:
            frame = FRAME.match(line)
            if frame is not None:
                self._frames.append((frame.group(1), int(frame.group(2)), frame.group(3) or ""))
        if self._main:
            self._clip.add(line)
        return True

    def _count(self, path: str, results: str, cursor: Cursor) -> None:
        failed = results.count("F") + results.count("E")
        if failed:
            before, offset = self._failed.get(path, (0, cursor.offset))
            self._failed[path] = (before + failed, offset)

    def flush(self, sink: Sink) -> None:
        """Emit the dump read so far (a log cut inside it still names the test), and the tests
        the progress lines say failed before it; without a dump pytest's report names those.
        Only the thread method dumps the main thread: the signal method dumps the others as the
        test's captured output and fails the test in pytest's report."""
        if self._reading and self._saw_main:
            for path, (failed, offset) in self._failed.items():
                plural = "test" if failed == 1 else "tests"
                where = f" in {path}" if path else ""
                sink.add(
                    Failure(
                        Kind.TEST,
                        "pytest",
                        f"{failed} {plural}{where} failed before pytest-timeout ended the "
                        "run (pytest never printed its report of them)",
                        location=Location(sink.relative(path)) if path else None,
                        step=self._step,
                        offset=offset,
                    )
                )
            test, location = self._test(sink)
            where = f" in {test}" if test else ""
            if self._lines > _MAX_LINES:
                where += f" (its stack read from the dump's first {_MAX_LINES:,} lines)"
            sink.add(
                Failure(
                    Kind.TIMEOUT,
                    "pytest",
                    f"Timeout{where}: pytest-timeout (thread method) ended the run",
                    test_id=test,
                    location=location,
                    context=self._clip.lines(),
                    step=self._step,
                    offset=self._offset,
                )
            )
        self._failed.clear()
        self._reset()

    def _test(self, sink: Sink) -> tuple[str | None, Location | None]:
        """The node id (from the progress line, or its file, or with ``-q`` the first test
        function in the project, and the function in the main thread's stack) and the innermost
        frame of the project."""
        location: Location | None = None
        named: str | None = None
        path = sink.relative(self._named.partition("::")[0]) if self._named else ""
        for frame_path, line, name in self._frames:
            found, project = sink.frame(frame_path, line)
            if project:
                location = found
            # In the named file, its outermost function; else the project's first test.
            ours = found.path == path if path else project and name.startswith("test")
            if named is None and name and ours:
                named = f"{found.path}::{name}"
        if "::" in self._named:
            return self._named, location
        # A method's class is not in the stack: its id names the function alone.
        return named, location
