"""What changed, for planning: paths and added/removed lines, from a local diff or a path list.

A change between commits is read in two passes: ``git diff --numstat -z`` names every changed
path with its line counts (all the size rule needs), then one zero-context patch of only the
paths whose lines a rule reads (migrations, infrastructure, contracts, dependency files, files
in a coverage report) is parsed. Most paths of a large change are never parsed as a patch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ci_agent.git import Git
from ci_agent.plan.risk import ChangedText

if TYPE_CHECKING:
    from ci_agent.plan.checklist import ChangeView

__all__ = [
    "MAX_SHOWN_FILES",
    "texts_from_diff",
    "texts_from_files",
    "texts_from_git",
    "view_of_change",
]

# Changed files whose diff may be shown to a model (the character budget usually stops first).
MAX_SHOWN_FILES = 200

# Renames count as a removed and an added path (both units are affected); copies need no search.
# As the local forge reads diffs: names unquoted, blank context lines kept as " ".
_GIT_CONFIG = ("-c", "core.quotepath=false", "-c", "diff.suppressBlankEmpty=false")
_PLAIN = ("--no-color", "--no-ext-diff", "--no-textconv", "--no-relative", "--no-renames")
_ARGS_LIMIT = 64 * 1024  # bytes of paths per git command
_PATCH = ("--patch", "--unified=0", *_PLAIN, "--src-prefix=a/", "--dst-prefix=b/")

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


def texts_from_git(
    git: Git, base: str, head: str, reads: Callable[[str], bool]
) -> tuple[list[str], dict[str, ChangedText]]:
    """Changed paths between two commits, with the lines of those ``reads`` asks for."""
    from ci_agent.diff import decode_diff

    numstat = git.run_bytes(*_GIT_CONFIG, "diff", "--numstat", "-z", *_PLAIN, base, head)
    texts: dict[str, ChangedText] = {}
    for record in numstat.split(b"\0"):
        if not record:
            continue
        added, removed, name = record.split(b"\t", 2)
        path = decode_diff(name)
        # Binary files count "-": no lines, as their patch has no hunks.
        counted = sum(int(n) for n in (added, removed) if n != b"-")
        texts[path] = ChangedText(path, counted=counted)
    wanted = [path for path in texts if reads(path)]
    for chunk in _chunks(wanted):
        raw = git.run_bytes(
            "--literal-pathspecs", *_GIT_CONFIG, "diff", *_PATCH, base, head, "--", *chunk
        )
        texts.update(texts_from_diff(decode_diff(raw))[1])
    return sorted(texts), texts


def _chunks(paths: Sequence[str]) -> list[list[str]]:
    """``paths`` in argument lists well under the system's limit (git diff reads no pathspec
    file)."""
    chunks: list[list[str]] = []
    size = _ARGS_LIMIT
    for path in paths:
        if size + len(path) + 1 > _ARGS_LIMIT:
            chunks.append([])
            size = 0
        chunks[-1].append(path)
        size += len(path.encode("utf-8", "surrogateescape")) + 1
    return chunks


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


def view_of_change(
    root: Path, paths: Sequence[str], base: str | None = None, head: str | None = None
) -> ChangeView:
    """The change of ``paths`` as a model is shown it: the diff ``base..head`` with three
    lines of context, or (no ``base``) each named file whole, as if added."""
    from ci_agent.diff import decode_diff, parse_diff
    from ci_agent.plan.checklist import ChangeView, view_from_diff

    shown, over = list(paths[:MAX_SHOWN_FILES]), tuple(paths[MAX_SHOWN_FILES:])
    if base is not None and head is not None:
        git = Git(root)
        text = "".join(
            decode_diff(
                git.run_bytes(
                    "--literal-pathspecs",
                    *_GIT_CONFIG,
                    "diff",
                    "--patch",
                    "--unified=3",
                    *_PLAIN,
                    "--src-prefix=a/",
                    "--dst-prefix=b/",
                    base,
                    head,
                    "--",
                    *chunk,
                )
            )
            for chunk in _chunks(shown)
        )

        def lines_at_head(path: str) -> int:
            return len(git.run_bytes("show", f"{head}:{path}").splitlines())
    else:
        texts = texts_from_files(root, shown)
        text = "".join(_as_added(path, texts[path].added) for path in shown if texts[path].added)

        def lines_at_head(path: str) -> int:
            return len(texts[path].added)

    view = view_from_diff(parse_diff(text) if text else [], lines_at_head)
    return ChangeView(view.text, view.head_lines, view.near, view.left_out + over)


def _as_added(path: str, lines: Sequence[tuple[int, str]]) -> str:
    body = "".join(f"+{text}\n" for _, text in lines)
    return f"--- /dev/null\n+++ b/{path}\n@@ -0,0 +1,{len(lines)} @@\n{body}"
