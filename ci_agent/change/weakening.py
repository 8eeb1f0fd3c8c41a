"""Whether a patch weakens a test file: deleted tests, fewer or trivial assertions, skips,
changed expected values, swallowed failures. Compared with ``ast``, not regexes."""

from __future__ import annotations

import ast

__all__ = ["weakened_tests"]

_SKIP_NAMES = frozenset({"skip", "skipif", "xfail", "importorskip"})


def weakened_tests(before: str, after: str) -> list[str]:
    """How ``after`` weakens the tests of ``before``: deleted tests, fewer or trivial asserts,
    skips or xfails added, expected literals changed."""
    try:
        old = _tests(ast.parse(before))
    except SyntaxError:
        return []
    if not after.strip() and old:
        return ["deletes the test file"]
    try:
        new = _tests(ast.parse(after))
    except SyntaxError:
        return ["leaves the test file with a syntax error"]
    reasons: list[str] = []
    for name, old_fn in old.items():
        new_fn = new.get(name)
        if new_fn is None:
            reasons.append(f"deletes test {name}")
            continue
        reasons.extend(f"{name}: {r}" for r in _compare(old_fn, new_fn))
    return reasons


_Fn = ast.FunctionDef | ast.AsyncFunctionDef


def _tests(tree: ast.Module) -> dict[str, _Fn]:
    found: dict[str, _Fn] = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            for item in node.body:
                if isinstance(item, _Fn) and item.name.startswith("test"):
                    found[f"{node.name}.{item.name}"] = item
        elif isinstance(node, _Fn) and node.name.startswith("test"):
            found[node.name] = node
    return found


def _asserts(fn: _Fn) -> list[ast.Assert]:
    return [n for n in ast.walk(fn) if isinstance(n, ast.Assert)]


def _literal(node: ast.expr) -> bool:
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, RecursionError):
        return False
    return True


def _trivial(node: ast.Assert) -> bool:
    """An assertion that cannot fail: a true literal, or literals compared with literals."""
    test = node.test
    if isinstance(test, ast.Constant):
        return bool(test.value)
    if isinstance(test, ast.Compare):
        sides = [test.left, *test.comparators]
        same = all(ast.dump(s) == ast.dump(sides[0]) for s in sides)
        return all(_literal(s) for s in sides) or same
    return False


def _escapes(fn: _Fn) -> int:
    """Early returns and handlers that swallow AssertionError (or everything)."""
    count = sum(isinstance(n, ast.Return) for n in ast.walk(fn))
    broad = {"AssertionError", "Exception", "BaseException"}
    for handler in (n for n in ast.walk(fn) if isinstance(n, ast.ExceptHandler)):
        if handler.type is None:  # a bare except
            count += 1
            continue
        names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        if any(isinstance(n, ast.Name) and n.id in broad for n in names):
            count += 1
    return count


def _masked(node: ast.AST) -> str:
    """The dump of ``node`` with every literal blanked: the shape of an assertion."""

    class Mask(ast.NodeTransformer):
        def visit(self, node: ast.AST) -> ast.AST:
            # Any literal expression (-1, (1, 2), {"a": 1}) counts as one expected value.
            if isinstance(node, ast.expr) and not isinstance(node, ast.Name):
                try:
                    ast.literal_eval(node)
                except (ValueError, TypeError, SyntaxError, RecursionError):
                    pass
                else:
                    return ast.Constant(value="<literal>")
            result: ast.AST = super().visit(node)
            return result

    return ast.dump(Mask().visit(ast.parse(ast.unparse(node))))


def _skips(fn: _Fn) -> int:
    count = 0
    for node in [*fn.decorator_list, *ast.walk(fn)]:
        target = node.func if isinstance(node, ast.Call) else node
        if isinstance(target, ast.Attribute) and target.attr in _SKIP_NAMES:
            count += 1
    return count


def _compare(old: _Fn, new: _Fn) -> list[str]:
    reasons: list[str] = []
    old_asserts = [a for a in _asserts(old) if not _trivial(a)]
    new_asserts = [a for a in _asserts(new) if not _trivial(a)]
    if len(new_asserts) < len(old_asserts):
        reasons.append(f"removes {len(old_asserts) - len(new_asserts)} assertion(s)")
    if sum(map(_trivial, _asserts(new))) > sum(map(_trivial, _asserts(old))):
        reasons.append("adds an assertion that is always true")
    if _skips(new) > _skips(old):
        reasons.append("adds a skip or xfail")
    if _escapes(new) > _escapes(old):
        reasons.append("adds an early return or an except that swallows assertion failures")
    old_shapes = {_masked(a): ast.dump(a) for a in old_asserts}
    new_dumps = {ast.dump(a) for a in new_asserts}
    for assertion in new_asserts:
        shape = _masked(assertion)
        old_dump = old_shapes.get(shape)
        if old_dump is not None and old_dump not in new_dumps and ast.dump(assertion) != old_dump:
            reasons.append("changes the expected value of an assertion")
            break
    return reasons
