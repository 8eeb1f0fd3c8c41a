"""Probe run by the project's interpreter: Hypothesis' ghostwriter for one function.

argv: module, then pairs of qualified name and output file (one process for every function of
a module). Writes each test module, or a line starting with ``# problem:`` when the ghostwriter
cannot run for it here.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

__all__ = ["main"]


def main(argv: list[str]) -> int:
    """Write the ghostwriter's module for each ``argv[1]:NAME`` into its file."""
    pairs = list(zip(argv[2::2], argv[3::2], strict=False))
    for qualname, out in pairs:
        try:
            from hypothesis.extra import ghostwriter  # type: ignore[import-not-found]

            found = importlib.import_module(argv[1])
            for part in qualname.split("."):
                found = getattr(found, part)
            text = ghostwriter.magic(found)
        except Exception as exc:
            text = f"# problem: {type(exc).__name__}: {exc}\n"
        Path(out).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
