"""Targets: the functions whose lines or branches the suite does not run, chosen by mode
(a pull request's changed functions, one module, the whole repository) and split into shards."""

from __future__ import annotations

import ast
import keyword
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import ClassVar

from ci_agent.json_form import json_meta
from ci_agent.testgen.coverage_data import Branch, FileCoverage

__all__ = [
    "Target",
    "arcs",
    "function_spans",
    "is_module_name",
    "is_test_file",
    "parse_problem",
    "select_targets",
    "shard",
]


def arcs(branches: Iterable[Branch]) -> list[str]:
    """Branches as the JSON shows them: ``from->to``."""
    return [f"{a}->{b}" for a, b in branches]


@dataclass(frozen=True)
class Target:
    """One function and what of it the suite leaves unrun."""

    JSON_KEYS: ClassVar = (
        "path",
        "function",
        ("lines", lambda t: [t.start, t.end]),
        "missing_lines",
        "missing_branches",
    )

    path: str  # repository-relative, POSIX
    qualname: str = field(metadata=json_meta(key="function"))
    start: int
    end: int
    missing_lines: tuple[int, ...]
    missing_branches: tuple[Branch, ...] = field(metadata=json_meta(convert=arcs))

    @property
    def key(self) -> str:
        """``path::qualname``, stable across runs and shards."""
        return f"{self.path}::{self.qualname}"

    @property
    def module(self) -> str:
        """The dotted module name (``src/`` layouts drop the ``src`` part)."""
        parts = list(PurePosixPath(self.path).with_suffix("").parts)
        if parts and parts[0] == "src":
            parts = parts[1:]
        if parts and parts[-1] == "__init__":
            parts = parts[:-1]
        return ".".join(parts)

    @property
    def importable(self) -> bool:
        """Whether a test can import the module by its dotted name (``scripts/check-x.py``
        and ``3rd.py`` it cannot)."""
        return is_module_name(self.module)

    @property
    def span(self) -> range:
        """Every line of the function, first to last."""
        return range(self.start, self.end + 1)

    @property
    def lines(self) -> frozenset[int]:
        """The target lines: missing lines and the sources of missing branches."""
        return frozenset(self.missing_lines) | {a for a, _ in self.missing_branches}


def is_module_name(dotted: str) -> bool:
    """Each part an identifier and no keyword: what ``import`` and ``from … import`` accept."""
    parts = dotted.split(".")
    return all(p.isidentifier() and not keyword.iskeyword(p) for p in parts)


def is_test_file(path: str) -> bool:
    """Test modules, conftest files and anything under a tests directory."""
    pure = PurePosixPath(path)
    return (
        pure.name.startswith("test_")
        or pure.name.endswith("_test.py")
        or pure.name == "conftest.py"
        or any(part in ("tests", "test", "testing") for part in pure.parts[:-1])
    )


def function_spans(source: str) -> list[tuple[str, int, int]]:
    """(qualified name, first line, last line) of every function, outermost first."""
    return [(name, first, last) for name, first, _, last in _functions(source)]


def _functions(source: str) -> list[tuple[str, int, int, int]]:
    """(qualified name, first line, first line of the body, last line) of every function,
    outermost first."""
    found: list[tuple[str, int, int, int]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = f"{prefix}{child.name}"
                first = min([child.lineno, *(d.lineno for d in child.decorator_list)])
                # A one-line ``def f(): return 1`` has its body on the def line.
                body = max(child.body[0].lineno, child.lineno + 1)
                found.append((name, first, body, child.end_lineno or child.lineno))
                visit(child, f"{name}.<locals>.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(ast.parse(source), "")
    return found


def parse_problem(source: str) -> str | None:
    """Why ``source`` cannot be a target's file (``line N: message``), or None when it parses."""
    try:
        ast.parse(source)
    except SyntaxError as exc:
        return f"line {exc.lineno}: {exc.msg}"
    except ValueError as exc:  # null bytes
        return str(exc)
    return None


def select_targets(
    sources: Mapping[str, str],
    coverage: Mapping[str, FileCoverage],
    changed: Mapping[str, frozenset[int]] | None = None,
) -> tuple[list[Target], int]:
    """Targets in ``sources`` (path -> text); with ``changed`` only the functions whose lines
    changed. Also the number of uncovered lines outside any function (never targeted)."""
    targets: list[Target] = []
    outside = 0
    for path in sorted(sources):
        if is_test_file(path) or path not in coverage:
            continue
        cov = coverage[path]
        try:
            spans = _functions(sources[path])
        except (SyntaxError, ValueError):
            continue  # the run lists it as skipped (parse_problem)
        claimed: set[int] = set()
        # Innermost first: a nested function's lines belong to it, not to its parent. Its
        # decorators and def line (defaults, annotations) run where it is defined, at import
        # or in its parent, never when it is called: they belong to that scope, so a module
        # no test imports does not leave its tested functions' def lines open forever.
        for name, start, body, end in sorted(spans, key=lambda s: s[3] - s[1]):
            inside = range(start, end + 1)
            own = range(body, end + 1)
            if changed is not None and not changed.get(path, frozenset()) & set(inside):
                claimed.update(own)
                continue
            lines = tuple(sorted(n for n in cov.missing if n in own and n not in claimed))
            branches = tuple(
                sorted(b for b in cov.missing_branches if b[0] in own and b[0] not in claimed)
            )
            claimed.update(own)
            if lines or branches:
                targets.append(Target(path, name, start, end, lines, branches))
        outside += len([n for n in cov.missing if n not in claimed])
    targets.sort(key=lambda t: t.key)
    return targets, outside


def shard(targets: Iterable[Target], index: int, count: int) -> list[Target]:
    """Shard ``index`` (1-based) of ``count``: round-robin over targets sorted by key, so
    every shard of one commit agrees on the split."""
    ordered = sorted(targets, key=lambda t: t.key)
    return [t for position, t in enumerate(ordered) if position % count == index - 1]
