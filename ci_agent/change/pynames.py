"""What a Python module's names stand for: imports followed through aliases, so that
``from pytest import skip as s`` makes ``s`` read as ``pytest.skip``."""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

__all__ = ["Aliases", "Parsed", "Use", "added_uses", "enclosing_functions", "parse_or_none"]


def parse_or_none(text: str) -> ast.Module | None:
    """The module's tree, or None when it is not Python."""
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return None


@dataclass(frozen=True)
class Aliases:
    """Local name → dotted name it was imported as (``p`` → ``pytest``)."""

    names: dict[str, str]

    @classmethod
    def of(cls, tree: ast.Module) -> Aliases:
        """Every import of ``tree``, at any depth (a test may import inside a function)."""
        names: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        names[alias.asname] = alias.name
                    else:
                        top = alias.name.split(".")[0]
                        names[top] = top
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        return cls(names)

    def qualify(self, node: ast.AST) -> str | None:
        """The dotted name ``node`` refers to (a call's function), or None."""
        if isinstance(node, ast.Call):
            return self.qualify(node.func)
        if isinstance(node, ast.Name):
            return self.names.get(node.id, node.id)
        if isinstance(node, ast.Attribute):
            base = self.qualify(node.value)
            return None if base is None else f"{base}.{node.attr}"
        return None


@dataclass(frozen=True)
class Use:
    """One use of something a rule looks for: its key (what and where) and line."""

    key: str
    line: int
    what: str
    scope: str = ""


def enclosing_functions(tree: ast.Module) -> Iterator[tuple[str, ast.AST]]:
    """``(scope, node)`` for every node: scope is the dotted name of the function or class
    around it (empty at module level)."""

    def walk(node: ast.AST, scope: str) -> Iterator[tuple[str, ast.AST]]:
        for child in ast.iter_child_nodes(node):
            yield scope, child
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                yield from walk(child, f"{scope}.{child.name}" if scope else child.name)
            else:
                yield from walk(child, scope)

    yield from walk(tree, "")


@dataclass(frozen=True)
class Parsed:
    """A module's tree, its import aliases and every node with its scope, computed once for
    all the rules that read them."""

    tree: ast.Module
    aliases: Aliases
    nodes: tuple[tuple[str, ast.AST], ...]

    @classmethod
    def of(cls, tree: ast.Module) -> Parsed:
        """Walk ``tree`` once."""
        return cls(tree, Aliases.of(tree), tuple(enclosing_functions(tree)))


def added_uses(before: Iterable[Use], after: Iterable[Use]) -> list[Use]:
    """The uses ``after`` holds more often than ``before`` (by key): what a change adds."""
    old = Counter(use.key for use in before)
    added = []
    for use in after:
        if old[use.key] > 0:
            old[use.key] -= 1
        else:
            added.append(use)
    return added
