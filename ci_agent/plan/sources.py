"""What changed, for planning: paths and added/removed lines, from a local diff or a path list."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ci_agent.diff import parse_file_patch
from ci_agent.forge.types import ChangedFile
from ci_agent.plan.risk import ChangedText

__all__ = ["texts_from_changes", "texts_from_files"]

# Large files are read only this far for risk rules; the path still counts.
_READ_LIMIT = 2 * 1024 * 1024


def texts_from_changes(changes: Sequence[ChangedFile]) -> dict[str, ChangedText]:
    """Added lines (with their numbers) and removed lines of each changed file."""
    texts = {}
    for change in changes:
        if not change.patch:
            texts[change.path] = ChangedText(change.path)
            continue
        diff = parse_file_patch(change.path, change.patch, previous_path=change.previous_path)
        lines = [line for hunk in diff.hunks for line in hunk.lines]
        added = tuple(
            (line.new_line, line.text)
            for line in lines
            if line.kind == "added" and line.new_line is not None
        )
        removed = tuple(line.text for line in lines if line.kind == "removed")
        texts[change.path] = ChangedText(change.path, added, removed)
    return texts


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
        texts[path] = ChangedText(path, tuple(enumerate(lines, 1)))
    return texts
