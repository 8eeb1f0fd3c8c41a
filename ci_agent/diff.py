"""The diff model: files, hunks and numbered lines, parsed from unified diffs with unidiff.

unidiff handles renames, binary files, deletions and "No newline at end of file"; we add what a
reviewer needs: which new-side lines a comment may anchor on, mode changes, CRLF kept as
written, and non-UTF-8 bytes carried through with ``surrogateescape``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from unidiff.patch import Hunk as UHunk
    from unidiff.patch import PatchedFile

__all__ = [
    "DiffLine",
    "FileDiff",
    "Hunk",
    "LineKind",
    "Status",
    "decode_diff",
    "parse_diff",
    "parse_file_patch",
]

LineKind = Literal["context", "added", "removed"]
Status = Literal["added", "deleted", "modified", "renamed", "copied"]
_KINDS: dict[str, LineKind] = {" ": "context", "+": "added", "-": "removed"}


@dataclass(frozen=True)
class DiffLine:
    """One line of a hunk with its numbers on each side (None where it does not exist)."""

    kind: LineKind
    old_line: int | None
    new_line: int | None
    text: str  # without the line break; a CR of a CRLF file is kept


@dataclass(frozen=True)
class Hunk:
    """One ``@@`` block."""

    old_start: int
    old_length: int
    new_start: int
    new_length: int
    section: str
    lines: tuple[DiffLine, ...]


@dataclass(frozen=True)
class FileDiff:
    """The change to one file."""

    path: str
    old_path: str | None
    status: Status
    is_binary: bool = False
    old_mode: str | None = None
    new_mode: str | None = None
    hunks: tuple[Hunk, ...] = ()
    added: frozenset[int] = field(default=frozenset(), repr=False)
    right: frozenset[int] = field(default=frozenset(), repr=False)
    left: frozenset[int] = field(default=frozenset(), repr=False)

    @property
    def additions(self) -> int:
        """Number of added lines."""
        return len(self.added)

    @property
    def deletions(self) -> int:
        """Number of removed lines."""
        return sum(1 for h in self.hunks for line in h.lines if line.kind == "removed")

    def new_text(self, line: int) -> str | None:
        """The text of new-side line ``line`` if the diff shows it."""
        for hunk in self.hunks:
            for entry in hunk.lines:
                if entry.new_line == line:
                    return entry.text
        return None


def decode_diff(data: bytes) -> str:
    """Bytes of ``git diff`` to text that round-trips: invalid UTF-8 stays as surrogates."""
    return data.decode("utf-8", errors="surrogateescape")


def parse_diff(text: str) -> list[FileDiff]:
    """Parse a multi-file unified diff (``git diff`` or GitHub's diff media type).

    Raises ValueError for text that is not one.
    """
    from unidiff.errors import UnidiffParseError
    from unidiff.patch import PatchSet

    # Split on LF only: str.splitlines() would also break lines at a lone CR, form feeds
    # or U+2028 inside source text and shift every line number after them.
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
    try:
        patch = PatchSet(lines)
    except UnidiffParseError as exc:
        raise ValueError(str(exc)) from exc
    return [_file(f) for f in patch]


def parse_file_patch(path: str, patch: str, *, previous_path: str | None = None) -> FileDiff:
    """Parse the hunks-only ``patch`` GitHub gives per file in the PR files API."""
    # Fixed names in the header: a real name may hold a newline or anything else a header
    # line cannot; the names come from the caller, not from the text.
    body = patch if patch.endswith("\n") else patch + "\n"
    (parsed,) = parse_diff("--- a/old\n+++ b/new\n" + body)
    status: Status = "renamed" if previous_path and previous_path != path else "modified"
    return _with_status(replace(parsed, path=path), status, previous_path)


def _with_status(diff: FileDiff, status: Status, previous_path: str | None) -> FileDiff:
    return FileDiff(
        path=diff.path,
        old_path=previous_path,
        status=status,
        is_binary=diff.is_binary,
        hunks=diff.hunks,
        added=diff.added,
        right=diff.right,
        left=diff.left,
    )


def _file(patched: PatchedFile) -> FileDiff:
    info = [str(line).rstrip("\n") for line in patched.patch_info or ()]
    old_mode = next(
        (i.split()[-1] for i in info if i.startswith(("old mode", "deleted file mode"))), None
    )
    new_mode = next(
        (i.split()[-1] for i in info if i.startswith(("new mode", "new file mode"))), None
    )
    hunks = tuple(_hunk(h) for h in patched)
    lines = [line for h in hunks for line in h.lines]
    return FileDiff(
        path=_strip_prefix(
            patched.target_file if not patched.is_removed_file else patched.source_file
        ),
        old_path=_old_path(patched, info),
        status=_status(patched, info),
        is_binary=patched.is_binary_file,
        old_mode=old_mode,
        new_mode=new_mode,
        hunks=hunks,
        added=frozenset(x.new_line for x in lines if x.kind == "added" and x.new_line),
        right=frozenset(x.new_line for x in lines if x.kind != "removed" and x.new_line),
        left=frozenset(x.old_line for x in lines if x.kind != "added" and x.old_line),
    )


def _hunk(hunk: UHunk) -> Hunk:
    lines = tuple(
        DiffLine(
            kind=_KINDS[line.line_type],
            old_line=line.source_line_no,
            new_line=line.target_line_no,
            text=line.value.removesuffix("\n"),
        )
        for line in hunk
        if line.line_type in _KINDS
    )
    return Hunk(
        hunk.source_start,
        hunk.source_length,
        hunk.target_start,
        hunk.target_length,
        hunk.section_header,
        lines,
    )


def _status(patched: PatchedFile, info: list[str]) -> Status:
    if patched.is_added_file:
        return "added"
    if patched.is_removed_file:
        return "deleted"
    if any(i.startswith("copy from ") for i in info):
        return "copied"
    if patched.is_rename:
        return "renamed"
    return "modified"


def _old_path(patched: PatchedFile, info: list[str]) -> str | None:
    for prefix in ("rename from ", "copy from "):
        found = next((i[len(prefix) :] for i in info if i.startswith(prefix)), None)
        if found is not None:
            return found
    if patched.is_added_file or patched.is_removed_file:
        return None
    source = _strip_prefix(patched.source_file)
    target = _strip_prefix(patched.target_file)
    return source if source != target else None


def _strip_prefix(name: str) -> str:
    if name == "/dev/null":
        return name
    return name[2:] if name[:2] in ("a/", "b/") else name
