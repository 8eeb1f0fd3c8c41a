"""Split a change into model requests that fit the per-request input cap — never truncate.

Each file becomes a section: its hunks with new-side line numbers (the model must answer with
them) and, budget permitting, the enclosing function or class as context. Sections are packed
first-fit into chunks; a file too big for one request is split by hunks, and a hunk too big
by lines, so every changed line lands in exactly one request.
"""

from __future__ import annotations

import ast
import html
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace

from ci_agent.diff import DiffLine, Hunk
from ci_agent.review.engine import ReviewFile

__all__ = ["Chunk", "Section", "escape_path", "iter_chunks", "plan_chunks", "render_hunk"]

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
    # Set on the one iter_chunks yields last: the others are known to have a successor.
    last: bool = False

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
    """Pack ``files`` into chunks of at most ``budget`` estimated tokens each (see iter_chunks).

    Raises ValueError if a single line cannot fit, which only a tiny budget can cause.
    """
    unfit: dict[str, str] = {}
    chunks = list(iter_chunks(files, budget, estimate, unfit))
    if unfit:
        raise ValueError("a single diff line does not fit the request budget")
    return chunks


def iter_chunks(
    files: Iterable[ReviewFile], budget: int, estimate: Estimator, unfit: dict[str, str]
) -> Iterator[Chunk]:
    """Pack ``files`` into chunks of at most ``budget`` estimated tokens, each yielded as soon
    as it is complete, so its request can go out while the rest is planned.

    A file that fits the room left in the current chunk joins it whole (with context). One
    that does not starts a fresh chunk if the current one is already well filled; otherwise
    its lines fill the current chunk and continue in the next, so requests stay full (every
    request repeats the prompt and schema: fewer requests, fewer tokens). ``budget`` is the
    per-request input cap minus that fixed overhead. Every diff line is estimated once.
    A file with a line too long for any request is left out and named in ``unfit``.
    """
    chunks = [Chunk()]
    done = 0
    for file in files:
        hunks = [_Rows.of(hunk, estimate) for hunk in file.diff.hunks]
        longest = max((h.header_cost + c for h in hunks for _, _, c in h.rows), default=0)
        if longest + _wrapper(file, estimate) > budget:
            unfit[file.path] = f"a diff line of about {longest} tokens fits no request"
            continue
        context = _context(file, budget, estimate)
        whole = sum(h.cost for h in hunks)
        cost = (estimate(context) if context else 0) + whole + _wrapper(file, estimate)
        room = budget - chunks[-1].tokens
        if cost > room and cost <= budget and room < budget * FILL_THRESHOLD:
            chunks.append(Chunk())
            room = budget
        if cost <= room:
            text = "".join(h.text for h in hunks)
            section = Section(file.path, file.diff.status, text, context, lines=file.diff.right)
            chunks[-1].sections.append(section)
            chunks[-1].tokens += cost
        else:
            _spread(file, hunks, chunks, budget, estimate)
        # Every chunk but the last is final now (a file's parts are numbered when it ends).
        yield from chunks[done:-1]
        done = len(chunks) - 1
    if chunks[-1].sections:
        chunks[-1].last = True
        yield chunks[-1]


# Below this share of the budget left, a file that does not fit starts a new request instead
# of being split to fill the current one.
FILL_THRESHOLD = 0.35


@dataclass(frozen=True)
class _Rows:
    """One hunk rendered row by row, with each row's estimated tokens."""

    hunk: Hunk
    header: str
    header_cost: int
    rows: tuple[tuple[DiffLine, str, int], ...]

    @classmethod
    def of(cls, hunk: Hunk, estimate: Estimator) -> _Rows:
        header = render_hunk(hunk, [])
        rows = tuple(
            (line, row, estimate(row))
            for line, row in (
                (line, render_hunk(hunk, [line])[len(header) :]) for line in hunk.lines
            )
        )
        return cls(hunk, header, estimate(header), rows)

    @property
    def text(self) -> str:
        return self.header + "".join(row for _, row, _ in self.rows)

    @property
    def cost(self) -> int:
        return self.header_cost + sum(cost for _, _, cost in self.rows)


def _spread(
    file: ReviewFile, hunks: list[_Rows], chunks: list[Chunk], budget: int, estimate: Estimator
) -> None:
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

    for hunk in hunks:
        started = False
        for line, row, row_cost in hunk.rows:
            add = row_cost + (0 if started else hunk.header_cost)
            if cost + add > budget - chunks[-1].tokens:
                if text:
                    close()
                chunks.append(Chunk())
                started = False
                add = row_cost + hunk.header_cost  # fits: iter_chunks checked the longest
            if not started:
                text += hunk.header
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
    path = escape_path(file.path)
    return estimate(
        f'<file path="{path}" status="{file.diff.status}" part="999 of 999">\n</file>\n'
    )


def escape_path(path: str) -> str:
    """A file name as an attribute value: no quote, tag or line break of it survives."""
    return html.escape(path, quote=True).replace("\n", "&#10;").replace("\r", "&#13;")


def _context(file: ReviewFile, budget: int, estimate: Estimator) -> str:
    """The enclosing Python functions/classes of the hunks, outside the hunks, within budget."""
    if file.content is None or not file.path.endswith((".py", ".pyi")):
        return ""
    try:
        tree = ast.parse(file.content)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return ""
    definitions = [
        (node.lineno, node.end_lineno or node.lineno)
        for node in ast.walk(tree)
        if isinstance(node, Definition)
    ]
    source = file.content.splitlines()
    shown = set(file.diff.right)
    wanted: list[int] = []
    for hunk in file.diff.hunks:
        span = _enclosing(definitions, hunk.new_start)
        if span is None:
            continue
        unchanged = [n for n in range(span[0], span[1] + 1) if n not in shown]
        wanted += unchanged[:MAX_CONTEXT_LINES]
    if not wanted:
        return ""
    rows = [f"{n}  {source[n - 1]}" for n in sorted(set(wanted)) if n <= len(source)]
    text = "context (unchanged lines of the enclosing definitions):\n" + "\n".join(rows) + "\n"
    return text if estimate(text) <= budget * CONTEXT_SHARE else ""


Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


def _enclosing(definitions: list[tuple[int, int]], line: int) -> tuple[int, int] | None:
    """The innermost function or class (first and last line) whose lines include ``line``."""
    best: tuple[int, int] | None = None
    for first, last in definitions:
        if first <= line <= last and (best is None or first >= best[0]):
            best = (first, last)
    return best
