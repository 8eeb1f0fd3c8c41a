"""Which code a run looks at: a pull request's change, named modules or the whole repository;
the repository's Python sources and the lines a change touched."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Literal

from ci_agent.diff import decode_diff, parse_diff
from ci_agent.errors import fail
from ci_agent.git import Git
from ci_agent.json_form import OMIT
from ci_agent.testgen.targets import is_test_file, parse_problem

__all__ = [
    "Scope",
    "changed_lines",
    "check_paths",
    "parse_shard",
    "project_root",
    "python_sources",
]

_SKIPPED_DIRS = {
    ".git",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    "node_modules",
    "build",
    "dist",
    "__pycache__",
    "site-packages",
}


@dataclass(frozen=True)
class Scope:
    """A run's scope: ``base`` (a change since REF), ``path`` (named files) or ``all``."""

    # Only the parts that are set: the base (and head) of a change, the paths, the shard.
    JSON_KEYS: ClassVar = (
        "mode",
        ("base", lambda s: s.base or OMIT),
        ("head", lambda s: s.head if s.base else OMIT),
        ("paths", lambda s: s.paths or OMIT),
        ("shard", lambda s: f"{s.shard[0]}/{s.shard[1]}" if s.shard else OMIT),
    )

    mode: Literal["base", "path", "all"]
    base: str | None = None
    head: str = "HEAD"
    paths: tuple[str, ...] = ()
    shard: tuple[int, int] | None = None


def parse_shard(value: str | None) -> tuple[int, int] | None:
    """``I/N`` to (I, N); CA191 for anything else."""
    if value is None:
        return None
    index, _, count = value.partition("/")
    if not (index.isdigit() and count.isdigit()) or not 1 <= int(index) <= int(count):
        raise fail("CA191", value=value)
    return int(index), int(count)


# Files that make a directory a Python project (pytest looks for its configuration in them).
_PROJECT_FILES = ("pyproject.toml", "setup.py", "setup.cfg", "tox.ini", "pytest.ini", ".pytest.ini")


def project_root(start: Path) -> Path:
    """The project ``start`` lies in: the nearest directory from ``start`` up to the top of
    its git work tree that holds a project file (``pyproject.toml``, ``setup.cfg``, …), else
    ``start`` itself. Run from ``src/``, the project is the repository, not ``src/``; a
    monorepo's ``backend/`` with its own ``pyproject.toml`` is a project of its own."""
    start = start.resolve()
    top = Git(start).run("rev-parse", "--show-toplevel", check=False) if start.is_dir() else ""
    if not top:
        return start
    for directory in (start, *start.parents):
        if any((directory / name).is_file() for name in _PROJECT_FILES):
            return directory
        if directory == Path(top).resolve():
            break
    return start


def python_sources(root: Path) -> dict[str, str]:
    """Every tracked ``.py`` file (every ``.py`` file outside environments when ``root`` is
    not a git repository), path -> text."""
    git = Git(root)
    if git.is_repository():
        listed = git.run_bytes(
            "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "*.py"
        )
        names = [n for n in listed.decode("utf-8", "replace").split("\0") if n]
    else:
        names = [
            p.relative_to(root).as_posix()
            for p in root.rglob("*.py")
            if not _SKIPPED_DIRS & set(p.relative_to(root).parts)
        ]
    found = {}
    for name in sorted(names):
        path = root / name
        if path.is_file() and not path.is_symlink():
            found[name] = path.read_text(encoding="utf-8", errors="replace")
    return found


def changed_lines(root: Path, base: str, head: str) -> dict[str, frozenset[int]]:
    """Lines of ``.py`` files added or changed between the merge base of ``base`` and
    ``head``, on the new side; CA202 outside a repository, CA206 for a ref it does not hold,
    CA204 for a shallow clone that lacks the merge base (a depth-1 checkout in CI)."""
    from ci_agent.forge.local import LocalRepository

    repo = LocalRepository.open(root)
    older, newer = repo.resolve(base), repo.resolve(head)
    merge_base = repo.merge_base(older, newer)
    if merge_base is None:
        if repo.is_shallow():
            raise fail("CA204", path=repo.root)
        raise fail("CA203", args=f"merge-base {base} {head}", problem="the refs share no history")
    # --relative: paths from ``root`` and only under it, as the sources are (a project in a
    # monorepo's subdirectory).
    raw = Git(root).run_bytes(
        "diff", "--no-color", "--no-ext-diff", "--relative", "--unified=0", merge_base, newer,
        "--", "*.py",
    )  # fmt: skip
    return {f.path: frozenset(f.added) for f in parse_diff(decode_diff(raw)) if f.added}


def check_paths(root: Path, paths: tuple[str, ...], sources: dict[str, str]) -> tuple[str, ...]:
    """The given paths relative to ``root``; CA250 for one that is not a known source file,
    CA586 for one that does not parse."""
    found = []
    for given in paths:
        path = Path(given)
        full = (path if path.is_absolute() else root / path).resolve()
        try:
            relative = full.relative_to(root.resolve()).as_posix()
        except ValueError:
            raise fail("CA250", path=given) from None
        if relative not in sources or is_test_file(relative):
            raise fail("CA250", path=given)
        problem = parse_problem(sources[relative])
        if problem is not None:
            raise fail("CA586", path=relative, problem=problem)
        found.append(relative)
    return tuple(found)
