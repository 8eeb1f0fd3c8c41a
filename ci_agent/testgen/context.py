"""What a generator is told about a target: its source, the module's imports, the signatures
of what it calls and of what calls it, the style of the nearest existing tests, and a bounded
look-up of other symbols."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

from ci_agent.testgen.targets import Target, is_test_file

__all__ = ["TargetContext", "build_context", "lookup_symbol"]

STYLE_LIMIT = 2500  # characters of the nearest test file shown as the style to follow
SYMBOL_LIMIT = 3000  # characters of one looked-up symbol's source
MAX_SIGNATURES = 20


@dataclass(frozen=True)
class TargetContext:
    """Everything a generator sees about one target."""

    target: Target
    module: str
    source: str  # the target function's source, with line numbers
    imports: str
    callees: tuple[str, ...]
    callers: tuple[str, ...]
    style_path: str | None
    style: str


def build_context(target: Target, sources: Mapping[str, str]) -> TargetContext:
    """The context of ``target`` from the repository's sources (path -> text)."""
    text = sources[target.path]
    lines = text.splitlines()
    numbered = "\n".join(
        f"{n:>5}{'*' if n in target.lines else ' '} {lines[n - 1]}"
        for n in range(target.start, min(target.end, len(lines)) + 1)
    )
    tree = ast.parse(text)
    imports = "\n".join(
        ast.get_source_segment(text, n) or ""
        for n in tree.body
        if isinstance(n, ast.Import | ast.ImportFrom)
    )
    definitions = _definitions(sources)
    called = _called_names(tree, target)
    callees = tuple(definitions[name] for name in sorted(called) if name in definitions)
    leaf = target.qualname.rsplit(".", 1)[-1]
    callers = tuple(
        f"{path}: {signature}"
        for path, tree_ in _trees(sources)
        for signature in _callers_in(tree_, leaf)
        if not is_test_file(path)
    )
    style_path, style = _nearest_tests(target, sources)
    return TargetContext(
        target,
        target.module,
        numbered,
        imports,
        callees[:MAX_SIGNATURES],
        callers[:MAX_SIGNATURES],
        style_path,
        style,
    )


def lookup_symbol(name: str, sources: Mapping[str, str]) -> str:
    """The source of a function or class called ``name`` (``pkg.mod.name`` or ``name``)."""
    leaf = name.rsplit(".", 1)[-1]
    for path, tree in _trees(sources):
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
                and node.name == leaf
            ):
                segment = ast.get_source_segment(sources[path], node) or ""
                if len(segment) > SYMBOL_LIMIT:
                    segment = segment[:SYMBOL_LIMIT] + (
                        f"\n# [{len(segment) - SYMBOL_LIMIT} characters cut]"
                    )
                return f"# {path}\n{segment}"
    return f"# {name}: not found in the repository"


def _trees(sources: Mapping[str, str]) -> list[tuple[str, ast.Module]]:
    found = []
    for path in sorted(sources):
        try:
            found.append((path, ast.parse(sources[path])))
        except SyntaxError:
            continue
    return found


def _signature(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    returns = f" -> {ast.unparse(node.returns)}" if node.returns else ""
    prefix = "async def" if isinstance(node, ast.AsyncFunctionDef) else "def"
    return f"{prefix} {node.name}({ast.unparse(node.args)}){returns}"


def _definitions(sources: Mapping[str, str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for path, tree in _trees(sources):
        if is_test_file(path):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                found.setdefault(node.name, f"{path}: {_signature(node)}")
    return found


def _called_names(tree: ast.Module, target: Target) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and target.start <= node.lineno <= target.end:
            func = node.func
            if isinstance(func, ast.Name):
                names.add(func.id)
            elif isinstance(func, ast.Attribute):
                names.add(func.attr)
    return names


def _callers_in(tree: ast.Module, leaf: str) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or node.name == leaf:
            continue
        for call in ast.walk(node):
            if isinstance(call, ast.Call) and (
                (isinstance(call.func, ast.Name) and call.func.id == leaf)
                or (isinstance(call.func, ast.Attribute) and call.func.attr == leaf)
            ):
                found.append(_signature(node))
                break
    return found


def _nearest_tests(target: Target, sources: Mapping[str, str]) -> tuple[str | None, str]:
    """The existing test file closest to the target: ``test_<module>.py`` first, else the
    first test module of the repository."""
    stem = PurePosixPath(target.path).stem
    tests = [
        p
        for p in sorted(sources)
        if PurePosixPath(p).name.startswith("test_") and "_generated" not in p
    ]
    named = [p for p in tests if PurePosixPath(p).name == f"test_{stem}.py"]
    for path in named + tests:
        text = sources[path]
        if len(text) > STYLE_LIMIT:
            text = text[:STYLE_LIMIT] + f"\n# [{len(text) - STYLE_LIMIT} characters cut]"
        return path, text
    return None, ""
