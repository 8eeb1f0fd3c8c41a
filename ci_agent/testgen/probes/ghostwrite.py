"""Probe run by the project's interpreter: Hypothesis' ghostwriter for one function.

argv: module, qualified name, output file. Writes the test module, or a line starting with
``# problem:`` when the ghostwriter cannot run here.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

__all__ = ["main"]


def main(argv: list[str]) -> int:
    """Write the ghostwriter's module for ``argv[1]:argv[2]`` into ``argv[3]``."""
    try:
        from hypothesis.extra import ghostwriter  # type: ignore[import-not-found]

        found = importlib.import_module(argv[1])
        for part in argv[2].split("."):
            found = getattr(found, part)
        text = ghostwriter.magic(found)
    except Exception as exc:
        text = f"# problem: {type(exc).__name__}: {exc}\n"
    Path(argv[3]).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
