"""Split a change into model requests that fit the per-request input cap — never truncate.

Each file becomes a section: its hunks with new-side line numbers (the model must answer with
them) and, budget permitting, the enclosing function or class as context. Sections are packed
first-fit into chunks; a file too big for one request is split by hunks, and a hunk too big
by lines, so every changed line lands in exactly one request.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ci_agent.diff import DiffLine, Hunk
from ci_agent.review.engine import ReviewFile

__all__ = ["Chunk", "Section", "plan_chunks", "render_hunk"]

Estimator = Callable[[str], int]
# Context is worth having, but not at the price of more requests: at most this share.
CONTEXT_SHARE = 0.25
MAX_CONTEXT_LINES = 40


@dataclass(frozen=True)
class Section:
    """Part (or all) of one file's change, rendered for the prompt."""

    path: str
    status: str
    diff_text: str
    context: str = ""
    part: int = 1
    parts: int = 1
    lines: frozenset[int] = field(default=frozenset(), repr=False)

    @property
    def text(self) -> str:
        """The section as the prompt shows it (without the surrounding template)."""
        return self.context + self.diff_text


@dataclass
class Chunk:
    """The sections of one request and their estimated tokens."""

    sections: list[Section] = field(default_factory=list)
    tokens: int = 0

    @property
    def paths(self) -> list[str]:
        """Files (some perhaps partly) in this chunk."""
        return sorted({s.path for s in self.sections})


def render_hunk(hunk: Hunk, lines: Sequence[DiffLine] | None = None) -> str:
    """Hunk lines as ``NEW | +code``; removed lines carry no new-side number."""
    rows = [f"@@ -{hunk.old_start},{hunk.old_length} +{hunk.new_start},{hunk.new_length} @@"]
    marks = {"context": " ", "added": "+", "removed": "-"}
    for line in lines if lines is not None else hunk.lines:
        number = f"{line.new_line:>5}" if line.new_line is not None else "     "
        rows.append(f"{number} |{marks[line.kind]}{line.text}")
    return "\n".join(rows) + "\n"


def plan_chunks(files: Sequence[ReviewFile], budget: int, estimate: Estimator) -> list[Chunk]:
    """Pack ``files`` into chunks of at most ``budget`` estimated tokens each.

    ``budget`` is the per-request input cap minus the prompt's fixed overhead. Raises
    ValueError if a single line cannot fit, which only a tiny budget can cause.
    """
    sections: list[Section] = []
    for file in files:
        sections += _sections(file, budget, estimate)
    chunks: list[Chunk] = []
    for section in sections:
        cost = estimate(section.text)
        target = next((c for c in chunks if c.tokens + cost <= budget), None)
        if target is None:
            target = Chunk()
            chunks.append(target)
        target.sections.append(section)
        target.tokens += cost
    return chunks


def _sections(file: ReviewFile, budget: int, estimate: Estimator) -> list[Section]:
    status = file.diff.status
    hunk_texts = [(h, render_hunk(h)) for h in file.diff.hunks]
    whole = "".join(text for _, text in hunk_texts)
    context = _context(file, budget, estimate)
    if estimate(context + whole) <= budget:
        return [Section(file.path, status, whole, context, lines=file.diff.right)]
    pieces: list[tuple[str, frozenset[int]]] = []
    current, current_lines = "", set[int]()
    for hunk, text in hunk_texts:
        for piece, lines in _split_hunk(hunk, text, budget, estimate):
            if current and estimate(current + piece) > budget:
                pieces.append((current, frozenset(current_lines)))
                current, current_lines = "", set()
            current += piece
            current_lines |= lines
    if current:
        pieces.append((current, frozenset(current_lines)))
    return [
        Section(file.path, status, text, "", index, len(pieces), lines)
        for index, (text, lines) in enumerate(pieces, start=1)
    ]


def _split_hunk(
    hunk: Hunk, text: str, budget: int, estimate: Estimator
) -> list[tuple[str, set[int]]]:
    new_lines = {x.new_line for x in hunk.lines if x.new_line is not None and x.kind != "removed"}
    if estimate(text) <= budget:
        return [(text, new_lines)]
    windows: list[tuple[str, set[int]]] = []
    rows: list[DiffLine] = []
    for line in hunk.lines:
        candidate = render_hunk(hunk, [*rows, line])
        if rows and estimate(candidate) > budget:
            windows.append(_window(hunk, rows))
            rows = []
        rows.append(line)
        if estimate(render_hunk(hunk, rows)) > budget:
            raise ValueError("a single diff line does not fit the request budget")
    if rows:
        windows.append(_window(hunk, rows))
    return windows


def _window(hunk: Hunk, rows: list[DiffLine]) -> tuple[str, set[int]]:
    lines = {x.new_line for x in rows if x.new_line is not None and x.kind != "removed"}
    return render_hunk(hunk, rows), lines


def _context(file: ReviewFile, budget: int, estimate: Estimator) -> str:
    """The enclosing Python functions/classes of the hunks, outside the hunks, within budget."""
    if file.content is None or not file.path.endswith((".py", ".pyi")):
        return ""
    try:
        tree = ast.parse(file.content)
    except (SyntaxError, ValueError):
        return ""
    source = file.content.splitlines()
    shown = set(file.diff.right)
    wanted: list[int] = []
    for hunk in file.diff.hunks:
        node = _enclosing(tree, hunk.new_start)
        if node is None:
            continue
        end = node.end_lineno or node.lineno
        span = [n for n in range(node.lineno, end + 1) if n not in shown]
        wanted += span[:MAX_CONTEXT_LINES]
    if not wanted:
        return ""
    rows = [f"{n:>5} | {source[n - 1]}" for n in sorted(set(wanted)) if n <= len(source)]
    text = "context (unchanged lines of the enclosing definitions):\n" + "\n".join(rows) + "\n"
    return text if estimate(text) <= budget * CONTEXT_SHARE else ""


Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


def _enclosing(tree: ast.AST, line: int) -> Definition | None:
    """The innermost function or class whose lines include ``line``."""
    best: Definition | None = None
    for node in ast.walk(tree):
        if isinstance(node, Definition):
            end = node.end_lineno or node.lineno
            if node.lineno <= line <= end and (best is None or node.lineno >= best.lineno):
                best = node
    return best
