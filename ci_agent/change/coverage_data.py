"""Lines and branches a test run executed, read from coverage.py's data file (SQLite).

coverage.py stores executed lines per file as "numbits" (bit ``n`` of the blob set when line
``n`` ran) in ``line_bits``, or, with ``--branch``, arcs ``(from, to)`` in ``arc``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CoverageData", "read_coverage"]


@dataclass(frozen=True)
class CoverageData:
    """Executed lines and arcs per file (paths relative to the repository root)."""

    lines: Mapping[str, frozenset[int]]
    arcs: Mapping[str, frozenset[tuple[int, int]]]

    def covered_lines(self, path: str) -> frozenset[int]:
        """Lines of ``path`` that ran (from arcs when only arcs were recorded)."""
        if path in self.lines:
            return self.lines[path]
        return frozenset(n for pair in self.arcs.get(path, ()) for n in pair if n > 0)


def read_coverage(data_file: Path, root: Path) -> tuple[CoverageData | None, str]:
    """The data in ``data_file`` for files under ``root``, or None and why not."""
    if not data_file.is_file():
        return None, "the run wrote no coverage data"
    try:
        connection = sqlite3.connect(f"file:{data_file}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return None, f"the coverage data cannot be opened: {exc}"
    try:
        files = dict(connection.execute("select id, path from file").fetchall())
        lines: dict[str, set[int]] = {}
        for file_id, blob in connection.execute("select file_id, numbits from line_bits"):
            lines.setdefault(files[file_id], set()).update(_numbits(blob))
        arcs: dict[str, set[tuple[int, int]]] = {}
        for file_id, start, end in connection.execute("select file_id, fromno, tono from arc"):
            arcs.setdefault(files[file_id], set()).add((start, end))
    except (sqlite3.Error, KeyError) as exc:
        return None, f"the coverage data cannot be read: {exc}"
    finally:
        connection.close()
    base = root.resolve()
    return (
        CoverageData(
            {_relative(p, base): frozenset(v) for p, v in lines.items() if _under(p, base)},
            {_relative(p, base): frozenset(v) for p, v in arcs.items() if _under(p, base)},
        ),
        "",
    )


def _numbits(blob: bytes) -> list[int]:
    return [
        index * 8 + bit for index, byte in enumerate(blob) for bit in range(8) if byte >> bit & 1
    ]


def _under(path: str, base: Path) -> bool:
    return Path(path).resolve().is_relative_to(base)


def _relative(path: str, base: Path) -> str:
    return Path(path).resolve().relative_to(base).as_posix()
