"""Read the config file and template overrides at a trusted commit, and compare the checkout's.

The checkout's copies are only compared byte for byte, never parsed or quoted: a summary says
that they differ, not what they say.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ci_agent.config_source import TEMPLATES_DIR, ConfigSource, HeadCopy
from ci_agent.errors import fail
from ci_agent.forge.github_contents import Entry
from ci_agent.resources import templates_dir

__all__ = [
    "MAX_TEMPLATE_BYTES",
    "MAX_TEMPLATE_FILES",
    "BaseFiles",
    "FilesAtCommit",
    "read_base",
    "template_kinds",
]

# Caps on what is read at the base: each file is one request, and a prompt is small.
MAX_TEMPLATE_FILES = 40
MAX_TEMPLATE_BYTES = 256 * 1024
TEMPLATE_SUFFIX = ".j2"


class FilesAtCommit(Protocol):
    """Files and directories at a commit; None when absent (``ref`` None: default branch)."""

    def file_at(self, path: str, ref: str | None) -> bytes | None:
        """The file's bytes, or None."""

    def directory_at(self, path: str, ref: str | None) -> tuple[Entry, ...] | None:
        """The directory's entries, or None."""


@dataclass(frozen=True)
class BaseFiles:
    """What the base commit holds: the config text (None: no file), templates, the source."""

    text: str | None
    templates: tuple[tuple[str, str], ...]
    source: ConfigSource


def read_base(files: FilesAtCommit, pending: ConfigSource, workspace: Path) -> BaseFiles:
    """Read ``pending.path`` and the template overrides at ``pending.ref``.

    A missing file is told apart from a commit the token cannot see (GitHub answers 404 to
    both): the top directory must list. CA118 when a file named explicitly is missing.
    """
    ref = pending.ref
    data = files.file_at(pending.path, ref)
    if data is None:
        if files.directory_at("", ref) is None:
            raise fail(
                "CA305",
                f"GitHub shows no files at {pending.where}: the token cannot see the repository "
                "or the commit",
                endpoint="GET /repos/{owner}/{repo}/contents",
            )
        if pending.required:
            raise fail("CA118", file=pending.path, where=pending.where)
    text = _text(data, pending.path)
    templates, cut = _templates(files, ref)
    head = _compare(workspace / pending.path, data)
    source = dataclasses.replace(
        pending,
        kind="base",
        found=data is not None,
        head_copy=head,
        templates=tuple(name for name, _ in templates),
        templates_ignored=_checkout_templates_differ(workspace, dict(templates)),
        cut=cut,
    )
    return BaseFiles(text, templates, source)


def _text(data: bytes | None, path: str) -> str | None:
    if data is None:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise fail(
            "CA102", file=path, line=1, key="(file)", problem=f"cannot be read: {exc}"
        ) from exc


def template_kinds() -> tuple[str, ...]:
    """The packaged template directories (prompts, comments, reports): what may be overridden."""
    return tuple(sorted(p.name for p in templates_dir().iterdir() if p.is_dir()))


def _templates(files: FilesAtCommit, ref: str | None) -> tuple[tuple[tuple[str, str], ...], str]:
    """(name, text) of the ``*.j2`` files under ``.github/ci-agent/KIND/`` at ``ref``, and
    what the caps left out ("" when nothing)."""
    top = files.directory_at(TEMPLATES_DIR, ref)
    if top is None:
        return (), ""
    kinds = set(template_kinds())
    wanted: list[Entry] = []
    for folder in sorted((e for e in top if e.type == "dir" and e.name in kinds), key=_name):
        entries = files.directory_at(f"{TEMPLATES_DIR}/{folder.name}", ref) or ()
        wanted += sorted(
            (e for e in entries if e.type == "file" and e.name.endswith(TEMPLATE_SUFFIX)),
            key=_name,
        )
    cut: list[str] = []
    if len(wanted) > MAX_TEMPLATE_FILES:
        cut.append(
            f"{len(wanted) - MAX_TEMPLATE_FILES} of {len(wanted)} template files under "
            f"{TEMPLATES_DIR}/ not read (at most {MAX_TEMPLATE_FILES})"
        )
        wanted = wanted[:MAX_TEMPLATE_FILES]
    read: list[tuple[str, str]] = []
    for entry in wanted:
        name = entry.path.removeprefix(f"{TEMPLATES_DIR}/")
        if entry.size > MAX_TEMPLATE_BYTES:
            cut.append(f"{name} not used ({entry.size} bytes, at most {MAX_TEMPLATE_BYTES})")
            continue
        data = files.file_at(entry.path, ref)
        try:
            text = None if data is None else data.decode("utf-8")
        except UnicodeDecodeError:
            cut.append(f"{name} not used (not UTF-8)")
            continue
        if text is not None:
            read.append((name, text))
    return tuple(read), "; ".join(cut)


def _name(entry: Entry) -> str:
    return entry.name


def _local(path: Path) -> bytes | None:
    """The checkout's file, to compare only; None when absent. A symlink, a special file or
    one over the template cap reads as unlike anything (b"\0"): the checkout is the pull
    request's, and /dev/zero behind a symlink must not stall the run."""
    try:
        if not path.is_symlink() and not path.exists():
            return None
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_TEMPLATE_BYTES:
            return b"\0"
        return path.read_bytes()
    except OSError:
        return b"\0"


def _compare(local: Path, base: bytes | None) -> HeadCopy:
    """How the checkout's copy of the config file compares with the base's, by bytes."""
    mine = _local(local)
    if mine is None:
        return "absent"
    return "same" if mine == base else "differs"


def _checkout_templates_differ(workspace: Path, base: dict[str, str]) -> bool:
    """True when the checkout holds template overrides other than the base's."""
    root = workspace / TEMPLATES_DIR
    if root.is_symlink() or not root.is_dir():
        return root.is_symlink()
    for kind in template_kinds():
        folder = root / kind
        if folder.is_symlink():
            return True
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            if _local(path) != base.get(f"{kind}/{path.name}", "").encode():
                return True
    return False
