"""The committable suggestion fence GitHub turns into an "Apply suggestion" button.

One implementation for review findings and fix deliveries. The block holds exactly the lines
that replace the comment's range — blank lines included, since committing a suggestion writes
precisely what the block holds — and its fence is longer than any backtick run inside, so the
text cannot close it early.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["suggestion_block", "suggestion_lines"]

_BACKTICKS = re.compile(r"`+")


def suggestion_lines(text: str) -> list[str]:
    """The replacement lines of a suggestion written as text (a final newline ends a line)."""
    if not text:
        return []
    lines = text.split("\n")
    return lines[:-1] if text.endswith("\n") else lines


def suggestion_block(lines: Sequence[str]) -> str:
    """A ```suggestion fence holding exactly ``lines`` (none: the range is deleted)."""
    longest = max((len(run) for line in lines for run in _BACKTICKS.findall(line)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}suggestion\n" + "".join(f"{line}\n" for line in lines) + fence
