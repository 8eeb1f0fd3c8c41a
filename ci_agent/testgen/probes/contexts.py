"""Probe run by the project's interpreter: the lines and arcs each test ran, read from a coverage
data file measured with one dynamic context per test (it reads data, it runs no project code).

argv: data file, the measured root, output file, then the repository-relative files wanted.
Writes ``{context: {file: {"lines": [...], "arcs": [[from, to], ...]}}}``.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

__all__ = ["main"]


def main(argv: list[str]) -> int:
    """Write each context's lines and arcs of the wanted files into ``argv[3]``."""
    from coverage import CoverageData

    data = CoverageData(basename=argv[1])
    data.read()
    root = Path(argv[2]).resolve()
    wanted = set(argv[4:])
    names: dict[str, str] = {}
    for measured in data.measured_files():
        try:
            relative = Path(measured).resolve().relative_to(root).as_posix()
        except ValueError:
            continue  # outside the copy (site-packages)
        if relative in wanted:
            names[measured] = relative
    found: dict[str, dict[str, dict[str, list[Any]]]] = {}
    for context in sorted(data.measured_contexts()):
        # The empty context is what ran outside any test: imports, module-level code.
        data.set_query_contexts(["^" + re.escape(context) + "$"])
        for measured, relative in names.items():
            lines = sorted(data.lines(measured) or ())
            arcs = sorted(data.arcs(measured) or ())
            if lines or arcs:
                entry = found.setdefault(context, {})
                entry[relative] = {"lines": lines, "arcs": [list(a) for a in arcs]}
    Path(argv[3]).write_text(json.dumps(found), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
