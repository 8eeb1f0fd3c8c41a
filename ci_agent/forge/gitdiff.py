"""Parsing of git's machine-readable outputs: ``diff --raw --numstat -z``, patches and ``log -z``.

Everything git prints is bytes; paths, patches and messages are decoded from UTF-8 with
``surrogateescape`` so that non-UTF-8 bytes round-trip (see :mod:`ci_agent.forge.types`).
Malformed input raises ValueError: it means git and this parser disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from ci_agent.forge.types import ChangedFile, Commit, FileStatus

__all__ = [
    "LOG_FORMAT",
    "decode",
    "parse_changed_files",
    "parse_log",
    "split_patch",
]

# One commit of ``git log -z --format=tformat:LOG_FORMAT``: nine NUL-separated fields.
LOG_FORMAT = "%H%x00%P%x00%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI%x00%B"
_LOG_FIELDS = 9
_FILE_START = re.compile(rb"^diff --git ", re.M)
_TYPE_MASK = 0o170000  # S_IFMT: regular file, symlink, gitlink


def decode(data: bytes) -> str:
    """Text from git's bytes; undecodable bytes survive as surrogates."""
    return data.decode("utf-8", "surrogateescape")


@dataclass(frozen=True)
class _Entry:
    """One file pair of ``--raw`` merged with its ``--numstat`` counts."""

    status: FileStatus
    old_mode: int
    new_mode: int
    path: bytes
    previous_path: bytes | None
    additions: int = 0
    deletions: int = 0
    binary: bool = False

    @property
    def patch_sections(self) -> int:
        """git prints a change of file type as a deletion and a creation: two sections."""
        both = self.old_mode and self.new_mode
        return 2 if both and (self.old_mode ^ self.new_mode) & _TYPE_MASK else 1


def _parse_raw(tokens: list[bytes]) -> tuple[list[_Entry], int]:
    entries: list[_Entry] = []
    i = 0
    while i < len(tokens) and tokens[i].startswith(b":"):
        old_mode, new_mode, _, _, letter = tokens[i][1:].decode("ascii").split(" ")
        status = FileStatus.from_git(letter)
        if status in (FileStatus.RENAMED, FileStatus.COPIED):
            previous, path, i = tokens[i + 1], tokens[i + 2], i + 3
        else:
            previous, path, i = None, tokens[i + 1], i + 2
        entries.append(_Entry(status, int(old_mode, 8), int(new_mode, 8), path, previous))
    return entries, i


def _merge_numstat(entries: list[_Entry], tokens: list[bytes], i: int) -> list[_Entry]:
    merged: list[_Entry] = []
    for entry in entries:
        added, deleted, path = tokens[i].split(b"\t", 2)
        if path:
            i += 1
        else:  # a rename or copy: the two paths follow
            path, i = tokens[i + 2], i + 3
        if path != entry.path:
            raise ValueError(f"--numstat names {path!r} where --raw names {entry.path!r}")
        binary = added == b"-"
        merged.append(
            _Entry(
                entry.status,
                entry.old_mode,
                entry.new_mode,
                entry.path,
                entry.previous_path,
                0 if binary else int(added),
                0 if binary else int(deleted),
                binary,
            )
        )
    if tokens[i:] not in ([], [b""]):
        raise ValueError("unexpected data after --numstat records")
    return merged


def split_patch(patch: bytes) -> list[bytes]:
    """Split ``git diff -p`` output into one section per ``diff --git`` header.

    Hunk lines always start with `` ``, ``+``, ``-`` or ``\\``, and paths with a newline are
    quoted in headers, so a line starting ``diff --git `` always opens a new section.
    """
    starts = [m.start() for m in _FILE_START.finditer(patch)]
    if patch and starts[:1] != [0]:
        raise ValueError("a patch must start with 'diff --git'")
    return [patch[a:b] for a, b in zip(starts, [*starts[1:], len(patch)], strict=False)]


def _hunks(section: bytes) -> bytes:
    """The hunks of one section, from the first ``@@`` line, without the final newline."""
    at = section.find(b"\n@@ ")
    if at < 0:
        return b""
    hunks = section[at + 1 :]
    return hunks[:-1] if hunks.endswith(b"\n") else hunks


def parse_changed_files(raw_numstat: bytes, patch: bytes) -> list[ChangedFile]:
    """Files from ``git diff --raw --numstat -z`` and the ``-p`` output of the same diff."""
    tokens = raw_numstat.split(b"\0")
    entries, i = _parse_raw(tokens)
    entries = _merge_numstat(entries, tokens, i)
    sections = split_patch(patch)
    needed = sum(e.patch_sections for e in entries)
    if needed != len(sections):
        raise ValueError(f"{len(entries)} files need {needed} patch sections, got {len(sections)}")
    files: list[ChangedFile] = []
    at = 0
    for entry in entries:
        own = sections[at : at + entry.patch_sections]
        at += entry.patch_sections
        text = b"\n".join(h for h in map(_hunks, own) if h)
        files.append(
            ChangedFile(
                path=decode(entry.path),
                status=entry.status,
                additions=entry.additions,
                deletions=entry.deletions,
                patch=None if entry.binary else decode(text),
                previous_path=None if entry.previous_path is None else decode(entry.previous_path),
                binary=entry.binary,
            )
        )
    return files


def parse_log(data: bytes) -> list[Commit]:
    """Commits from ``git log -z --format=tformat:LOG_FORMAT``."""
    tokens = data.split(b"\0")
    if tokens[-1:] == [b""]:
        tokens.pop()
    if len(tokens) % _LOG_FIELDS:
        raise ValueError(f"git log gave {len(tokens)} fields, not a multiple of {_LOG_FIELDS}")
    commits = []
    for at in range(0, len(tokens), _LOG_FIELDS):
        sha, parents, a_name, a_mail, a_date, c_name, c_mail, c_date, body = map(
            decode, tokens[at : at + _LOG_FIELDS]
        )
        commits.append(
            Commit(
                sha=sha,
                message=body.rstrip("\n"),
                author_name=a_name,
                author_email=a_mail,
                authored_at=datetime.fromisoformat(a_date),
                committer_name=c_name,
                committer_email=c_mail,
                committed_at=datetime.fromisoformat(c_date),
                parents=tuple(parents.split()),
            )
        )
    return commits
