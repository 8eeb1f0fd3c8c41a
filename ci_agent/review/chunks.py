"""Split a change into model requests that fit the per-request input cap — never truncate.

Each file becomes a section: its hunks with new-side line numbers (the model must answer with
them) and, budget permitting, the enclosing function or class as context. Sections are packed
first-fit into chunks; a file too big for one request is split by hunks, and a hunk too big
by lines, so every changed line lands in exactly one request.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

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
    """Hunk lines as ``NEW +code`` / ``NEW  code``; removed lines as ``-code``, unnumbered.

    The shortest unambiguous form: every prompt token counts against the input cap.
    """
    rows = [f"@@ -{hunk.old_start},{hunk.old_length} +{hunk.new_start},{hunk.new_length} @@"]
    for line in lines if lines is not None else hunk.lines:
        if line.kind == "removed":
            rows.append(f"-{line.text}")
        else:
            rows.append(f"{line.new_line} {'+' if line.kind == 'added' else ' '}{line.text}")
    return "\n".join(rows) + "\n"


def plan_chunks(files: Sequence[ReviewFile], budget: int, estimate: Estimator) -> list[Chunk]:
    """Pack ``files`` into chunks of at most ``budget`` estimated tokens each.

    A file that fits the room left in the current chunk joins it whole (with context). One
    that does not starts a fresh chunk if the current one is already well filled; otherwise
    its lines fill the current chunk and continue in the next, so requests stay full (every
    request repeats the prompt and schema: fewer requests, fewer tokens). ``budget`` is the
    per-request input cap minus that fixed overhead. Raises ValueError if a single line
    cannot fit, which only a tiny budget can cause.
    """
    chunks = [Chunk()]
    for file in files:
        whole = "".join(render_hunk(h) for h in file.diff.hunks)
        context = _context(file, budget, estimate)
        cost = estimate(context + whole) + _wrapper(file, estimate)
        room = budget - chunks[-1].tokens
        if cost > room and cost <= budget and room < budget * FILL_THRESHOLD:
            chunks.append(Chunk())
            room = budget
        if cost <= room:
            section = Section(file.path, file.diff.status, whole, context, lines=file.diff.right)
            chunks[-1].sections.append(section)
            chunks[-1].tokens += cost
            continue
        _spread(file, chunks, budget, estimate)
    return [c for c in chunks if c.sections]


# Below this share of the budget left, a file that does not fit starts a new request instead
# of being split to fill the current one.
FILL_THRESHOLD = 0.35


def _spread(file: ReviewFile, chunks: list[Chunk], budget: int, estimate: Estimator) -> None:
    """Lay the file's lines over the current chunk's room and as many new chunks as needed."""
    pieces: list[Section] = []
    wrapper = _wrapper(file, estimate)
    text, lines, cost = "", set[int](), wrapper

    def close() -> None:
        nonlocal text, lines, cost
        pieces.append(Section(file.path, file.diff.status, text, "", lines=frozenset(lines)))
        chunks[-1].sections.append(pieces[-1])
        chunks[-1].tokens += cost
        text, lines, cost = "", set(), wrapper

    for hunk in file.diff.hunks:
        header = render_hunk(hunk, [])
        rows = [(line, render_hunk(hunk, [line])[len(header) :]) for line in hunk.lines]
        started = False
        for line, row in rows:
            add = estimate(row) + (0 if started else estimate(header))
            if cost + add > budget - chunks[-1].tokens:
                if text:
                    close()
                chunks.append(Chunk())
                started = False
                add = estimate(row) + estimate(header)
                if cost + add > budget:
                    raise ValueError("a single diff line does not fit the request budget")
            if not started:
                text += header
                started = True
            text += row
            cost += add
            if line.new_line is not None and line.kind != "removed":
                lines.add(line.new_line)
    if text:
        close()
    for index, piece in enumerate(pieces, start=1):
        for chunk in chunks:
            chunk.sections = [
                replace(s, part=index, parts=len(pieces)) if s is piece else s
                for s in chunk.sections
            ]


def _wrapper(file: ReviewFile, estimate: Estimator) -> int:
    """What the prompt adds around each section (the file tag with its attributes)."""
    return estimate(
        f'<file path="{file.path}" status="{file.diff.status}" part="999 of 999">\n</file>\n'
    )


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
    rows = [f"{n}  {source[n - 1]}" for n in sorted(set(wanted)) if n <= len(source)]
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
