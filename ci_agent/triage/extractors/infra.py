"""Lines that say the machine or the network failed: connection resets, registry 5xx answers,
name resolution, out-of-memory kills, test timeouts (see :mod:`ci_agent.triage.signals`).

One failure per kind and step: the first line that names it (a retry loop can print the same
reset a thousand times, and npm or pip report the same failure over several lines)."""

from __future__ import annotations

from ci_agent.triage.extractor import GENERIC_TOOL, BaseExtractor, Cursor, Sink
from ci_agent.triage.model import Failure, Kind
from ci_agent.triage.signals import ANCHORS, infrastructure_kind, is_retry_notice

__all__ = ["Infrastructure"]


class Infrastructure(BaseExtractor):
    """The first line of each infrastructure kind in a step (retry notices excluded)."""

    dense = ANCHORS

    def __init__(self) -> None:
        self._seen: set[Kind] = set()

    def feed(self, line: str, cursor: Cursor, sink: Sink) -> bool:
        """Record the line if it names an infrastructure failure."""
        if is_retry_notice(line):
            return False
        kind = infrastructure_kind(line)
        if kind is None or kind in self._seen:
            return False
        self._seen.add(kind)
        message = line.strip()[:300]
        sink.add(
            Failure(
                kind, GENERIC_TOOL, message, context=(line,), step=cursor.step, offset=cursor.offset
            )
        )
        return False

    def flush(self, sink: Sink) -> None:
        """Kinds are counted per step."""
        self._seen.clear()
