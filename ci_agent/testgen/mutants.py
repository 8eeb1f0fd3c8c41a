"""Mutants of a target: small syntax-tree changes on its lines (a comparison or boolean operator
flipped, a constant nudged, a return value replaced, a call or a raise removed), spliced into
the source text so the rest of the file stays byte for byte the same."""

from __future__ import annotations

import ast
import copy
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import ClassVar

from ci_agent.json_form import JsonKey

__all__ = ["Mutant", "mutants", "spread"]

_COMPARE: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}
_ARITH: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.FloorDiv,
    ast.FloorDiv: ast.Mult,
    ast.Div: ast.Mult,
    ast.Mod: ast.FloorDiv,
}


@dataclass(frozen=True)
class Mutant:
    """One changed copy of a source file."""

    line: int
    description: str
    source: str
    end: int = 0  # the changed node's last line (0: ``line``); a statement may span several

    @property
    def last_line(self) -> int:
        """The last line the change touches."""
        return max(self.end, self.line)

    # The JSON form leaves the source out: it is the whole file.
    JSON_KEYS: ClassVar[tuple[JsonKey, ...]] = ("line", ("mutation", lambda m: m.description))


def mutants(source: str, lines: Collection[int], limit: int) -> list[Mutant]:
    """Up to ``limit`` distinct mutants of the nodes that start on one of ``lines``, spread
    over those lines (``spread``), in source order. A node may end on a later line: coverage
    reports only the first line of a statement written over several (a ``return f(`` whose
    arguments follow), and a function made of one such statement would have no mutant."""
    tree = ast.parse(source)
    found: list[Mutant] = []
    seen: set[str] = {source}
    offsets = _line_offsets(source)
    for node in ast.walk(tree):
        lineno = getattr(node, "lineno", None)
        end = getattr(node, "end_lineno", None)
        if lineno is None or lineno not in lines or end is None:
            continue
        for description, replacement in _mutations(node):
            text = _splice(source, offsets, node, replacement)
            if text is None or text in seen:
                continue
            seen.add(text)
            found.append(Mutant(lineno, description, text, end))
    found.sort(key=lambda m: (m.line, m.description))
    return spread(found, limit)


def spread(found: Sequence[Mutant], limit: int) -> list[Mutant]:
    """``limit`` of the mutants (in source order), as many lines as possible each given one:
    with more lines than ``limit``, lines evenly spaced from first to last; otherwise every
    line's first mutant, then every line's second, and so on. The first ``limit`` in source
    order would leave a long function's later lines untried, so a test that runs only those
    could never kill one."""
    if len(found) <= limit:
        return list(found)
    if limit <= 0:
        return []
    by_line: dict[int, list[Mutant]] = {}
    for mutant in found:
        by_line.setdefault(mutant.line, []).append(mutant)
    lines = sorted(by_line)
    if len(lines) >= limit:
        step = (len(lines) - 1) / max(limit - 1, 1)
        picked = sorted({lines[round(n * step)] for n in range(limit)})
        return [by_line[line][0] for line in picked]
    chosen: list[Mutant] = []
    depth = 0
    while len(chosen) < limit:
        for line in lines:
            if depth < len(by_line[line]) and len(chosen) < limit:
                chosen.append(by_line[line][depth])
        depth += 1
    return sorted(chosen, key=lambda m: (m.line, m.description))


def _mutations(node: ast.AST) -> Iterator[tuple[str, str]]:
    """(description, replacement source) for one node."""
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            flipped = _COMPARE.get(type(op))
            if flipped is not None:
                twin = copy.deepcopy(node)
                twin.ops[i] = flipped()
                yield f"{_sym(op)} -> {_sym(flipped())}", ast.unparse(twin)
    elif isinstance(node, ast.BoolOp):
        other: ast.boolop = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        yield _changed(
            node, lambda n: setattr(n, "op", other), f"{_word(node.op)} -> {_word(other)}"
        )
    elif isinstance(node, ast.BinOp) and type(node.op) in _ARITH:
        new = _ARITH[type(node.op)]()
        yield _changed(node, lambda n: setattr(n, "op", new), f"{_sym(node.op)} -> {_sym(new)}")
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        yield "not removed", ast.unparse(node.operand)
    elif isinstance(node, ast.Constant):
        yield from _constant(node)
    elif isinstance(node, ast.Return) and node.value is not None:
        if not (isinstance(node.value, ast.Constant) and node.value.value is None):
            yield "return value -> None", "return None"
    elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        yield f"call to {ast.unparse(node.value.func)}() removed", "pass"
    elif isinstance(node, ast.Raise) and node.exc is not None:
        # Without it, a test that expects the error is the only kind that can tell: a code
        # path that ends in a raise had no mutant such a test could kill but its message.
        yield "raise removed", "pass"


def _constant(node: ast.Constant) -> Iterator[tuple[str, str]]:
    value = node.value
    if isinstance(value, bool):
        yield f"{value} -> {not value}", repr(not value)
    elif isinstance(value, int):
        yield f"{value} -> {value + 1}", repr(value + 1)
    elif isinstance(value, float):
        yield f"{value} -> {value + 1.0}", repr(value + 1.0)
    elif isinstance(value, str) and value and "\n" not in value:
        yield f"{value!r} -> ''", "''"


def _changed(node: ast.AST, change: Callable[[ast.AST], None], what: str) -> tuple[str, str]:
    twin = copy.deepcopy(node)
    change(twin)
    return what, ast.unparse(twin)


def _sym(op: ast.AST) -> str:
    """The operator's spelling, as ast.unparse writes it."""
    if isinstance(op, ast.operator):
        return ast.unparse(ast.BinOp(ast.Name("a"), op, ast.Name("b")))[2:-2]
    return ast.unparse(ast.Compare(ast.Name("a"), [op], [ast.Name("b")]))[2:-2]  # type: ignore[list-item]


def _word(op: ast.boolop) -> str:
    return "and" if isinstance(op, ast.And) else "or"


def _line_offsets(source: str) -> list[int]:
    """Byte offset of the start of each line (1-based index), on the UTF-8 encoding."""
    offsets = [0, 0]
    for line in source.encode("utf-8").splitlines(keepends=True):
        offsets.append(offsets[-1] + len(line))
    return offsets


def _splice(source: str, offsets: list[int], node: ast.AST, replacement: str) -> str | None:
    data = source.encode("utf-8")
    start = offsets[node.lineno] + node.col_offset  # type: ignore[attr-defined]
    end = offsets[node.end_lineno] + node.end_col_offset  # type: ignore[attr-defined]
    needs_parens = isinstance(node, ast.expr) and not isinstance(node, ast.Constant)
    text = f"({replacement})" if needs_parens else replacement
    changed = (data[:start] + text.encode("utf-8") + data[end:]).decode("utf-8")
    try:
        ast.parse(changed)
    except SyntaxError:
        return None
    return changed
