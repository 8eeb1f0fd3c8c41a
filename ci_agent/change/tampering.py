"""Test tampering a patch adds, found on the syntax tree: asserts that cannot fail, the
function under test shadowed, skips and xfails under any name, collection switched off, and
expected values changed through the variables an assert reads.

Before and after are compared, so only what the patch adds counts. Each reason names the
line (in the new text) and the rule.
"""

from __future__ import annotations

import ast
import sys
from collections import Counter, defaultdict

from ci_agent.change.pynames import Aliases, Parsed, Use, added_uses, parse_or_none

__all__ = ["SKIP_NAMES", "tampered_tests"]

SKIP_NAMES = frozenset(
    {
        "skip",
        "skipif",
        "xfail",
        "importorskip",
        "skipIf",
        "skipUnless",
        "expectedFailure",
        "SkipTest",
        "Skipped",
    }
)
_SKIP_HOMES = frozenset({"pytest", "_pytest", "unittest"})
# Libraries a test imports that are not the code under test.
_TEST_LIBRARIES = frozenset({"pytest", "_pytest", "unittest", "hypothesis", "mock", "conftest"})


def tampered_tests(before: str, after: str) -> list[str]:
    """Why ``after`` tampers with the tests of ``before`` (empty when it does not)."""
    old, new = parse_or_none(before), parse_or_none(after)
    if old is None or new is None:
        return []  # a syntax error is reported by the weakening check
    old_parsed, new_parsed = Parsed.of(old), Parsed.of(new)
    reasons: list[str] = []
    for rule, label in _RULES:
        reasons.extend(
            f"line {use.line}: {use.what} (rule: {label})"
            for use in added_uses(rule(old_parsed), rule(new_parsed))
        )
    reasons.extend(_expected_through_variables(old_parsed, new_parsed))
    return reasons


def _truthy(node: ast.expr) -> bool:
    """A constant that is always true (``True``, ``1``, a non-empty string)."""
    if isinstance(node, ast.Constant):
        return bool(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return isinstance(node.operand, ast.Constant) and not node.operand.value
    return False


def _always_true(test: ast.expr) -> bool:
    if _truthy(test):
        return True
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.Or):
        return any(_always_true(value) for value in test.values)
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return all(_always_true(value) for value in test.values)
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        same = ast.dump(test.left) == ast.dump(test.comparators[0])
        return same and isinstance(test.ops[0], ast.Eq | ast.Is | ast.LtE | ast.GtE)
    return False


def _tautologies(parsed: Parsed) -> list[Use]:
    return [
        Use(f"{scope}:{ast.unparse(node.test)}", node.lineno, "an assert that cannot fail", scope)
        for scope, node in parsed.nodes
        if isinstance(node, ast.Assert) and _always_true(node.test)
    ]


def _skip_name(name: str | None) -> bool:
    if not name:
        return False
    parts = name.split(".")
    if parts[-1] == "skipTest":  # self.skipTest(...) in a unittest.TestCase
        return True
    return parts[-1] in SKIP_NAMES and parts[0] in _SKIP_HOMES


def _skips(parsed: Parsed) -> list[Use]:
    aliases = parsed.aliases
    uses: list[Use] = []
    decorators: set[int] = set()
    marks: set[int] = set()
    for scope, node in parsed.nodes:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            for decorator in node.decorator_list:
                decorators.add(id(decorator))
                name = aliases.qualify(decorator)
                if _skip_name(name):
                    what = f"skips {node.name} with the decorator {name}"
                    uses.append(Use(f"deco:{node.name}:{name}", decorator.lineno, what, scope))
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets
        ):
            for inner in ast.walk(node.value):
                marks.add(id(inner))
                name = aliases.qualify(inner)
                if isinstance(inner, ast.Attribute | ast.Name) and _skip_name(name):
                    where = f"class {scope}" if scope else "the module"
                    what = f"pytestmark applies {name} to every test of {where}"
                    uses.append(Use(f"mark:{scope}:{name}", node.lineno, what, scope))
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                name = f"{node.module}.{alias.name}"
                if _skip_name(name):
                    shown = f"{name} as {alias.asname}" if alias.asname else name
                    what = f"imports {shown}"
                    uses.append(Use(f"import:{scope}:{shown}", node.lineno, what, scope))
    for scope, node in parsed.nodes:
        inside = id(node) in decorators or id(node) in marks
        if isinstance(node, ast.Call) and not inside and id(node.func) not in marks:
            name = aliases.qualify(node.func)
            if _skip_name(name):
                uses.append(Use(f"call:{scope}:{name}", node.lineno, f"calls {name}", scope))
        elif isinstance(node, ast.Raise) and node.exc is not None:
            name = aliases.qualify(node.exc)
            if _skip_name(name):
                uses.append(Use(f"raise:{scope}:{name}", node.lineno, f"raises {name}", scope))
    return uses


def _collection_off(parsed: Parsed) -> list[Use]:
    """``__test__ = False`` tells pytest not to collect a module or class."""
    return [
        Use(f"{scope}:__test__", node.lineno, "sets __test__, which stops pytest collecting", scope)
        for scope, node in parsed.nodes
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "__test__" for t in node.targets)
    ]


def _project(name: str) -> bool:
    top = name.split(".", maxsplit=1)[0]
    return bool(top) and top not in sys.stdlib_module_names and top not in _TEST_LIBRARIES


def _project_names(parsed: Parsed) -> dict[str, str]:
    """Local name → project name, for what the test imports from the project."""
    found: dict[str, str] = {}
    for _, node in parsed.nodes:
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            if _project(node.module):
                for alias in node.names:
                    found[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.ImportFrom):  # a relative import is the project's own
            for alias in node.names:
                found[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if _project(alias.name):
                    local = alias.asname or alias.name.split(".")[0]
                    found[local] = alias.name if alias.asname else local
    return found


def _bound_names(node: ast.AST, project: dict[str, str]) -> list[str]:
    """The names ``node`` binds (a def, an assignment target, an import, an argument); an
    import of the same project name again is no rebinding."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [node.name]
    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
        return [node.id]
    if isinstance(node, ast.arg):
        return [node.arg]
    if isinstance(node, ast.ImportFrom):
        return [
            a.asname or a.name
            for a in node.names
            if project.get(a.asname or a.name) not in (f"{node.module}.{a.name}", a.name)
        ]
    if isinstance(node, ast.Import):
        bound = [(a.asname or a.name.split(".")[0], a.name) for a in node.names]
        return [local for local, full in bound if project.get(local) not in (full, local)]
    return []


def _shadowing(parsed: Parsed) -> list[Use]:
    aliases = parsed.aliases
    project = _project_names(parsed)
    uses: list[Use] = []
    for scope, node in parsed.nodes:
        for name in _bound_names(node, project):
            if name in project:
                what = f"rebinds {name}, which the test imports from the project ({project[name]})"
                uses.append(Use(f"bind:{scope}:{name}", getattr(node, "lineno", 0), what, scope))
        target = None
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            target = aliases.qualify(node)
        elif isinstance(node, ast.Call) and _is_setattr(node, aliases):
            target = _setattr_target(node, aliases)
        if (
            target
            and _project(target)
            and target.split(".")[0] in {p.split(".")[0] for p in project.values()}
        ):
            what = f"replaces {target}, code under test, inside the test module"
            uses.append(Use(f"attr:{scope}:{target}", getattr(node, "lineno", 0), what, scope))
    return uses


def _is_setattr(call: ast.Call, aliases: Aliases) -> bool:
    """``setattr(...)`` or ``monkeypatch.setattr(...)``."""
    func = call.func
    return aliases.qualify(func) == "setattr" or (
        isinstance(func, ast.Attribute) and func.attr == "setattr"
    )


def _setattr_target(call: ast.Call, aliases: Aliases) -> str | None:
    """What ``setattr(obj, "name", …)`` or ``monkeypatch.setattr("mod.name", …)`` replaces."""
    args = call.args
    if not args:
        return None
    first = args[0]
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return first.value
    base = aliases.qualify(first)
    if base and len(args) > 1 and isinstance(args[1], ast.Constant):
        return f"{base}.{args[1].value!s}"
    return base


def _assignments(parsed: Parsed) -> dict[str, dict[str, list[str]]]:
    """Scope → name → the expressions assigned to it there, in order."""
    found: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for scope, node in parsed.nodes:
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            targets, value = [node.target], node.value
        if value is None:
            continue
        for target in targets:
            for name in ast.walk(target):
                if isinstance(name, ast.Name):
                    found[scope][name.id].append(ast.unparse(value))
    return found


def _assert_counts(parsed: Parsed) -> Counter[str]:
    """Scope → how many asserts it holds."""
    return Counter(scope for scope, node in parsed.nodes if isinstance(node, ast.Assert))


def _expected_through_variables(old: Parsed, new: Parsed) -> list[str]:
    """An assert reads a variable whose value the patch changed, in a test that existed."""
    before, after = _assignments(old), _assignments(new)
    scopes_before = {scope for scope, _ in old.nodes} | set(before)
    reasons: list[str] = []
    seen: set[tuple[str, str]] = set()
    asserts_before, asserts_after = _assert_counts(old), _assert_counts(new)

    for scope, node in new.nodes:
        if not isinstance(node, ast.Assert):
            continue
        for name in {n.id for n in ast.walk(node.test) if isinstance(n, ast.Name)}:
            home = scope if name in after.get(scope, {}) or name in before.get(scope, {}) else ""
            if home and home not in scopes_before:
                continue  # a new test: nothing it compares was changed
            old_values = before.get(home, {}).get(name, [])
            new_values = after.get(home, {}).get(name, [])
            pool = {v for values in before.get(home, {}).values() for v in values}
            if not old_values and (
                set(new_values) <= pool or asserts_after[scope] > asserts_before[scope]
            ):
                # A variable renamed (the same value under a new name), or a new assert
                # added beside the old ones: nothing the test compared before changed.
                continue
            if old_values != new_values and (home, name) not in seen:
                seen.add((home, name))
                was = " / ".join(old_values) or "unset"
                now = " / ".join(new_values) or "unset"
                reasons.append(
                    f"line {node.lineno}: the assert reads {name}, whose value the patch "
                    f"changes from {was} to {now} (rule: expected-through-variable)"
                )
    return reasons


_RULES = (
    (_tautologies, "assert-always-true"),
    (_skips, "skip-or-xfail"),
    (_collection_off, "collection-off"),
    (_shadowing, "shadowing"),
)
