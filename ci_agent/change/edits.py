"""The model's answer format (search/replace edits, and new files) and applying it to files,
exactly."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from pydantic import BaseModel, ConfigDict, Field

from ci_agent.change.scope import linked_part

__all__ = [
    "Change",
    "Edit",
    "EditPlan",
    "NewFile",
    "PatchProposal",
    "plan_changes",
    "plan_edits",
    "safe_path",
    "write_plan",
]

MAX_EDITS = 20
MAX_FILE_BYTES = 1_000_000
MAX_NEW_FILE_CHARS = 100_000


class Edit(BaseModel):
    """Replace the one occurrence of ``search`` in ``path`` by ``replace``."""

    model_config = ConfigDict(extra="forbid")

    path: str = Field(min_length=1, max_length=300)
    search: str = Field(min_length=1, max_length=20_000)
    replace: str = Field(max_length=20_000)


class NewFile(BaseModel):
    """Create ``path``, which must not exist yet, holding ``content``."""

    model_config = ConfigDict(extra="forbid")

    path: str = Field(min_length=1, max_length=300)
    content: str = Field(min_length=1, max_length=MAX_NEW_FILE_CHARS)


class PatchProposal(BaseModel):
    """What the model answers: edits and a short explanation. There is no command field."""

    model_config = ConfigDict(extra="forbid")

    explanation: str = Field(max_length=2_000)
    edits: list[Edit] = Field(min_length=1, max_length=MAX_EDITS)


@dataclass(frozen=True)
class Change:
    """A file's text before and after the edits; ``added`` when the edits create the file
    (``before`` is then empty)."""

    path: str
    before: str
    after: str
    added: bool = False


@dataclass(frozen=True)
class EditPlan:
    """The changes the edits make, and the edits refused with their reason."""

    changes: tuple[Change, ...] = ()
    refused: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """Every edit applied and something changed."""
        return not self.refused and bool(self.changes)


def safe_path(root: Path, path: str) -> Path | None:
    """``root/path`` when ``path`` is relative and stays inside ``root``, else None."""
    pure = PurePosixPath(path.replace("\\", "/"))
    if pure.is_absolute() or ".." in pure.parts or not pure.parts or ":" in pure.parts[0]:
        return None
    target = root.joinpath(*pure.parts)
    try:
        target.resolve().relative_to(root.resolve())
    except ValueError:
        return None
    return target


def normal_path(path: str) -> str:
    """The POSIX form of a relative path as the model wrote it."""
    return PurePosixPath(path.replace("\\", "/")).as_posix().removeprefix("./")


def plan_edits(root: Path, proposal: PatchProposal) -> EditPlan:
    """Apply the proposal's edits in memory, in order (see :func:`plan_changes`)."""
    return plan_changes(root, proposal.edits)


def plan_changes(root: Path, items: Sequence[Edit | NewFile]) -> EditPlan:
    """Apply edits and new files in memory, in order; an edit whose search text is not found
    exactly once, or whose path is outside ``root`` or no text file, is refused with a reason,
    and so is a new file whose path exists already. A later edit may change a new file."""
    texts: dict[str, str] = {}
    originals: dict[str, str] = {}
    added: set[str] = set()
    refused: list[str] = []
    for number, edit in enumerate(items, 1):
        name = normal_path(edit.path)
        where = f"edit {number} ({edit.path})"
        if isinstance(edit, NewFile):
            problem = _new_file_problem(root, name, known=name in texts)
            if problem is not None:
                refused.append(f"{where}: {problem}")
                continue
            originals[name], texts[name] = "", edit.content
            added.add(name)
            continue
        if name not in texts:
            target = safe_path(root, name)
            if target is None:
                refused.append(f"{where}: the path is outside the repository")
                continue
            link = linked_part(root, name)
            if link is not None:
                refused.append(f"{where}: {link} is a symbolic link; edit the file by its own path")
                continue
            if not target.is_file():
                refused.append(f"{where}: no such file (edits change existing files only)")
                continue
            data = target.read_bytes()
            if len(data) > MAX_FILE_BYTES or b"\0" in data:
                refused.append(f"{where}: not an editable text file")
                continue
            try:
                originals[name] = texts[name] = data.decode("utf-8")
            except UnicodeDecodeError:
                refused.append(f"{where}: not UTF-8 text")
                continue
        count = texts[name].count(edit.search)
        if count != 1:
            found = "was not found" if count == 0 else f"matches {count} times"
            refused.append(
                f"{where}: the search text {found}; it must match exactly once "
                "(copy it verbatim, with enough lines to be unique)"
            )
            continue
        texts[name] = texts[name].replace(edit.search, edit.replace, 1)
    changes = tuple(
        Change(name, originals[name], text, added=name in added)
        for name, text in texts.items()
        if text != originals[name]
    )
    if not refused and not changes:
        refused.append("the edits change nothing")
    return EditPlan(changes, tuple(refused))


def _new_file_problem(root: Path, name: str, *, known: bool) -> str | None:
    """Why ``name`` cannot be created under ``root``, or None."""
    target = safe_path(root, name)
    if target is None:
        return "the path is outside the repository"
    if known or target.is_symlink() or target.exists():
        return "the file exists already (a new file must not replace one)"
    link = linked_part(root, name)
    if link is not None:  # docs -> .github would put the file in .github under another name
        return f"{link} is a symbolic link; create the file by its own path"
    return None


def write_plan(root: Path, changes: tuple[Change, ...] | Mapping[str, str]) -> None:
    """Write the changed files under ``root`` (paths were checked by ``plan_edits``)."""
    if isinstance(changes, Mapping):
        items = list(changes.items())
    else:
        items = [(c.path, c.after) for c in changes]
    for name, text in items:
        target = safe_path(root, name)
        if target is None:  # checked before; never write outside the worktree
            raise ValueError(f"refusing to write outside the worktree: {name}")
        # A new file may sit in a new directory (safe_path resolved its parents inside root).
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode("utf-8"))
