"""What changed, for planning: paths and added/removed lines, from a local diff or a path list."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ci_agent.plan.risk import ChangedText

__all__ = ["texts_from_diff", "texts_from_files"]

# Large files are read only this far for risk rules; the path still counts.
_READ_LIMIT = 2 * 1024 * 1024


def texts_from_diff(diff_text: str) -> tuple[list[str], dict[str, ChangedText]]:
    """Changed paths (both names of a rename) and their lines, from one unified diff."""
    from ci_agent.diff import parse_diff

    paths: set[str] = set()
    texts = {}
    for diff in parse_diff(diff_text):
        paths.update(p for p in (diff.path, diff.old_path) if p)
        lines = [line for hunk in diff.hunks for line in hunk.lines]
        added = tuple(
            (line.new_line, line.text)
            for line in lines
            if line.kind == "added" and line.new_line is not None
        )
        removed = tuple(line.text for line in lines if line.kind == "removed")
        texts[diff.path] = ChangedText(diff.path, added, removed)
    return sorted(paths), texts


def texts_from_files(root: Path, paths: Sequence[str]) -> dict[str, ChangedText]:
    """Every line of each named file as added (``--files``: no diff to read)."""
    texts = {}
    for path in paths:
        target = root / path
        try:
            with target.open("rb") as handle:
                data = handle.read(_READ_LIMIT)
        except OSError:
            texts[path] = ChangedText(path)  # deleted or unreadable: the path still counts
            continue
        lines = data.decode("utf-8", "replace").splitlines()
        texts[path] = ChangedText(
            path, tuple(enumerate(lines, 1)), partial=len(data) >= _READ_LIMIT
        )
    return texts
