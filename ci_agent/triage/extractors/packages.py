"""Package installers: pip's resolver and download errors (uv's too), npm's error codes.

pip retries a failed download and, when it gives up, reports that no version satisfies the
requirement: with ``Retrying`` warnings before it, that is the network, not the requirement.
"""

from __future__ import annotations

from ci_agent.record import replace
from ci_agent.triage.extractor import BaseExtractor, Clip, Cursor, LazyPattern, Sink
from ci_agent.triage.model import Failure, Kind
from ci_agent.triage.signals import infrastructure_kind

__all__ = ["Npm", "Pip"]

_CANNOT = LazyPattern(r"^ERROR: Cannot install (.+?) because these package versions have conflict")
_IMPOSSIBLE = LazyPattern(r"^ERROR: ResolutionImpossible")
_NO_VERSION = LazyPattern(
    r"^ERROR: (?:Could not find a version that satisfies the requirement|"
    r"No matching distribution found for) (\S+)"
)
_HTTP = LazyPattern(r"^ERROR: HTTP error (\d{3}) while getting (\S+)")
_OS_ERROR = LazyPattern(r"^ERROR: Could not install packages due to an? \w+: (.+)$")
_WHEEL = LazyPattern(r"^(?:ERROR: Failed building wheel for (\S+)|ERROR: Failed to build (.+))")
_NO_SOLUTION = LazyPattern(r"^\s*(?:\u00d7|error:) No solution found when resolving dependencies")
_RETRYING = "Retrying (Retry("

_NPM = LazyPattern(r"^npm (?:ERR!|error) ?(.*)$")
_NPM_CODE = LazyPattern(r"^code (E[A-Z0-9_]+)\b")
_NPM_DETAIL = LazyPattern(r"^(?:code|errno|syscall|path|command|signal|A complete log)\b")
_NPM_DEPENDENCY = frozenset({"ERESOLVE", "ETARGET", "E404", "ENOVERSIONS", "EBADPLATFORM"})
_NPM_NETWORK = LazyPattern(
    r"^E(?:CONNRESET|TIMEDOUT|AI_AGAIN|NOTFOUND|CONNREFUSED|SOCKETTIMEDOUT|PROTO|INTEGRITY|5\d\d|429)$"
)


def _failure(
    kind: Kind, tool: str, message: str, cursor: Cursor, context: tuple[str, ...]
) -> Failure:
    return Failure(kind, tool, message, context=context, step=cursor.step, offset=cursor.offset)


class Pip(BaseExtractor):
    """Resolver conflicts, missing versions, failed downloads and builds."""

    dense = (b"ERROR: ", _RETRYING.encode(), b"No solution found")

    def __init__(self) -> None:
        self._retries = 0
        self._conflict: Failure | None = None
        self._clip = Clip(head=20, tail=0)
        self._requirement: str | None = None

    def feed(self, line: str, cursor: Cursor, sink: Sink) -> bool:
        """One failure per error (a conflict with its explanation as context)."""
        if self._conflict is not None:
            if not _IMPOSSIBLE.match(line) and not line.startswith("ERROR: "):
                self._clip.add(line)
                return True
            self._emit_conflict(sink)
            if _IMPOSSIBLE.match(line):
                return False
        if _RETRYING in line:
            self._retries += 1
            return False
        cannot = _CANNOT.match(line)
        if cannot:
            message = f"cannot install {cannot.group(1)}: conflicting dependencies"
            self._conflict = _failure(Kind.DEPENDENCY, "pip", message, cursor, ())
            self._clip.add(line)
            return True
        failure = self._single(line, cursor)
        if failure is not None:
            sink.add(failure)
        return False

    def _single(self, line: str, cursor: Cursor) -> Failure | None:
        context = (line,)
        if _IMPOSSIBLE.match(line) or _NO_SOLUTION.match(line):
            tool = "pip" if line.startswith("ERROR") else "uv"
            return _failure(Kind.DEPENDENCY, tool, "dependency resolution failed", cursor, context)
        missing = _NO_VERSION.match(line)
        if missing:
            if missing.group(1) == self._requirement:
                return None
            self._requirement = missing.group(1)
            if self._retries:
                message = f"{missing.group(1)}: download failed after {self._retries} retries"
                return _failure(Kind.NETWORK, "pip", message, cursor, context)
            message = f"no version satisfies the requirement {missing.group(1)}"
            return _failure(Kind.DEPENDENCY, "pip", message, cursor, context)
        http = _HTTP.match(line)
        if http:
            kind = Kind.NETWORK if http.group(1).startswith("5") else Kind.DEPENDENCY
            message = f"HTTP error {http.group(1)} while getting {http.group(2)}"
            return _failure(kind, "pip", message, cursor, context)
        os_error = _OS_ERROR.match(line)
        if os_error:
            kind = infrastructure_kind(line) or Kind.DEPENDENCY
            return _failure(kind, "pip", os_error.group(1)[:300], cursor, context)
        wheel = _WHEEL.match(line)
        if wheel:
            message = f"failed to build {wheel.group(1) or wheel.group(2)}"
            return _failure(Kind.BUILD, "pip", message, cursor, context)
        return None

    def _emit_conflict(self, sink: Sink) -> None:
        if self._conflict is not None:
            sink.add(replace(self._conflict, context=self._clip.lines()))
        self._conflict, self._clip = None, Clip(head=20, tail=0)

    def flush(self, sink: Sink) -> None:
        """Emit a conflict being read; retries are counted per step."""
        self._emit_conflict(sink)
        self._retries, self._requirement = 0, None


class Npm(BaseExtractor):
    """npm's coded errors: dependency problems and network failures (a failed script is the
    script's own output, read elsewhere)."""

    dense = (b"npm ERR!", b"npm error")

    def __init__(self) -> None:
        self._code: str | None = None
        self._message: str | None = None
        self._clip = Clip(head=15, tail=0)
        self._step = 0
        self._offset = 0

    def feed(self, line: str, cursor: Cursor, sink: Sink) -> bool:
        """Read an error from its ``code`` line to the end of npm's error lines."""
        found = _NPM.match(line)
        if found is None:
            self.flush(sink)
            return False
        text = found.group(1).strip()
        code = _NPM_CODE.match(text)
        if code:
            self.flush(sink)
            self._code, self._step, self._offset = code.group(1), cursor.step, cursor.offset
        elif self._code and text and self._message is None and not _NPM_DETAIL.match(text):
            self._message = text
        if self._code is None:
            return False
        self._clip.add(line)
        return True

    def flush(self, sink: Sink) -> None:
        """Emit the error being read, if its code says something."""
        code = self._code
        if code in _NPM_DEPENDENCY or (code and _NPM_NETWORK.match(code)):
            kind = Kind.DEPENDENCY if code in _NPM_DEPENDENCY else Kind.NETWORK
            message = f"{code}: {self._message}" if self._message else code
            sink.add(
                Failure(
                    kind,
                    "npm",
                    message[:300],
                    code=code,
                    context=self._clip.lines(),
                    step=self._step,
                    offset=self._offset,
                )
            )
        self._code, self._message, self._clip = None, None, Clip(head=15, tail=0)
