"""What triage finds in a log: failure kinds, source locations and failure records."""

from __future__ import annotations

import enum
from typing import ClassVar

from ci_agent.record import Record, fill

__all__ = ["Failure", "Kind", "Location"]


class Kind(enum.StrEnum):
    """The kind of a failure; the classifier maps kinds to recovery strategies."""

    TEST = "test"
    LINT = "lint"
    FORMAT = "format"
    TYPE = "type"
    BUILD = "build"
    DEPENDENCY = "dependency"
    EXCEPTION = "exception"
    ERROR = "error"
    NETWORK = "network"
    TIMEOUT = "timeout"
    CANCELLED = "cancelled"
    RUNNER_LOST = "runner-lost"
    OOM = "oom"
    UNKNOWN = "unknown"

    @property
    def infrastructure(self) -> bool:
        """Whether this kind says the machine or the network failed, not the change."""
        return self in _INFRASTRUCTURE


_INFRASTRUCTURE = frozenset(
    {Kind.NETWORK, Kind.TIMEOUT, Kind.CANCELLED, Kind.RUNNER_LOST, Kind.OOM}
)


class Location(Record):
    """A place in the source: a path and, when the tool gives them, line and column."""

    __slots__ = FIELDS = ("path", "line", "column")

    path: str
    line: int | None
    column: int | None

    def __init__(self, path: str, line: int | None = None, column: int | None = None) -> None:
        fill(self, path, line, column)

    def __str__(self) -> str:
        return self.path if self.line is None else f"{self.path}:{self.line}"


class Failure(Record):
    """One failure found in a log: what failed, where, and the log lines that show it.

    ``step`` is the number of the log step it was found in and ``offset`` the byte offset of
    the line where it was first seen, so failures sort in log order.
    """

    # Without the excerpt lines, which the report carries.
    JSON_KEYS: ClassVar = (
        "kind",
        "tool",
        "message",
        "test_id",
        ("location", lambda f: str(f.location) if f.location else None),
        "code",
        "fixable",
    )

    __slots__ = FIELDS = (
        "kind",
        "tool",
        "message",
        "test_id",
        "location",
        "code",
        "fixable",
        "context",
        "step",
        "offset",
    )

    kind: Kind
    tool: str
    message: str
    test_id: str | None
    location: Location | None
    code: str | None
    fixable: bool | None
    context: tuple[str, ...]
    step: int
    offset: int

    def __init__(  # noqa: PLR0917  (positional, as the dataclass's were)
        self,
        kind: Kind,
        tool: str,
        message: str,
        test_id: str | None = None,
        location: Location | None = None,
        code: str | None = None,
        fixable: bool | None = None,
        context: tuple[str, ...] = (),
        step: int = 0,
        offset: int = 0,
    ) -> None:
        fill(self, kind, tool, message, test_id, location, code, fixable, context, step, offset)
