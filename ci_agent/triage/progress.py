"""Test runners' progress lines: which test was running when the output stopped."""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["running_test"]

# pytest: ``tests/test_x.py::test_y`` (``-v``: the id is printed before the test runs, its
# result after) or ``tests/test_x.py ..`` (the file, then a result a test).
_PYTEST = re.compile(r"^(\S+?\.py)(?:(::[^\s\[]+(?:\[.*\])?)|(?: [.sxXpFE]*)?)\s*$")
# unittest -v: ``test_y (tests.test_x.TestX.test_y) ...`` (before 3.11 the class alone in the
# parentheses), the result printed after the dots.
_UNITTEST = re.compile(r"^(\w+) \(([\w.]+)\)(?: \(.*\))? \.\.\.\s*$")
# What bash prints when a command it ran dies of a signal (``script.sh: line 3:  905 Killed
# python -m pytest``, or the bare name): on stderr, so in a job log it often ends the progress
# line the killed process left without a newline.
_SIGNALS = (
    r"(?:Killed|Terminated|Segmentation fault|Aborted|Bus error|Illegal instruction|"
    r"Floating point exception|Hangup|Alarm clock|Interrupt|Quit|Trace/breakpoint trap)"
)
_SHELL_REPORT = re.compile(
    rf"(?:^|\s)(?:\S+: )?line \d+: +\d+ {_SIGNALS}\b.*$"
    rf"|(?:^|\s){_SIGNALS}(?: \(core dumped\))?\s*$"
)


def running_test(lines: Sequence[str]) -> tuple[str, str | None] | None:
    """The file (pytest's; empty for unittest) and the id of the test whose result never came,
    when the last non-blank of ``lines`` (a shell's report of the signal taken off) is such a
    progress line (pytest without ``-v`` names the file alone)."""
    for raw in reversed(lines):
        line = _SHELL_REPORT.sub("", raw)
        if line.strip():
            found = _PYTEST.match(line)
            if found is not None:
                path, node = found.group(1), found.group(2)
                return path, path + node if node else None
            found = _UNITTEST.match(line)
            if found is None:
                return None
            name, where = found.group(1), found.group(2)
            return "", where if where.endswith("." + name) else f"{where}.{name}"
    return None
