"""Which ``##[group]Run …`` lines are a step's header, and which a group of the step's output.

The runner opens each step with ``##[group]Run <command>`` and puts the step's script and
environment in that group (``shell: /usr/bin/bash -e {0}``, ``env:`` and its values; an
action's ``with:`` inputs), closed by ``##[endgroup]`` before the step prints anything. A step
can open groups of its own (``echo "::group::Run tests"``), printed the same way: their lines
are the step's output, and a failing command often leaves them open (``bash -e`` ends the step
before ``::endgroup::``). A ``Run`` group is a header when the next runner marker closes it and
it holds a header's lines (``shell:``, ``with:``, ``env:``), or at most two lines (an action
without inputs holds none); anything else is a group of the step's output, read as such.
"""

from __future__ import annotations

import re

__all__ = ["RunGroups"]

# A header line: after the timestamp, the shell line, or the start of the inputs or environment.
_HEADER_LINE = re.compile(
    rb"^(?:\xef\xbb\xbf)?(?:\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z ?)?"
    rb"(?:shell: |(?:with|env):\r?$)",
    re.MULTILINE,
)
# How far into a group a header's lines are looked for: a header is a script and its
# environment (a few KiB); a group of output may run for megabytes.
_HEADER_SPAN = 256 << 10
_FEW_LINES = 2


class RunGroups:
    """Follows the ``Run`` groups through the blocks of a log, as they are planned (one block
    ahead of their processing), and keeps the offsets of those that are step headers."""

    def __init__(self) -> None:
        self._headers: set[int] = set()
        self._open: int | None = None  # offset of the Run group awaiting its verdict
        self._from = 0  # where in the current block its lines go on
        self._left = 0  # bytes of it still searched for a header's lines
        self._lines = 0
        self._evidence = False

    def is_header(self, offset: int) -> bool:
        """Whether the ``##[group]Run`` line at ``offset`` opens a step's header (asked once)."""
        if offset in self._headers:
            self._headers.discard(offset)
            return True
        return False

    def marker(self, data: bytes, start: int, offset: int, *, run: bool, end: bool) -> int | None:
        """At a runner marker line ``data[start:]`` (file offset ``offset``) that decides a
        group open: a ``Run`` group (``run``), an ``##[endgroup]`` (``end``), another group or
        an error (``##[debug]``, ``##[warning]`` and the like, which step debugging prints inside
        headers, decide nothing and are not passed). The offset of the header this marker
        closes, when it closes one."""
        closed = None
        if self._open is not None:
            self._read(data, self._from, start)
            if end and (self._evidence or self._lines <= _FEW_LINES):
                closed = self._open
                self._headers.add(closed)
            self._open = None
        if run:
            self._open = offset
            self._from = data.find(b"\n", start) + 1 or len(data)
            self._left, self._lines, self._evidence = _HEADER_SPAN, 0, False
        return closed

    def block_end(self, data: bytes, end: int) -> None:
        """At the end of a planned block: a group still open goes on into the next block."""
        if self._open is not None:
            self._read(data, self._from, end)
            self._from = 0

    def _read(self, data: bytes, start: int, stop: int) -> None:
        if self._left <= 0 or start >= stop:
            return
        stop = min(stop, start + self._left)
        self._left -= stop - start
        self._lines += data.count(b"\n", start, stop)
        self._evidence = self._evidence or _HEADER_LINE.search(data, start, stop) is not None
