"""Diffs in the in-memory forge: the changed files of a unified diff (read by the project's own
parsers), and diffs of commits the forge made itself (``commit_files``), which no git repository
holds: each replaced file is compared with its parent's version by :mod:`difflib` and written
as a ``git diff`` section, which the project's own parser then reads like any other."""

from __future__ import annotations

import difflib

from ci_agent.diff import parse_diff
from ci_agent.forge.gitdiff import split_patch
from ci_agent.forge.types import ChangedFile, FileStatus

__all__ = ["file_section", "files_from_diff", "sections"]

_STATUS = {
    "added": FileStatus.ADDED,
    "deleted": FileStatus.REMOVED,
    "modified": FileStatus.MODIFIED,
    "renamed": FileStatus.RENAMED,
    "copied": FileStatus.COPIED,
}


def files_from_diff(diff: str) -> list[ChangedFile]:
    """The changed files of a ``git diff`` (``diff --git`` sections), as GitHub lists them."""
    data = diff.encode("utf-8", "surrogateescape")
    files = []
    for section in split_patch(data):
        text = section.decode("utf-8", "surrogateescape")
        (parsed,) = parse_diff(text)
        at = text.find("\n@@ ")
        patch = text[at + 1 :].removesuffix("\n") if at >= 0 else ""
        renamed = parsed.old_path is not None and parsed.old_path != parsed.path
        files.append(
            ChangedFile(
                path=parsed.path,
                status=_STATUS[parsed.status],
                additions=parsed.additions,
                deletions=parsed.deletions,
                patch=None if parsed.is_binary else patch,
                previous_path=parsed.old_path if renamed else None,
                binary=parsed.is_binary,
            )
        )
    return files


def sections(diff: str) -> list[str]:
    """The ``diff --git`` sections of ``diff``, one per file."""
    data = diff.encode("utf-8", "surrogateescape")
    return [part.decode("utf-8", "surrogateescape") for part in split_patch(data)]


def _lines(data: bytes) -> list[str]:
    return data.decode("utf-8", "surrogateescape").splitlines(keepends=True)


def file_section(path: str, old: bytes | None, new: bytes | None) -> str:
    """The ``git diff`` section for ``path`` going from ``old`` to ``new`` (None: absent)."""
    header = f"diff --git a/{path} b/{path}\n"
    if old is None:
        header += "new file mode 100644\n"
    elif new is None:
        header += "deleted file mode 100644\n"
    source = f"a/{path}" if old is not None else "/dev/null"
    target = f"b/{path}" if new is not None else "/dev/null"
    if b"\0" in (old or b"") or b"\0" in (new or b""):
        return header + f"Binary files {source} and {target} differ\n"
    body = []
    for line in difflib.unified_diff(_lines(old or b""), _lines(new or b""), source, target, n=3):
        # A last line without a newline gets git's marker, so the next line stays its own.
        body.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return header + "".join(body)
