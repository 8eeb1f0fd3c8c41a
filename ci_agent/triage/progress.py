"""pytest's progress lines: which test was running when the output stopped."""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["running_test"]

# ``tests/test_x.py::test_y`` (``-v``: the id is printed before the test runs, its result after)
# or ``tests/test_x.py ..`` (the file, then a result a test).
_RUNNING = re.compile(r"^(\S+?\.py)(?:(::[^\s\[]+(?:\[.*\])?)|(?: [.sxXpFE]*)?)\s*$")


def running_test(lines: Sequence[str]) -> tuple[str, str | None] | None:
    """The file and, with ``-v``, the node id of the test whose result never came, when the
    last non-blank of ``lines`` is such a progress line."""
    for line in reversed(lines):
        if line.strip():
            found = _RUNNING.match(line)
            if found is None:
                return None
            path, node = found.group(1), found.group(2)
            return path, path + node if node else None
    return None
