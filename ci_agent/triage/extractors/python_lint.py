"""Python linters and formatters: ruff (full and concise output, ``ruff format --check``),
flake8, pylint, black, isort; and prettier's ``--check``, which reports the same way.

Ruff's default output puts the rule and message on one line and the location on the next
(`` --> path:line:col``), as rustc does; that arrow format is read here for both.
"""

from __future__ import annotations

import re

from ci_agent.record import replace
from ci_agent.triage.extractor import BaseExtractor, Clip, Cursor, LazyPattern, Sink
from ci_agent.triage.model import Failure, Kind, Location

__all__ = ["Formatters", "PythonLint", "RuffFull"]

_ARROW = LazyPattern(r"^\s*-->\s*(.+?):(\d+):(\d+)\s*$")
_RULE_HEAD = LazyPattern(r"^([A-Z]+[0-9]+) (\[\*\] )?(.+)$")
_NAMED_HEAD = LazyPattern(r"^(invalid-syntax|unformatted|syntax-error): (.+)$")
_RUST_HEAD = LazyPattern(r"^error(?:\[(E\d+)\])?: (.+)$")
# (A tool's GitHub output, ``--output-format=github``, seen outside Actions, where no runner
# turned its ``::error title=…,file=…::`` prefix into an annotation: the prefix is not the path.)
_CONCISE = LazyPattern(
    r"^(?:::(?:error|warning|notice)\b[^\n]*?::)?"
    r"(.+?\.(?:py|pyi|ipynb)):(\d+):(\d+): ([A-Z]+[0-9]+|invalid-syntax|unformatted):? "
    r"(\[\*\] )?(.+)$"
)
# Rules no fixer of any linter or formatter fixes: names that are not defined, syntax errors.
_NO_FIX = frozenset({"F821", "F822", "F823", "E999", "E0602", "E0601", "E0102"})
_PYLINT_CODE = LazyPattern(r"^[CRWEFI]\d{4}$")
_RUFF_SUMMARY = LazyPattern(r"^Found \d+ errors?\b")
_ESCAPES = rb"(?:\x1b\[[0-9;]*m)*"
_REFORMAT = LazyPattern(r"^(?:Would reformat: |would reformat )(.+?)\s*$")
_ISORT = LazyPattern(r"^ERROR: (.+?) Imports are incorrectly sorted")
_PRETTIER_FILE = LazyPattern(r"^\[warn\] (\S+)\s*$")
_PRETTIER_END = LazyPattern(r"^\[warn\] Code style issues")


def _kind_of(code: str) -> Kind:
    if code == "unformatted":
        return Kind.FORMAT
    return Kind.BUILD if code in ("invalid-syntax", "syntax-error") else Kind.LINT


class RuffFull(BaseExtractor):
    """Ruff's and rustc's two-line diagnostics: ``CODE [*] message`` then `` --> path:l:c``."""

    dense = (b"-->",)

    def __init__(self) -> None:
        self._pending: Failure | None = None
        self._clip = Clip(head=10, tail=0)

    def feed(self, line: str, cursor: Cursor, sink: Sink) -> bool:
        """At an arrow, read the head line above it; keep the snippet below as context."""
        if self._pending is not None:
            if line.strip() and not _ARROW.match(line):
                self._clip.add(line)
                return True
            self.flush(sink)
        arrow = _ARROW.match(line)
        if arrow is None:
            return False
        above = cursor.before(1)
        head = above[0].strip() if above else ""
        failure = self._head(head, arrow, cursor, sink)
        if failure is None:
            return False
        self._pending = failure
        self._clip.add(head)
        self._clip.add(line)
        return True

    def _head(self, head: str, arrow: re.Match[str], cursor: Cursor, sink: Sink) -> Failure | None:
        location = Location(sink.relative(arrow.group(1)), int(arrow.group(2)), int(arrow.group(3)))
        rule, named, rust = _RULE_HEAD.match(head), _NAMED_HEAD.match(head), _RUST_HEAD.match(head)
        if rule:
            kind, tool, code, message = Kind.LINT, "ruff", rule.group(1), rule.group(3)
        elif named:
            kind, tool, code, message = (
                _kind_of(named.group(1)),
                "ruff",
                named.group(1),
                named.group(2),
            )
        elif rust:
            kind, tool, code, message = Kind.BUILD, "rustc", rust.group(1), rust.group(2)
        else:
            return None
        # Ruff marks what its fixer fixes with [*]; a rule without it no fixer fixes (F821).
        fixable = bool(rule.group(2)) if rule else None
        if kind is Kind.FORMAT:
            fixable = True
        return Failure(
            kind,
            tool,
            message.strip(),
            location=location,
            code=code,
            fixable=fixable,
            step=cursor.step,
            offset=cursor.offset,
        )

    def flush(self, sink: Sink) -> None:
        """Emit the diagnostic being read."""
        if self._pending is not None:
            sink.add(replace(self._pending, context=self._clip.lines()))
        self._pending = None
        self._clip = Clip(head=10, tail=0)


class PythonLint(BaseExtractor):
    """One-line diagnostics ``path:line:col: CODE message``: ruff's concise output, flake8,
    pylint, pycodestyle."""

    dense = (
        re.compile(rb"\.py[i]?" + _ESCAPES + rb":" + _ESCAPES + rb"\d+" + _ESCAPES + rb":"),
        re.compile(rb"Found \d+ errors?\b"),
    )

    def __init__(self) -> None:
        self._pending: list[Failure] = []

    def feed(self, line: str, cursor: Cursor, sink: Sink) -> bool:
        """Keep each diagnostic until the tool's summary (or the step's end) names the tool."""
        if _RUFF_SUMMARY.match(line):
            self._emit(sink, "ruff")
            return False
        found = _CONCISE.match(line)
        if found is None:
            return False
        code = found.group(4)
        location = Location(sink.relative(found.group(1)), int(found.group(2)), int(found.group(3)))
        self._pending.append(
            Failure(
                _kind_of(code),
                "ruff" if found.group(5) else "pylint" if _PYLINT_CODE.match(code) else "",
                found.group(6).strip(),
                location=location,
                code=code,
                fixable=True if found.group(5) else None,
                context=(line,),
                step=cursor.step,
                offset=cursor.offset,
            )
        )
        return False

    def flush(self, sink: Sink) -> None:
        """Emit what no summary claimed: flake8 (which prints none) unless marked otherwise."""
        self._emit(sink, "flake8")

    def _emit(self, sink: Sink, tool: str) -> None:
        for failure in self._pending:
            fixable = failure.fixable
            ruff = tool == "ruff" and failure.tool in ("", "ruff")
            if fixable is None and failure.kind is Kind.LINT and (ruff or failure.code in _NO_FIX):
                fixable = False  # ruff's summary names it: a rule without [*] has no fix
            sink.add(replace(failure, tool=failure.tool or tool, fixable=fixable))
        self._pending = []


class Formatters(BaseExtractor):
    """Files a formatter's check would rewrite: ruff format, black, isort, prettier."""

    dense = (b"ould reformat", b"Imports are incorrectly sorted", b"[warn] ")

    def __init__(self) -> None:
        self._prettier: list[Failure] = []

    def feed(self, line: str, cursor: Cursor, sink: Sink) -> bool:
        """One failure per file named."""
        if _PRETTIER_END.match(line):
            for failure in self._prettier:
                sink.add(failure)
            self._prettier = []
            return False
        reformat, isort = _REFORMAT.match(line), _ISORT.match(line)
        prettier = _PRETTIER_FILE.match(line)
        if reformat:
            tool = "ruff" if line.startswith("Would") else "black"
            sink.add(self._failure(tool, reformat.group(1), line, cursor, sink))
        elif isort:
            sink.add(self._failure("isort", isort.group(1), line, cursor, sink))
        elif prettier:
            self._prettier.append(self._failure("prettier", prettier.group(1), line, cursor, sink))
        return False

    def flush(self, sink: Sink) -> None:
        """Warnings without prettier's summary were not a format check: drop them."""
        self._prettier = []

    @staticmethod
    def _failure(tool: str, path: str, line: str, cursor: Cursor, sink: Sink) -> Failure:
        return Failure(
            Kind.FORMAT,
            tool,
            "file would be reformatted",
            location=Location(sink.relative(path)),
            fixable=True,
            context=(line,),
            step=cursor.step,
            offset=cursor.offset,
        )
