"""Test ids from a stack frame: the classes a test method is defined in, read from the source
in the checkout (a stack names the function alone)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ast

__all__ = ["qualified"]

# A test module larger than this is not read (a bound on one lookup's work).
_MAX_SOURCE = 1 << 20


def qualified(relative: str, line: int, name: str, roots: Sequence[str]) -> str | None:
    """``Class::name`` (``Outer::Inner::name``), or ``name`` at module level, for the function
    ``name`` whose definition spans ``line`` of the file ``relative`` under one of ``roots``;
    None when no root holds such a readable Python file."""
    import ast  # here: only a dump read without pytest's -v needs it

    for root in roots:
        base = Path(root)
        try:
            path = (base / relative).resolve()
            if (
                path.suffix != ".py"
                or not path.is_relative_to(base.resolve())
                or not path.is_file()
                or path.stat().st_size > _MAX_SOURCE
            ):
                continue
            tree = ast.parse(path.read_bytes())
        except (OSError, ValueError, SyntaxError, RecursionError, MemoryError):
            continue
        found = _defined(tree, line, name, ())
        if found is not None:
            return "::".join(found)
    return None


def _defined(
    node: ast.AST, line: int, name: str, classes: tuple[str, ...]
) -> tuple[str, ...] | None:
    import ast

    for child in ast.iter_child_nodes(node):
        start, end = getattr(child, "lineno", 0), getattr(child, "end_lineno", None) or 0
        if not start <= line <= end:
            continue
        if isinstance(child, ast.ClassDef):
            return _defined(child, line, name, (*classes, child.name))
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) and child.name == name:
            return (*classes, name)
    return None
