"""What the model sees of the repository: source windows around the failure's locations and
the failing tests' files, cut to a size, with the data delimiters defused."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ci_agent.change.edits import safe_path

__all__ = ["DELIMITER", "SourceWindow", "defuse", "parse_location", "source_windows"]

DELIMITER = "untrusted_ci_data"
WINDOW = 25  # lines either side of a location
WHOLE_FILE_LINES = 200  # files this short are shown whole
MAX_SOURCE_CHARS = 16_000
_LOCATION = re.compile(r"^(.+?):(\d+)(?::\d+)?$")


def defuse(text: str) -> str:
    """``text`` unable to close or open the prompt's data section (the tag is broken up)."""
    return re.sub(DELIMITER, "untrusted-ci-data", text, flags=re.IGNORECASE)


@dataclass(frozen=True)
class SourceWindow:
    """Lines ``start``..``end`` (1-based, inclusive) of a repository file."""

    path: str
    start: int
    end: int
    text: str


def parse_location(location: str) -> tuple[str, int | None]:
    """``path`` and line of ``path:line[:col]``, or the whole string and None."""
    match = _LOCATION.match(location.strip())
    if match is None:
        return location.strip(), None
    return match.group(1), int(match.group(2))


def source_windows(
    root: Path, locations: Sequence[str], test_ids: Sequence[str]
) -> tuple[SourceWindow, ...]:
    """Source around each location and each failing test's file, inside ``root`` only,
    at most ``MAX_SOURCE_CHARS`` in all (the first locations win)."""
    wanted: dict[str, list[int | None]] = {}
    for location in locations:
        path, line = parse_location(location)
        wanted.setdefault(path.removeprefix("./"), []).append(line)
    for test_id in test_ids:
        wanted.setdefault(test_id.split("::", 1)[0], []).append(None)
    windows: list[SourceWindow] = []
    used = 0
    for path, lines in wanted.items():
        target = safe_path(root, path)
        if target is None or not target.is_file() or target.is_symlink():
            continue
        try:
            text = target.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        all_lines = text.splitlines()
        for start, end in _ranges(len(all_lines), lines):
            body = "\n".join(all_lines[start - 1 : end])
            if used + len(body) > MAX_SOURCE_CHARS:
                return tuple(windows)
            windows.append(SourceWindow(path, start, end, defuse(body)))
            used += len(body)
    return tuple(windows)


def _ranges(total: int, lines: Sequence[int | None]) -> list[tuple[int, int]]:
    if total == 0:
        return []
    if total <= WHOLE_FILE_LINES:
        return [(1, total)]
    spans = sorted(
        (max(1, line - WINDOW), min(total, line + WINDOW)) for line in lines if line is not None
    )
    if not spans:
        return [(1, min(total, WHOLE_FILE_LINES))]
    merged = [spans[0]]
    for start, end in spans[1:]:
        if start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
