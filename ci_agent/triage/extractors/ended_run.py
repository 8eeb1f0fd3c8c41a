"""pytest runs ended by a stack dump, so pytest never printed its report.

- pytest-timeout's thread method: when a test runs past its limit the plugin prints a banner
  (``+++ Timeout +++``), every thread's stack and the banner again, then ends the process.
- faulthandler (which pytest enables): a crash of the interpreter (``Fatal Python error:
  Segmentation fault``, ``Aborted``, a fatal error of the runtime) prints the crashing thread's
  stack (``Current thread 0x… (most recent call first):``, frames as ``File "p", line N in f``),
  the other threads' and the loaded extension modules, and the process dies.

The test is named by the progress line the banner ends (``path::test`` with ``-v``, the file
without, nothing with ``-q``) and by the main (crashing) thread's stack, whose frames run
through the test function. Tests that failed earlier in that run show only as ``F``/``E`` in
the progress lines: they are counted per file (in all, with ``-q``), since no report of them
ever comes.

A run interrupted by SIGINT (a cancelled job: the runner interrupts first) ends with pytest's
``!!! KeyboardInterrupt !!!`` banner and the place it stopped (``path:N: KeyboardInterrupt``):
the test is named by the progress line above the banner, and pytest's report of the tests that
failed before follows as usual (read by the pytest extractor).

(pytest-timeout's signal method fails the test in the ordinary way: the pytest extractor reads
it.)
"""

from __future__ import annotations

import re

from ci_agent.triage.extractor import BaseExtractor, Clip, Cursor, Sink
from ci_agent.triage.extractors.frames import ENTRY, FRAME
from ci_agent.triage.model import Failure, Kind, Location
from ci_agent.triage.nodes import qualified
from ci_agent.triage.progress import running_test

__all__ = ["EndedRun"]

# ``tests/test_x.py ..+++++ Timeout +++++``: a progress line (its results so far) and the banner.
_BANNER = re.compile(r"^(?:(\S+?)\s+)?([.sxXpFE]*)\++ Timeout \++\s*$")
# ``tests/test_x.py::test_y Fatal Python error: Segmentation fault``: the same, faulthandler's.
# Another process's output may cut into the banner (an xdist worker's stderr beside the
# controller's lines): the error may be missing from it.
# On Windows faulthandler also reports exceptions the process survives (``Windows fatal
# exception: access violation`` and a stack, then the run goes on): only a dump that ends the
# run is a crash.
_FATAL = re.compile(
    r"^(?:(\S+?)\s+)?([.sxXpFE]*)(Fatal Python error|Windows fatal exception):(?: (.*?))?\s*$"
)
# A progress line of pytest's default output (``-q``: no file) with a failure or an error in it.
# The look-ahead finds the F or E and the possessive run takes the rest: linear in the line,
# where ``[.FE]*[FE][.FE]*`` backtracks quadratically on a long run of Es.
_PROGRESS = re.compile(r"^(\S+\.py) ((?=[.sxXp]*+[FE])[.sxXpFE]++)(?:\s+\[\s*\d+%\])?\s*$")
_QUIET_PROGRESS = re.compile(r"^((?=[.sxXp]*+[FE])[.sxXpFE]++)\s+\[\s*\d+%\]\s*$")
_INTERRUPTED = re.compile(r"^!{3,} KeyboardInterrupt !{3,}\s*$")
# pytest reports the tests that failed before an interruption above its banner: the progress
# line of the test interrupted is then above the report's first section.
_REPORT = re.compile(r"^=+ (?:FAILURES|ERRORS) =+\s*$")
# The lines above the banner searched for the progress line (pytest prints a blank line or two).
_ABOVE = 6
_STACK = re.compile(r"^~+ Stack of (.+?) \(\d+\) ~+\s*$")
# faulthandler's thread headers; Python 3.12 and later name the thread in brackets.
_THREAD = re.compile(
    r"^(?:(Current thread)|Thread) 0x[0-9a-fA-F]+ (?:\[.*\] )?\(most recent call first\):\s*$"
    r"|^(Stack) \(most recent call first\):\s*$"
)
# What faulthandler prints between its banner and the stacks, and after them.
_FATAL_NOTES = ("Python runtime state:", "<Cannot show all threads", "Extension modules:")
# Lines not of a fatal error's dump read before its reading ends: another process's, written
# into it, or what follows it.
_MAX_STRAYS = 5
# pytest's own output after a dump: the dump was a child process's (a test's subprocess, its
# output shown with -s or captured in the test's section), and pytest went on.
_WENT_ON = re.compile(
    r"^(?:PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS|SUBPASS|SUBFAIL)\b"
    r"|^[.sxXpFE]+(?:\s+\[\s*\d+%\])?\s*$|^[=_-]{3,}|^E\s|^\S+\.py(?:::| )"
    r"|^\[gw\d+\]|^replacing crashed worker"  # pytest-xdist's controller, after a worker died
)
# A dump longer than this is cut: the failure keeps what it read (a bound on one failure's work,
# not on what is found; every thread's stack of a large program fits many times over).
_MAX_LINES = 5000


class EndedRun(BaseExtractor):
    """One failure per dump: the test that ran past its limit (kind timeout) or crashed the
    interpreter (kind test; outside pytest, exception), and where it was."""

    # Anchors are searched in the raw log: colour codes may sit between the results.
    # Linear in a run of results, possessively: the second matches from a run's last F or E
    # only (from any other, its scan stops at the next F or E), so a line of a million Es is
    # not read once per E. Each starts with a literal or a class, which re skips to quickly.
    dense = (
        b"+ Timeout +",
        b"Fatal Python error: ",
        b"Windows fatal exception: ",
        b" KeyboardInterrupt !",
        b"= FAILURES =",
        b"= ERRORS =",
        re.compile(rb"\.py (?=(?:\x1b\[[0-9;]*+m|[.sxXp])*+[FE])"),
        re.compile(rb"[FE](?:\x1b\[[0-9;]*+m|[.sxXp])*+\s++(?:\x1b\[[0-9;]*+m)*+\[\s*+\d++%\]"),
    )
    claims = True

    def __init__(self) -> None:
        self._failed: dict[str, tuple[int, int]] = {}  # path -> (tests failed, offset)
        self._above_report: tuple[str, str | None] | None = None
        self._reset()

    def _reset(self) -> None:
        self._reading = False
        # Interrupted: the progress line's file and node id, if any (else None, None)
        self._interrupted: tuple[str | None, str | None] | None = None
        self._fatal: str | None = None  # faulthandler's error, when the dump is its
        self._strays = 0  # lines of other processes read between its banner and its stacks
        self._windows = False  # the banner is Windows' (an exception, maybe survived)
        self._threads = False  # a thread's header was read
        self._went_on = False  # pytest went on after it (an xdist worker's dump)
        self._named = ""
        self._main = False
        self._saw_main = False
        self._frames: list[tuple[str, int, str]] = []  # the main thread's, outermost first
        self._lines = 0
        self._step = self._offset = 0
        self._clip = Clip(head=10, tail=10)

    def feed(self, line: str, cursor: Cursor, sink: Sink) -> bool:
        """Start at a banner; read the stacks up to the dump's end."""
        if not self._reading:
            return self._start(line, cursor)
        self._lines += 1
        if self._lines > _MAX_LINES or (self._fatal is None and _BANNER.match(line)):
            self._clip.add(line)
            self.flush(sink)
            return False
        if self._interrupted is not None:
            return self._read_interrupted(line, sink)
        if self._fatal is not None:
            return self._read_fatal(line, sink)
        stack = _STACK.match(line)
        if stack is not None:
            self._main = stack.group(1) == "MainThread"
            self._saw_main = self._saw_main or self._main
        elif line[:1] not in ("", " "):
            # Not a dump: pytest-timeout 1.x's signal method printed one banner, then failed
            # the test in pytest's own report (read by the pytest extractor).
            self._reset()
            return False
        else:
            self._frame(line)
        if self._main:
            self._clip.add(line)
        return True

    def _start(self, line: str, cursor: Cursor) -> bool:
        if _REPORT.match(line):
            # Only the blank line pytest prints is between (a line of the report's is cheaper
            # to read twice than every header's six lines above, in a log of many sessions).
            self._above_report = running_test(cursor.before(2))
            return False
        if _INTERRUPTED.match(line):
            self._reading = True
            self._interrupted = (
                running_test(cursor.before(_ABOVE)) or self._above_report or (None, None)
            )
            self._above_report = None
            self._step, self._offset = cursor.step, cursor.offset
            self._clip.add(line)
            return True
        banner = _BANNER.match(line)
        fatal = None if banner is not None else _FATAL.match(line)
        found = banner or fatal
        if found is None:
            progress = _PROGRESS.match(line)
            if progress is not None:
                self._count(progress.group(1), progress.group(2), cursor)
            else:
                quiet = _QUIET_PROGRESS.match(line)
                if quiet is not None:
                    self._count("", quiet.group(1), cursor)
            return False
        self._reading = True
        self._fatal = (fatal.group(4) or "") if fatal is not None else None
        self._windows = fatal is not None and fatal.group(3).startswith("Windows")
        self._named = found.group(1) or ""
        if "::" not in self._named:
            self._count(self._named, found.group(2), cursor)
        self._step, self._offset = cursor.step, cursor.offset
        self._clip.add(line)
        return True

    def _read_interrupted(self, line: str, sink: Sink) -> bool:
        """Where pytest stopped (``path:N: KeyboardInterrupt``, or a whole traceback with
        ``--full-trace``) up to its hint or its closing rule."""
        if line.startswith(("=", "(to show a full traceback")):
            self._clip.add(line)
            self.flush(sink)
            return False
        entry = FRAME.match(line) or ENTRY.match(line)
        if entry is not None:
            self._frames.append((entry.group(1), int(entry.group(2)), ""))
        self._clip.add(line)
        return True

    def _read_fatal(self, line: str, sink: Sink) -> bool:
        """A line of faulthandler's dump: thread headers, frames, its notes; anything else
        ends it (the process died: what follows is the runner's or the next step's)."""
        thread = _THREAD.match(line)
        if thread is not None:
            self._threads = True
            self._main = thread.group(1) is not None or thread.group(2) is not None
            self._saw_main = self._saw_main or self._main
        elif line.startswith(_FATAL_NOTES):
            self._main = False  # what follows the stacks is not a frame of them
        elif line[:1] not in ("", " "):
            # Not the dump's: another process's line (pytest-xdist's controller writes beside
            # its crashing worker), or the dump is over. pytest's own output says the run went
            # on; a few such lines end the reading.
            self._strays += 1
            self._went_on = self._went_on or _WENT_ON.match(line) is not None
            if self._strays > _MAX_STRAYS:
                self.flush(sink)
                return False
            return True
        else:
            self._frame(line)
        if self._main or not self._saw_main:
            self._clip.add(line)
        return True

    def _told(self, sink: Sink) -> bool:
        """Whether a dump that pytest went on after is a crash of the run: a pytest-xdist
        worker's (its stack runs a test of the project; xdist reports the test without the
        place it crashed at). Windows dumps exceptions a process survives: never one."""
        return not self._windows and self._runs_a_test(sink)

    def _runs_a_test(self, sink: Sink) -> bool:
        return any(
            name.startswith("test") and sink.frame(path, line)[1]
            for path, line, name in self._frames
        )

    def _frame(self, line: str) -> None:
        if self._main:
            frame = FRAME.match(line)
            if frame is not None:
                self._frames.append((frame.group(1), int(frame.group(2)), frame.group(3) or ""))

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
        if self._reading and self._fatal is not None and self._went_on and not self._told(sink):
            pass  # a child process's dump: the run went on, and pytest reports what failed
        elif self._reading and self._interrupted is not None:
            # pytest reports the tests that failed before: they are not counted here.
            sink.add(self._interruption(sink))
        elif self._reading and (self._saw_main or (self._fatal is not None and self._threads)):
            ender = (
                f"the interpreter crashed ({self._fatal or 'a fatal error'})"
                if self._fatal is not None
                else "pytest-timeout ended the run"
            )
            # After a worker's dump pytest went on, and reports those tests itself.
            counted = {} if self._went_on else self._failed
            for path, (failed, offset) in counted.items():
                plural = "test" if failed == 1 else "tests"
                where = f" in {path}" if path else ""
                sink.add(
                    Failure(
                        Kind.TEST,
                        "pytest",
                        f"{failed} {plural}{where} failed before {ender} "
                        "(pytest never printed its report of them)",
                        location=Location(sink.relative(path)) if path else None,
                        step=self._step,
                        offset=offset,
                    )
                )
            sink.add(self._failure(sink))
        self._failed.clear()
        self._above_report = None  # a dump ended the run, or the step ended
        self._reset()

    def _interruption(self, sink: Sink) -> Failure:
        path, node = self._interrupted or (None, None)
        location: Location | None = None
        for frame_path, line, _ in self._frames:
            found, project = sink.frame(frame_path, line)
            if project or location is None:
                location = found
        if location is None and path:
            location = Location(sink.relative(path))
        elif location is not None and path and sink.relative(path) != location.path:
            path = node = None  # the progress line is another test's: only the place is known
        path = path or (location.path if location is not None else "")
        test = node or (f"a test of {path}" if path else "")
        where = f" while it ran {test}" if test else ""
        return Failure(
            Kind.CANCELLED,
            "pytest",
            f"KeyboardInterrupt: pytest was interrupted (SIGINT){where}; a cancelled job "
            "is interrupted so",
            test_id=node,
            location=location,
            context=self._clip.lines(),
            step=self._step,
            offset=self._offset,
        )

    def _failure(self, sink: Sink) -> Failure:
        if self._fatal is not None:  # faulthandler prints the most recent call first
            self._frames.reverse()
        test, location = self._test(sink)
        where = f" in {test}" if test else ""
        if self._lines > _MAX_LINES:
            where += f" (its stack read from the dump's first {_MAX_LINES:,} lines)"
        if self._fatal is not None:
            kind = Kind.TEST if test or self._named else Kind.EXCEPTION
            then = "" if self._went_on else "; no report follows"
            banner = "Windows fatal exception" if self._windows else "Fatal Python error"
            message = (
                f"{banner}{': ' if self._fatal else ''}{self._fatal}{where}: "
                "the interpreter crashed "
                f"(faulthandler's dump{then})"
            )
        else:
            kind = Kind.TIMEOUT
            message = f"Timeout{where}: pytest-timeout (thread method) ended the run"
        return Failure(
            kind,
            "pytest" if kind is not Kind.EXCEPTION else "python",
            message,
            test_id=test,
            location=location,
            context=self._clip.lines(),
            step=self._step,
            offset=self._offset,
        )

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
                # A method's class is not in the stack: read from the source where it is at hand.
                where = qualified(found.path, line, name, sink.checkouts) or name
                named = f"{found.path}::{where}"
        if "::" in self._named:
            return self._named, location
        return named, location
