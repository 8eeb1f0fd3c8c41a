"""Untrusted text (model output, log excerpts, PR titles, file names) as Markdown safe to post.

Text is parsed as CommonMark with GFM tables and strikethrough, then written back from the tree:
structure, emphasis and code stay; images, raw HTML, links leaving the repository, autolinks
and reference definitions go; @user and @org/team mentions and e-mail addresses are shown in
code spans, where GitHub neither links nor notifies. A regular expression cannot know where
a code span, a fence or a link ends the way the renderer does; the parser does.

Cuts apply to the source before cleaning, at a line or word boundary, so a cut can never leave
a code span or fence open; the result ends with a marker saying how much was cut.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ci_agent.report.markdown_blocks import BlockWriter
from ci_agent.report.markdown_inline import InlineWriter
from ci_agent.report.markdown_links import LinkPolicy
from ci_agent.report.markdown_text import Pieces, visible
from ci_agent.report.markdown_text import code_span as _code_span

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token
    from markdown_it.tree import SyntaxTreeNode

__all__ = [
    "clean_markdown",
    "code_span",
    "cut_marker",
    "plain_text",
    "table_cell",
    "template_filters",
]

# Deeper block nesting than this is dropped by the parser; GitHub shows no more than a few levels.
MAX_NESTING = 40


def clean_markdown(
    text: str, repository_url: str | None = None, *, limit: int | None = None
) -> str:
    """``text`` as safe Markdown; with ``limit``, at most that long, the source cut to fit."""
    parser, blocks = _parser(), _blocks(repository_url)

    def clean(source: str) -> str:
        tree = _tree(parser.parse(visible(source)))
        return "\n".join(blocks.lines(tree.children))

    return _fit(clean, text, limit, "\n\n")


def table_cell(text: str, limit: int | None = None, *, repository_url: str | None = None) -> str:
    """``text`` cleaned as one GFM table cell: one line, pipes escaped, code blocks as spans."""
    parser, blocks = _parser(), _blocks(repository_url)

    def clean(source: str) -> str:
        pieces = Pieces(single_line=True)
        blocks.flat(_tree(parser.parse(visible(source))).children, pieces)
        return pieces.render().strip()

    return _fit(clean, text, limit, " ")


def plain_text(text: str, limit: int | None = None, *, repository_url: str | None = None) -> str:
    """One line of cleaned inline Markdown (a title): block syntax is shown, not applied."""
    parser, inline = _parser(), InlineWriter(LinkPolicy(repository_url))

    def clean(source: str) -> str:
        pieces = Pieces(single_line=True)
        for node in _tree(parser.parseInline(visible(source, lines=False))).children:
            inline.write(node.children, pieces)
        return pieces.render().strip()

    return _fit(clean, " ".join(text.split()), limit, " ")


def code_span(text: str) -> str:
    """An inline code span showing ``text`` verbatim (backticks, spaces, pipes, line feeds)."""
    return _code_span(text)


def cut_marker(count: int) -> str:
    """The visible note that ends a cut text."""
    return f"… (cut: {count:,} more characters)"


def template_filters() -> dict[str, Callable[..., str]]:
    """Jinja2 filters for templates that put untrusted text into Markdown."""

    def md_cell(value: Any, limit: int | None = None, repository_url: str | None = None) -> str:
        return table_cell(str(value), limit, repository_url=repository_url)

    def md_code(value: Any) -> str:
        return code_span(str(value))

    def md_text(value: Any, limit: int | None = None, repository_url: str | None = None) -> str:
        return plain_text(str(value), limit, repository_url=repository_url)

    def md_clean(value: Any, limit: int | None = None, repository_url: str | None = None) -> str:
        return clean_markdown(str(value), repository_url, limit=limit)

    return {"md_cell": md_cell, "md_code": md_code, "md_text": md_text, "md_clean": md_clean}


def _fit(clean: Callable[[str], str], text: str, limit: int | None, joiner: str) -> str:
    """``clean(text)``, or when longer than ``limit`` the cleaning of the longest source cut
    (at a boundary) that fits with the cut marker: the cleaned text itself is never cut."""
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be >= 0, not {limit}")
    if limit is None or len(text) <= limit:
        whole = clean(text)
        if limit is None or len(whole) <= limit:
            return whole

    def attempt(size: int) -> str:
        head = _cut(text, size)
        out = clean(head)
        marker = cut_marker(len(text) - len(head))
        return f"{out}{joiner}{marker}" if out else marker

    # Usually the source cut at the limit fits; escaping can make the result longer than its
    # source, and then the longest source that fits is searched for.
    high = min(len(text) - 1, limit)
    best = attempt(high)
    if len(best) <= limit:
        return best
    low, high, best = 0, high - 1, attempt(0)
    while low <= high:
        middle = (low + high) // 2
        candidate = attempt(middle)
        if len(candidate) <= limit:
            best, low = candidate, middle + 1
        else:
            high = middle - 1
    return best if len(best) <= limit else best[:limit]  # only the marker is left: plain text


def _cut(text: str, size: int) -> str:
    """At most ``size`` characters of ``text``, ending at a paragraph, line or word boundary."""
    head = text[:size]
    for boundary in ("\n\n", "\n", " "):
        at = head.rfind(boundary)
        if at >= size // 2 and at > 0:
            return head[:at]
    return head


def _blocks(repository_url: str | None) -> BlockWriter:
    return BlockWriter(InlineWriter(LinkPolicy(repository_url)))


def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"maxNesting": MAX_NESTING})
    return parser.enable(["table", "strikethrough"])


def _tree(tokens: list[Token]) -> SyntaxTreeNode:
    from markdown_it.tree import SyntaxTreeNode

    return SyntaxTreeNode(tokens)
