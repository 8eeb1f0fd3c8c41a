"""Pynguin's machine-style module made into single, steady, readable tests: one module per test
(so the funnel keeps the useful ones), keyed by the function it tests; assertions that change
between processes (``hash()``, ``id()``, reprs with addresses) are dropped, and those that only
restate module state are kept once, in the first test that makes them; an expected-failure test
becomes ``pytest.raises(BaseException)`` around its last call (Pynguin marks any raise,
``SystemExit`` from argparse too); the module's alias and the tests get readable names."""

from __future__ import annotations

import ast
import copy
import re
from collections.abc import Mapping

__all__ = ["readable", "single_tests", "steady"]

_ADDRESS = re.compile(r"0x[0-9a-fA-F]{4,}| object at ")
_UNSTEADY_CALLS = frozenset({"hash", "id"})


def single_tests(source: str, module: str, defined: Mapping[str, str]) -> dict[str, list[str]]:
    """Qualified name -> single-test modules whose last call of something the module defines
    (``defined``: called name -> qualified name of the function it runs) is that function."""
    tree = ast.parse(source)
    header = [n for n in tree.body if not _is_test(n)]
    found: dict[str, list[str]] = {}
    stated: set[str] = set()  # module-state assertions some single test already makes
    for node in tree.body:
        if not _is_test(node):
            continue
        seen = set(stated)
        test = _expected_failure(steady(node, seen))  # type: ignore[arg-type]
        if test is None:
            continue
        primary = _primary(test, defined)
        if primary is None:
            continue
        stated = seen
        number = len(found.get(primary, [])) + 1
        test.name = f"test_{primary.replace('.', '_').strip('_')}_{number}"
        # Each test its own copy of the imports: pruning them must not touch the next test's.
        single = ast.Module(body=[*copy.deepcopy(header), test], type_ignores=[])
        text = ast.unparse(_used_imports_only(single))
        found.setdefault(primary, []).append(readable(text, module))
    return found


def steady(test: ast.FunctionDef, stated: set[str] | None = None) -> ast.FunctionDef:
    """The test without assertions that differ between processes; an assertion that names no
    value the test computed (it states the module's data: Pynguin restates it in every test)
    is dropped too, but with ``stated`` kept where it is not in that set yet (and added): the
    first test to make it keeps it, so a change to the module's tables (inflection's rules,
    run at import) still fails one test, and the other tests stay short."""
    local = {a.arg for a in test.args.args} | {
        n.id for n in ast.walk(test) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }
    kept: list[ast.stmt] = []
    for statement in test.body:
        if isinstance(statement, ast.Assert):
            if _unsteady(statement):
                continue
            if not {n.id for n in ast.walk(statement) if isinstance(n, ast.Name)} & local:
                text = ast.unparse(statement)
                if stated is None or text in stated:
                    continue
                stated.add(text)
        kept.append(statement)
    test.body = kept or [ast.Pass()]
    return test


def _unsteady(node: ast.AST) -> bool:
    for part in ast.walk(node):
        if (
            isinstance(part, ast.Call)
            and isinstance(part.func, ast.Name)
            and part.func.id in _UNSTEADY_CALLS
        ):
            return True
        if (
            isinstance(part, ast.Constant)
            and isinstance(part.value, str)
            and _ADDRESS.search(part.value)
        ):
            return True
    return False


def _used_imports_only(tree: ast.Module) -> ast.Module:
    """One test of many needs few of the module's imports; the rest would be unused."""
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    body: list[ast.stmt] = []
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            node.names = [a for a in node.names if (a.asname or a.name).split(".")[0] in used]
            if not node.names:
                continue
        body.append(node)
    tree.body = body
    return tree


def _is_test(node: ast.stmt) -> bool:
    return isinstance(node, ast.FunctionDef) and node.name.startswith("test")


def _expected_failure(test: ast.FunctionDef) -> ast.FunctionDef | None:
    """``@pytest.mark.xfail`` (refused at delivery as a skip) becomes ``pytest.raises`` around
    the last statement, the call that raised when Pynguin ran it; the funnel checks it again."""
    marks = [d for d in test.decorator_list if "xfail" in ast.unparse(d)]
    if not marks:
        return test
    last = test.body[-1] if test.body else None
    if not isinstance(last, ast.Expr | ast.Assign) or not isinstance(last.value, ast.Call):
        return None
    raises = ast.With(
        items=[
            ast.withitem(context_expr=ast.parse("pytest.raises(BaseException)", mode="eval").body)
        ],
        body=[last],
    )
    ast.fix_missing_locations(ast.copy_location(raises, last))
    test.body = [*test.body[:-1], raises]
    test.decorator_list = [d for d in test.decorator_list if d not in marks]
    return test


def _primary(test: ast.FunctionDef, defined: Mapping[str, str]) -> str | None:
    calls = sorted(
        (n for n in ast.walk(test) if isinstance(n, ast.Call)),
        key=lambda n: (n.lineno, n.col_offset),
    )
    names = [
        n.func.attr if isinstance(n.func, ast.Attribute) else getattr(n.func, "id", "")
        for n in calls
    ]
    chosen = [defined[name] for name in names if name in defined]
    return chosen[-1] if chosen else None


def readable(source: str, module: str) -> str:
    """``module_0`` / ``roman_ = sys.modules["roman"]`` aliases become the module's name where
    that name is free; ``import sys`` goes when nothing else uses it."""
    tree = ast.parse(source)
    short = module.rsplit(".", 1)[-1]
    taken = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    if short in taken and not any(
        isinstance(n, ast.Import) and any(a.name == short and not a.asname for a in n.names)
        for n in tree.body
    ):
        return ast.unparse(tree) + "\n"  # the name is a local somewhere: keep the alias
    aliases: set[str] = set()
    body: list[ast.stmt] = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == module and alias.asname:
                    aliases.add(alias.asname)
                    alias.asname = None if module == short else short
        if _is_sys_modules_alias(node, module):
            aliases.add(node.targets[0].id)  # type: ignore[attr-defined]
            if module != short or not any(
                isinstance(n, ast.Import) and any(a.name == module for a in n.names)
                for n in tree.body
            ):
                body.append(ast.Import(names=[ast.alias(name=module, asname=short)]))
            continue
        body.append(node)
    tree.body = body
    for name in ast.walk(tree):
        if isinstance(name, ast.Name) and name.id in aliases:
            name.id = short
    if not any(
        isinstance(n, ast.Attribute) and getattr(n.value, "id", "") == "sys" for n in ast.walk(tree)
    ):
        tree.body = [n for n in tree.body if not _is_import_of(n, "sys")]
    text = ast.unparse(tree) + "\n"
    return text.replace(f"import {short} as {short}\n", f"import {short}\n")


def _is_sys_modules_alias(node: ast.stmt, module: str) -> bool:
    return (
        isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
        and ast.unparse(node.value) in (f"sys.modules['{module}']", f'sys.modules["{module}"]')
    )


def _is_import_of(node: ast.stmt, name: str) -> bool:
    return isinstance(node, ast.Import) and [a.name for a in node.names] == [name]
