"""Parse ``git diff`` output into GitHub's per-file view: ``status``, ``patch`` (the hunks),
counts, and which lines a review comment may anchor on (RIGHT/LEFT sides, positions)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


@dataclass
class Hunk:
    """One ``@@`` hunk: its lines keep their ``+``/``-``/`` ``/``\\`` prefix."""

    old_start: int
    new_start: int
    first_position: int  # position of the @@ line within the file's patch (0 for the first)
    lines: list[str] = field(default_factory=list)

    def numbered(self) -> list[tuple[int, str, int | None, int | None]]:
        """``(position, text, old_line, new_line)`` for each line after the header."""
        out: list[tuple[int, str, int | None, int | None]] = []
        old, new = self.old_start, self.new_start
        for offset, text in enumerate(self.lines, start=1):
            position = self.first_position + offset
            tag = text[:1]
            if tag == "+":
                out.append((position, text, None, new))
                new += 1
            elif tag == "-":
                out.append((position, text, old, None))
                old += 1
            elif tag == "\\":
                out.append((position, text, None, None))
            else:
                out.append((position, text, old, new))
                old += 1
                new += 1
        return out


@dataclass
class FileDiff:
    """One file's section of a diff."""

    old_path: str | None
    new_path: str | None
    status: str = "modified"
    binary: bool = False
    old_sha: str | None = None
    new_sha: str | None = None
    hunks: list[Hunk] = field(default_factory=list)
    patch_lines: list[str] = field(default_factory=list)

    @property
    def filename(self) -> str:
        """The file's current name (old name for removed files)."""
        return self.new_path or self.old_path or ""

    @property
    def patch(self) -> str | None:
        """GitHub's ``patch``: hunks only, no file headers, no trailing newline."""
        return "\n".join(self.patch_lines) if self.patch_lines else None

    @property
    def additions(self) -> int:
        """Added lines."""
        return sum(1 for line in self.patch_lines if line.startswith("+"))

    @property
    def deletions(self) -> int:
        """Removed lines."""
        return sum(1 for line in self.patch_lines if line.startswith("-"))

    def locate(self, line: int, side: str) -> tuple[int, int] | None:
        """``(hunk index, position)`` of ``line`` on ``side`` (RIGHT/LEFT), or None."""
        for index, hunk in enumerate(self.hunks):
            for position, text, old, new in hunk.numbered():
                if side == "RIGHT" and new == line and text[:1] in ("+", " ", ""):
                    return index, position
                if side == "LEFT" and old == line and text[:1] in ("-", " ", ""):
                    return index, position
        return None

    def at_position(self, position: int) -> tuple[int, str] | None:
        """``(line, side)`` of the patch line at ``position`` (the deprecated anchor)."""
        for hunk in self.hunks:
            for pos, _text, old, new in hunk.numbered():
                if pos == position:
                    if new is not None:
                        return new, "RIGHT"
                    if old is not None:
                        return old, "LEFT"
        return None

    def diff_hunk(self, position: int) -> str:
        """GitHub's ``diff_hunk`` of a comment: the hunk from its ``@@`` line to ``position``."""
        for hunk in self.hunks:
            last = hunk.first_position + len(hunk.lines)
            if hunk.first_position <= position <= last:
                return "\n".join(self.patch_lines[hunk.first_position : position + 1])
        return ""


def _strip_prefix(path: str, prefix: str) -> str | None:
    if path == "/dev/null":
        return None
    path = path.rstrip("\t")
    return path[len(prefix) :] if path.startswith(prefix) else path


def parse_diff(text: str) -> list[FileDiff]:
    """Split a ``git diff --full-index`` into ``FileDiff`` objects."""
    files: list[FileDiff] = []
    current: FileDiff | None = None
    in_hunks = False
    for raw in text.split("\n"):
        if raw.startswith("diff --git "):
            a_b = raw[len("diff --git ") :]
            half = len(a_b) // 2  # "a/X b/X" for unrenamed files; renames fixed below
            current = FileDiff(
                _strip_prefix(a_b[:half], "a/"), _strip_prefix(a_b[half + 1 :], "b/")
            )
            files.append(current)
            in_hunks = False
            continue
        if current is None:
            continue
        if raw == "":
            continue  # only the end of the text: every hunk line has a prefix character
        if in_hunks and raw[:1] in ("+", "-", " ", "\\"):
            current.hunks[-1].lines.append(raw)
            current.patch_lines.append(raw)
            continue
        match = _HUNK.match(raw)
        if match:
            in_hunks = True
            hunk = Hunk(int(match.group(1)), int(match.group(3)), len(current.patch_lines))
            current.hunks.append(hunk)
            current.patch_lines.append(raw)
            continue
        _header_line(current, raw)
    return files


def _header_line(current: FileDiff, raw: str) -> None:
    if raw.startswith("new file mode"):
        current.status = "added"
        current.old_path = None
    elif raw.startswith("deleted file mode"):
        current.status = "removed"
        current.new_path = None
    elif raw.startswith("rename from "):
        current.status = "renamed"
        current.old_path = raw[len("rename from ") :]
    elif raw.startswith("rename to "):
        current.new_path = raw[len("rename to ") :]
    elif raw.startswith("copy from "):
        current.status = "copied"
        current.old_path = raw[len("copy from ") :]
    elif raw.startswith("copy to "):
        current.new_path = raw[len("copy to ") :]
    elif raw.startswith("index "):
        shas = raw.split()[1].split("..")
        current.old_sha, current.new_sha = shas[0], shas[1] if len(shas) > 1 else None
    elif raw.startswith(("Binary files ", "GIT binary patch")):
        current.binary = True
    elif raw.startswith("--- ") and current.status != "added":
        current.old_path = _strip_prefix(raw[4:], "a/") or current.old_path
    elif raw.startswith("+++ ") and current.status != "removed":
        current.new_path = _strip_prefix(raw[4:], "b/") or current.new_path
