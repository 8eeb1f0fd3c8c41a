"""pytest: the ERRORS and FAILURES sections, the short test summary, verbose progress lines.

One failure per test: the summary (or a ``-v`` progress line) gives the node id, the section
headed by the test's name gives the error's location and the ``E`` lines. The location is the
innermost frame in the project (not in the standard library or an installed package), which
for a failed assertion is the assertion and for an exception the ``raise``.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Sequence
from operator import attrgetter

from ci_agent.triage.extractor import CONTEXT_KEPT, BaseExtractor, Clip, Cursor, Sink, Wake
from ci_agent.triage.model import Failure, Kind, Location

__all__ = ["ROOTDIR", "Pytest"]

_HEADER = re.compile(r"^=+ (FAILURES|ERRORS) =+$")
_SUMMARY = re.compile(r"^=+ short test summary info =+$")
_RULE = re.compile(r"^=+ .*=+$")
_END = re.compile(r"^=+ .*\bin \d+(?:\.\d+)?s\b.*=+$")
_HEADLINE = re.compile(r"^_{2,} (.+?) _{2,}$")
# pytest 9 reports a failed subtest as ``SUBFAILED(info=False) path::test``: the test failed.
_RESULT = re.compile(
    r"^(?:\[gw\d+\] \[\s*\d+%\] )?(?:SUB)?(FAILED|ERROR)(?:\(.*?\))? "
    r"([^\s\[]+(?:\[.*?\])?)(?: - (.*))?\s*$"
)
_RESULT_STARTS = ("FAILED", "ERROR", "SUBFAILED", "SUBERROR", "[gw")  # what _RESULT can start with
_SUBTEST = re.compile(r" \([^()]*\)$")
_PROGRESS = re.compile(r"^(\S+?::[^\s\[]+(?:\[.*?\])?) (FAILED|ERROR)(?:\s+\[\s*\d+%\])?\s*$")
_LOCATION = re.compile(r"^([^\s:][^:]*?\.\w+):(\d+): ?(.*)$")
_FILE = re.compile(r'^(?:E\s+)?\s*File "(.+?)", line (\d+)')
_EXCEPTION = re.compile(r"^E\s+((?:\w+\.)*\w*(?:Error|Exception|Exit|Interrupt|Failed)\b.*)$")
# A native traceback's (``--tb=native``) last line: the exception, unprefixed.
_RAISED = re.compile(
    r"^(?:[A-Za-z_]\w*\.)*\w*(?:Error|Exception|Exit|Interrupt|Failed|Warning)(?::\s|$)"
)
# ``--tb=line`` prints a strict XPASS's report (a plain string) and then its "crash line", the
# same string: two lines for one failure, and no location.
_XPASS = "[XPASS(strict)]"
ROOTDIR = re.compile(r"^rootdir: (.+?)(?:, \w+: .*)?$")
_CAPTURED = re.compile(r"^-+ Captured .* -+$")
_COLLECTING = "ERROR collecting "
# pytest-xdist's message for a test whose worker died (``os._exit``, a segfault, the OOM killer).
_CRASHED = "' crashed while running '"
_DOCTEST = "[doctest] "
# pytest's exit 4 (usage error): a conftest that does not import, a plugin that does not load.
# The lines a section needs once its excerpt lines are no longer kept: rules, headlines, E lines,
# frames (``File "…"``, ``path:N: …``), captured output, results. The others (source lines,
# captured output) are skipped unread: thousands of failures stay fast.
_SPARSE = re.compile(rb"====|__ |E  |File \"|:\d+: |Captured|FAIL|ERROR|short test summary|\[XPASS")
# The summary needs its results and the rule after it; another section (warnings, passes) only
# the rule that ends it: one literal is found several times faster than the alternation above.
_SPARSE_SUMMARY = re.compile(rb"====|FAIL|ERROR")
_SPARSE_OTHER = re.compile(rb"====")
# What a line needs for an idle extractor to act on it (see ``_idle``): a rule, the tally's
# digit, a load error or rootdir line, a node id (``::``) or a file (``.py``) in a result line.
# pytest -v's progress lines broken by live logs (``FAILED   [ 12%]``) are dropped unread.
_WAKE = Wake(
    re.compile(r"[=\d]|ImportError while|ERROR: Error importing|rootdir: |INTERNALERROR> "),
    ("::", ".py"),
)
_INTERNAL = "INTERNALERROR> "
_MESSAGE_CHARS = 300  # of an internal error's exception, in the failure's message
_INTERNAL_EXCEPTION = re.compile(r"^(?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*(?:Error|Exception|Exit)\b")
_CONFTEST = re.compile(r"^ImportError while loading conftest '(.+?)'\.?\s*$")
_PLUGIN = re.compile(r'^ERROR: Error importing plugin "(.+?)": (.+)$')
_AT = re.compile(r"^ERROR at (?:setup|teardown) of (.+)$")
# The session's closing tally, bare (``-q``) or inside a rule: with ``--tb=no -rN`` it is all
# that tells a test failed. Counts come in pytest's order (``1 passed, 2 errors``).
_TALLY = re.compile(r"^(?:=+ )?((?:\d+ [a-z]+, )*\d+ [a-z]+) in \d+(?:\.\d+)?s\b[^=]*?(?: =+)?$")
_TALLY_FAILED = re.compile(r"\b\d+ (?:failed|errors?)\b")


# Plain classes with slots, not dataclasses: building a dataclass costs start-up at every run.
class _Section:
    """One entry of the ERRORS or FAILURES section."""

    __slots__ = (
        "captured",
        "clip",
        "doctest",
        "exception",
        "first",
        "frames",
        "innermost",
        "key",
        "label",
        "offset",
        "phase",
        "project",
        "raised",
        "step",
    )

    def __init__(
        self,
        key: str,
        step: int,
        offset: int,
        clip: Clip | None,
        *,
        first: str | None = None,
        label: str = "",
    ) -> None:
        self.key = key
        self.step = step
        self.offset = offset
        self.clip = clip  # None for the lean sections past those the excerpt shows
        self.first = first
        self.exception: str | None = None
        self.raised: str | None = None  # a native traceback's exception line
        self.phase = False  # an "ERROR at setup/teardown of" section: not the test's own call
        self.project: Location | None = None
        self.innermost: Location | None = None
        self.frames = 0
        self.captured = False
        self.label = label
        self.doctest = ""  # the doctest output being read: "Expected:" or "Got:"

    def location(self) -> Location | None:
        return self.project or self.innermost


class _Test:
    """A node id reported as FAILED or ERROR."""

    __slots__ = ("error", "message", "node", "offset", "step")

    def __init__(self, node: str, step: int, offset: int, message: str | None, error: bool) -> None:
        self.node = node
        self.step = step
        self.offset = offset
        self.message = message
        self.error = error


def _key(node: str) -> str:
    """The name a section headline uses for ``node``: ``Class.test[param]``, or the path."""
    path, _, rest = node.partition("::")
    if not rest:
        return path
    name, bracket, params = rest.partition("[")
    return name.replace("::", ".") + bracket + params


class Pytest(BaseExtractor):
    """Failing test ids, messages and locations from pytest's report."""

    skim = (b"FAIL",)
    dense = (
        b"FAIL",
        b"ERROR",
        b"rootdir: ",
        b"short test summary",
        b"while loading conftest",
        b" failed",  # the closing tally (and b" error")
        b" error",
    )
    claims = True
    wake = _WAKE

    def __init__(self) -> None:
        self._reset()

    @property
    def sparse(self) -> re.Pattern[bytes] | None:
        """Only some lines are needed in the summary, and in sections past the excerpt's."""
        mode = self._mode
        if mode == "sections":
            return _SPARSE if self._lean else None
        if mode == "summary":
            return _SPARSE_SUMMARY
        return _SPARSE_OTHER if mode == "other" else None

    def _reset(self) -> None:
        self._lean = False  # sections no longer keep excerpt lines: only some lines are read
        self._mode = ""  # "", "sections", "summary", "other" or "conftest"
        self._tests: dict[str, _Test] = {}
        self._sections: list[_Section] = []
        self._current: _Section | None = None
        self._orphans: deque[_Section] = deque()  # --tb=line: failures without a headline
        self._loose: str | None = None
        self._tally: Failure | None = None  # a closing tally naming failures, kept till flush
        self._width = 0  # of the FAILURES or ERRORS rule: the terminal's, as all pytest's rules
        # pytest stopped by an error of its own or a plugin's (``INTERNALERROR>`` lines, exit 3):
        # the traceback's last exception and innermost frame in the project.
        self._internal: str | None = None
        self._internal_at: Location | None = None

    def feed(self, line: str, cursor: Cursor, sink: Sink) -> bool:
        """Follow the report: sections, summary, end of session."""
        if not self._mode:
            return self._idle(line, cursor, sink)
        if line[:1] == "=" and _RULE.match(line) and self._is_rule(line):  # cheap test first
            return self._rule(line, sink)
        if self._mode == "sections":
            self._section_line(line, cursor, sink)
        elif self._mode == "summary":
            self._result(line, cursor.step, cursor.offset)
        elif self._mode == "conftest":
            if not line.strip():
                self.flush(sink)
                return False
            self._section_line(line, cursor, sink)
        return True

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
        """Lean sections (past the excerpt's) are read in one loop, as ``feed`` reads them:
        tens of thousands of failures are a few lines each."""
        if self._mode == "summary":
            return self._summary_lines(data, base, starts, lines, cursor=cursor, sink=sink)
        if self._mode != "sections" or not self._lean:
            return super().feed_lines(data, base, starts, lines, cursor=cursor, sink=sink)
        frame_of = sink.frame
        width = self._width - 1  # pytest's own headlines are as wide as its rules
        for index, line in enumerate(lines):
            head = line[:2]
            if head[:1] == "=" and _RULE.match(line) and self._is_rule(line):
                cursor.at(data, base, starts[index])
                return index + 1, self._rule(line, sink)
            headline = _HEADLINE.match(line) if head == "__" else None
            if headline and len(line) >= width:  # one per failure (narrower: printed)
                cursor.at(data, base, starts[index])
                self._headline(line, headline.group(1), cursor, sink)
                if self.sparse is not _SPARSE:  # a section that keeps its lines: all are needed
                    return index + 1, True
                continue
            section = self._current
            if section is None:  # --tb=line's entries
                cursor.at(data, base, starts[index])
                self._orphan(line, cursor, sink)
                continue
            # The rest of _section_line for a section without excerpt lines.
            if section.clip is not None:
                section.clip.add(line)
            if section.captured:
                continue
            if head[:1] == "-" and _CAPTURED.match(line):
                section.captured = True
                continue
            if head == "E ":
                section.first = section.first or line[1:].strip()
                if section.exception is None:
                    exception = _EXCEPTION.match(line)
                    if exception:
                        section.exception = exception.group(1).strip()
                frame = _FILE.match(line) if 'File "' in line else None
            else:
                frame = _FILE.match(line) if 'File "' in line else None
                if frame is None and ":" in line:
                    frame = _LOCATION.match(line)
            if frame:  # what _frame does
                location, project = frame_of(frame.group(1), int(frame.group(2)))
                section.frames += 1
                section.innermost = location
                if project:
                    section.project = location
        return len(lines), True

    def _summary_lines(
        self,
        data: bytes,
        base: int,
        starts: Sequence[int],
        lines: Sequence[str],
        *,
        cursor: Cursor,
        sink: Sink,
    ) -> tuple[int, bool]:
        """The short test summary's lines in one loop, as ``feed`` reads them: a result a
        line, up to the rule that ends it."""
        step, result = cursor.step, self._result
        for index, line in enumerate(lines):
            if line[:1] == "=" and _RULE.match(line) and self._is_rule(line):
                cursor.at(data, base, starts[index])
                return index + 1, self._rule(line, sink)
            if "FAILED" in line or "ERROR" in line:
                result(line, step, base + starts[index])
        if lines:  # where feed would leave it
            cursor.at(data, base, starts[-1])
        return len(lines), True

    def flush(self, sink: Sink) -> None:
        """Emit one failure per failing test, in the order they were first seen."""
        # Each test takes the first section left under its name: most names have one section,
        # kept in ``first``; the others (subtests, reruns) wait in ``more``, in order.
        sections = self._sections
        first = {section.key: section for section in sections}
        more: dict[str, deque[_Section]] = {}
        if len(first) < len(sections):  # names with several sections
            first.clear()
            for section in sections:
                held = first.get(section.key)
                if held is None:
                    first[section.key] = section
                elif held.phase and not section.phase:
                    # A test that failed and then errored at teardown (both in the summary):
                    # its own failure is the test's, the fixture's error comes after it.
                    first[section.key] = section
                    more.setdefault(section.key, deque()).appendleft(held)
                else:
                    more.setdefault(section.key, deque()).append(section)
        named: set[str] = set()
        add, failure, pop = sink.add, self._failure, first.pop

        def take(key: str) -> _Section | None:
            found = pop(key, None)
            if found is None:
                left = more.get(key)
                found = left.popleft() if left else None
            return found

        for test in sorted(self._tests.values(), key=attrgetter("offset")):
            node = test.node
            key = _key(node)
            named.add(key)
            found = pop(key, None)
            if found is not None and found.phase and not test.error and self._orphans:
                found = self._orphans.popleft()  # --tb=line: its own failure is a line entry
            if found is None:
                left = more.get(key)
                found = left.popleft() if left else None
                if found is None and test.message and _CRASHED in test.message:
                    # pytest-xdist heads a crashed worker's section with the test's file.
                    found = take(node.partition("::")[0])
                if found is None and not test.error and self._orphans:
                    found = self._orphans.popleft()
            elif found.clip is None and not found.label and "::" in node:
                # A test and its lean section (most of tens of thousands): _failure's result.
                message = found.exception or found.first
                if test.message and (message is None or message.startswith("File")):
                    message = test.message
                add(
                    Failure(
                        Kind.TEST,
                        "pytest",
                        message or "failed",
                        test_id=node,
                        location=found.project or found.innermost,
                        step=test.step,
                        offset=min(test.offset, found.offset),
                    )
                )
                continue
            add(failure(node, test, found, sink))
        for key, section in first.items():
            if key in named:
                continue  # more subtests of a test already reported
            for left in (section, *more.get(key, ())):
                add(failure(self._node_of(left), None, left, sink))
        if self._tally is not None and not self._tests and not self._sections:
            sink.add(self._tally)  # nothing but the tally says that tests failed
        self._reset()

    # --- states ---

    def _idle(self, line: str, cursor: Cursor, sink: Sink) -> bool:
        if line.startswith(_INTERNAL):
            self._internal_error(line[len(_INTERNAL) :], sink)
            return False
        rule = line[:1] == "="
        if rule and _HEADER.match(line):
            self._mode, self._width = "sections", len(line)
        elif rule and _SUMMARY.match(line):
            self._mode = "summary"
        elif line.startswith(("ImportError while", "ERROR: Error importing")):
            self._load_error(line, cursor, sink)
        elif line[:1].isdigit() or rule:
            self._count(line, cursor)
        else:
            self._result(line, cursor.step, cursor.offset)
            root = ROOTDIR.match(line) if line.startswith("rootdir: ") else None
            if root:
                sink.add_root(root.group(1))
        return bool(self._mode)

    def _load_error(self, line: str, cursor: Cursor, sink: Sink) -> None:
        """A conftest that does not import (its traceback follows), a plugin that does not load."""
        conftest, plugin = _CONFTEST.match(line), _PLUGIN.match(line)
        if conftest:
            self._mode = "conftest"
            key = sink.relative(conftest.group(1))
            self._current = _Section(
                key, cursor.step, cursor.offset, Clip(), label="conftest error: "
            )
            self._current.clip = Clip() if sink.keeps_context else None
            if self._current.clip is not None:
                self._current.clip.add(line)
            self._sections.append(self._current)
        elif plugin:
            message = f"pytest plugin {plugin.group(1)!r} does not load: {plugin.group(2)}"
            sink.add(
                Failure(
                    Kind.DEPENDENCY,
                    "pytest",
                    message,
                    context=(line,),
                    step=cursor.step,
                    offset=cursor.offset,
                )
            )

    def _internal_error(self, text: str, sink: Sink) -> None:
        """A line of pytest's internal error: a frame, or (unindented) an exception."""
        frame = _FILE.match(text) if 'File "' in text else None
        if frame is not None:
            location, project = sink.frame(frame.group(1), int(frame.group(2)))
            if project:
                self._internal_at = location
        elif text[:1] not in (" ", "\t", "") and _INTERNAL_EXCEPTION.match(text):
            error = text.strip()
            # A message cut to the report's width says so; the log's lines hold the whole.
            cut = len(error) > _MESSAGE_CHARS
            self._internal = error[:_MESSAGE_CHARS] + (" … (cut: see the log)" if cut else "")

    def _count(self, line: str, cursor: Cursor) -> None:
        """The closing tally (``1 failed, 5 passed in 0.12s``) of a run that named no test."""
        tally = _TALLY.match(line)
        if tally is None or not _TALLY_FAILED.search(tally.group(1)):
            return
        why = "-rN and --tb=no hide them, -rf lists them"
        if self._internal is not None:
            why = f"pytest stopped with an internal error first: {self._internal}"
        self._tally = Failure(
            Kind.TEST,
            "pytest",
            f"{tally.group(1)}; the log names no failing test ({why})",
            location=self._internal_at if self._internal is not None else None,
            context=(line,),
            step=cursor.step,
            offset=cursor.offset,
        )

    def _is_rule(self, line: str) -> bool:
        """Whether a line shaped like a rule is pytest's: inside the sections, one narrower
        than the section's own rule is a test's captured output (``print("=== x ===")``).
        pytest writes every rule at the terminal's width, one less when the title's parity
        differs, and wider only when the title does not fit."""
        return self._mode != "sections" or len(line) >= self._width - 1

    def _rule(self, line: str, sink: Sink) -> bool:
        self._current, self._loose = None, None
        if _HEADER.match(line):
            self._mode, self._width = "sections", len(line)
        elif _SUMMARY.match(line):
            self._mode = "summary"
        elif _END.match(line):
            self.flush(sink)
            return False
        else:
            self._mode = "other"
        return True

    def _result(self, line: str, step: int, offset: int) -> None:
        """A result line (``FAILED id - message``, a progress line): the test it names."""
        if not ("FAILED" in line or "ERROR" in line):
            return
        found = _RESULT.match(line) if line.startswith(_RESULT_STARTS) else None
        if found:
            node, message = found.group(2), found.group(3)
        else:
            found = _PROGRESS.match(line) if "::" in line else None
            if not found:
                return
            node, message = found.group(1), None
        if "::" not in node and not node.endswith(".py"):
            return
        test = self._tests.get(node)
        if test is None:
            error = (found.group(2) if found.re is _PROGRESS else found.group(1)) == "ERROR"
            self._tests[node] = _Test(node, step, offset, message, error)
        elif test is not None and message and not test.message:
            test.message = message

    def _section_line(self, line: str, cursor: Cursor, sink: Sink) -> None:
        # Each regex below runs only where a cheap test of the line says it can match: tens of
        # thousands of failures are read line by line.
        headline = _HEADLINE.match(line) if line[:2] == "__" else None
        if headline and len(line) >= self._width - 1:  # narrower: printed by the test
            self._headline(line, headline.group(1), cursor, sink)
            return
        section = self._current
        if section is None:
            self._orphan(line, cursor, sink)
            return
        if section.clip is not None:
            section.clip.add(line)
        if section.captured or (line[:1] == "-" and _CAPTURED.match(line)):
            section.captured = True
            return
        doctest = line in ("Expected:", "Got:") or line.startswith("UNEXPECTED ")
        if not self._lean and (section.doctest or doctest):
            self._doctest_line(section, line)
        if line.startswith("E "):
            section.first = section.first or line[1:].strip()
            exception = _EXCEPTION.match(line)
            if exception and section.exception is None:
                section.exception = exception.group(1).strip()
        elif section.frames and line[:1].isalpha() and _RAISED.match(line):
            section.raised = line.strip()  # the last one: a chained traceback's end
        frame = _FILE.match(line) if 'File "' in line else None
        if frame is None and ":" in line and not line.startswith("E "):
            frame = _LOCATION.match(line)
        if frame:
            self._frame(section, frame.group(1), int(frame.group(2)), sink)

    def _headline(self, line: str, title: str, cursor: Cursor, sink: Sink) -> None:
        """A section starts: its key is the name the test's node id ends with."""
        at = _AT.match(title) if title.startswith("ERROR at ") else None
        key = title.removeprefix(_COLLECTING) if at is None else at.group(1)
        key = key.removeprefix(_DOCTEST)  # its node id is path::module.function
        if key[-1:] == ")":
            key = _SUBTEST.sub("", key)  # a subtest's headline: "Class.test (i=1)"
        # Excerpt lines of the first sections only: memory stays small with 40,000.
        keep = sink.keeps_context and len(self._sections) < CONTEXT_KEPT
        clip = Clip() if keep else None
        self._lean = clip is None
        self._current = _Section(key, cursor.step, cursor.offset, clip)
        self._current.phase = at is not None
        if clip is not None:
            clip.add(line)
        self._sections.append(self._current)

    @staticmethod
    def _doctest_line(section: _Section, line: str) -> None:
        """A doctest's report: ``Expected:``/``Got:`` blocks, or ``UNEXPECTED EXCEPTION: ...``."""
        if line.startswith("UNEXPECTED EXCEPTION: "):
            raised = line.removeprefix("UNEXPECTED EXCEPTION: ")
            section.first = section.first or f"doctest raised {raised}"
        elif line in ("Expected:", "Got:"):
            section.doctest = line
        elif section.doctest == "Expected:":
            section.first = f"doctest expected {line.strip()!r}"
            section.doctest = ""
        elif section.doctest == "Got:":
            if section.first and " got " not in section.first:
                section.first += f", got {line.strip()!r}"
            section.doctest = ""

    def _orphan(self, line: str, cursor: Cursor, sink: Sink) -> None:
        """``--tb=line``: ``E`` lines, then ``/abs/path:line: message``, no headline."""
        if line.startswith("E "):
            self._loose = self._loose or line[1:].strip()
            return
        if line.startswith(_XPASS):  # its report, then its crash line: one entry
            if self._loose != _XPASS:
                self._loose = _XPASS
                return
            self._orphans.append(_Section("", cursor.step, cursor.offset, Clip(), first=_XPASS))
            self._loose = None
            return
        entry = _LOCATION.match(line)
        if entry is None:
            return
        section = _Section(
            "", cursor.step, cursor.offset, Clip(), first=self._loose or entry.group(3)
        )
        if section.clip is not None:
            section.clip.add(line)
        self._frame(section, entry.group(1), int(entry.group(2)), sink)
        self._orphans.append(section)
        self._loose = None

    def _frame(self, section: _Section, path: str, line: int, sink: Sink) -> None:
        location, project = sink.frame(path, line)
        section.frames += 1
        section.innermost = location
        if project:
            section.project = location

    # --- output ---

    def _node_of(self, section: _Section) -> str:
        """A node id for a section the summary did not name (``-rN``, a cut log)."""
        if section.key.endswith(".py"):
            return section.key
        location = section.project
        name, bracket, params = section.key.partition("[")
        qualified = name.replace(".", "::") + bracket + params
        return f"{location.path}::{qualified}" if location else qualified

    def _failure(
        self, node: str, test: _Test | None, section: _Section | None, sink: Sink
    ) -> Failure:
        context: tuple[str, ...] = ()
        location: Location | None = None
        if section is None:
            if test is None:  # never: a failure has a test, a section or both
                raise ValueError(node)
            message, label = test.message, ""
            step, offset = test.step, test.offset
        else:
            message = section.exception or section.first or section.raised
            if (
                test is not None
                and test.message
                and (message is None or message.startswith("File"))
            ):
                message = test.message
            location = section.project or section.innermost
            if section.clip is not None:
                context = section.clip.lines()
            label = section.label
            if test is None:
                step, offset = section.step, section.offset
            else:
                step, offset = test.step, min(test.offset, section.offset)
        if not label and node.endswith(".py") and "::" not in node:
            label = "collection error: "
        return Failure(
            Kind.TEST,
            "pytest",
            label + (message or "failed"),
            test_id=node,
            location=location,
            context=context,
            step=step,
            offset=offset,
        )
