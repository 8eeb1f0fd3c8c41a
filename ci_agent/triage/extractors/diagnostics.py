"""Compiler and type-checker diagnostics, one line each: gcc/clang, javac, mypy
(``path:line[:col]: error: message  [code]``), pyright (``path:line:col - error: ...``),
tsc (``path(line,col): error TS2322: ...``), and the linker's undefined references."""

from __future__ import annotations

from ci_agent.triage.extractor import BaseExtractor, Cursor, LazyPattern, Sink
from ci_agent.triage.model import Failure, Kind, Location

__all__ = ["Diagnostics"]

_GNU = LazyPattern(
    r"^([^\s:(][^:(]*?):(\d+):(?:(\d+):)? (fatal error|error|Error): (.+?)(?:  \[([\w-]+)\])?\s*$"
)
_PYRIGHT = LazyPattern(r"^\s*(\S.*?):(\d+):(\d+) - error: (.+?)(?: \((report\w+)\))?\s*$")
_TSC = LazyPattern(r"^(\S.*?)(?:\((\d+),(\d+)\):|:(\d+):(\d+) -) error (TS\d+): (.+)$")
_LINKER = LazyPattern(
    r"^(?:(\S+?):\(\.[\w.]+\+0x[0-9a-f]+\): )?(?:.*: )?(undefined reference to .+)$"
)
_NATIVE = LazyPattern(r"\.(?:c|h|cc|cpp|cxx|hpp|hh|hxx|m|mm|cu|f90|f)$")
_JVM = LazyPattern(r"\.(?:java|kt|scala)$")
_SOURCE = LazyPattern(r"\.\w{1,5}$")


def _tool(path: str) -> tuple[Kind, str]:
    if path.endswith((".py", ".pyi")):
        return Kind.TYPE, "mypy"
    if _NATIVE.search(path):
        return Kind.BUILD, "gcc"
    if _JVM.search(path):
        return Kind.BUILD, "javac"
    if path.endswith(".go"):
        return Kind.BUILD, "go"
    return Kind.BUILD, "compiler"


class Diagnostics(BaseExtractor):
    """Error lines of compilers and type checkers (warnings and notes are not failures)."""

    dense = (b"rror", b"undefined reference")

    def feed(self, line: str, cursor: Cursor, sink: Sink) -> bool:
        """One failure per error line."""
        if "rror" in line:
            failure = self._error(line, cursor, sink)
        elif "undefined reference" in line:
            failure = self._linker(line, cursor)
        else:
            failure = None
        if failure is not None:
            sink.add(failure)
        return False

    def _error(self, line: str, cursor: Cursor, sink: Sink) -> Failure | None:
        gnu = _GNU.match(line)
        if gnu and _SOURCE.search(gnu.group(1)):
            path = sink.relative(gnu.group(1))
            kind, tool = _tool(path)
            column = int(gnu.group(3)) if gnu.group(3) else None
            location = Location(path, int(gnu.group(2)), column)
            return self._failure(
                kind, tool, gnu.group(5), location, gnu.group(6), line=line, cursor=cursor
            )
        pyright = _PYRIGHT.match(line)
        if pyright:
            location = Location(
                sink.relative(pyright.group(1)), int(pyright.group(2)), int(pyright.group(3))
            )
            return self._failure(
                Kind.TYPE,
                "pyright",
                pyright.group(4),
                location,
                pyright.group(5),
                line=line,
                cursor=cursor,
            )
        tsc = _TSC.match(line)
        if tsc:
            row, col = (tsc.group(2), tsc.group(3)) if tsc.group(2) else tsc.group(4, 5)
            location = Location(sink.relative(tsc.group(1)), int(row), int(col))
            return self._failure(
                Kind.TYPE, "tsc", tsc.group(7), location, tsc.group(6), line=line, cursor=cursor
            )
        return None

    def _linker(self, line: str, cursor: Cursor) -> Failure | None:
        found = _LINKER.match(line)
        if found is None:
            return None
        location = Location(found.group(1)) if found.group(1) else None
        return self._failure(
            Kind.BUILD, "ld", found.group(2), location, None, line=line, cursor=cursor
        )

    @staticmethod
    def _failure(
        kind: Kind,
        tool: str,
        message: str,
        location: Location | None,
        code: str | None,
        *,
        line: str,
        cursor: Cursor,
    ) -> Failure:
        return Failure(
            kind,
            tool,
            message.strip(),
            location=location,
            code=code,
            context=(line,),
            step=cursor.step,
            offset=cursor.offset,
        )
