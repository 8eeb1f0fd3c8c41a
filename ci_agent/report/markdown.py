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

from typing import TYPE_CHECKING

from ci_agent.report.markdown_blocks import BlockWriter
from ci_agent.report.markdown_inline import InlineWriter
from ci_agent.report.markdown_links import LinkPolicy
from ci_agent.report.markdown_text import Pieces, visible
from ci_agent.report.markdown_text import code_span as _code_span

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token
    from markdown_it.tree import SyntaxTreeNode

__all__ = ["clean_markdown", "code_span", "cut_marker", "plain_text", "table_cell"]

# Deeper block nesting than this is dropped by the parser; GitHub shows no more than a few levels.
MAX_NESTING = 40


def clean_markdown(
    text: str, repository_url: str | None = None, *, limit: int | None = None
) -> str:
    """``text`` as safe Markdown, cut to ``limit`` source characters first if given."""
    source, cut = _cut(text, limit)
    tree = _tree(_parser().parse(visible(source)))
    out = "\n".join(_blocks(repository_url).lines(tree.children))
    if not cut:
        return out
    return f"{out}\n\n{cut_marker(cut)}" if out else cut_marker(cut)


def table_cell(text: str, limit: int | None = None, *, repository_url: str | None = None) -> str:
    """``text`` cleaned as one GFM table cell: one line, pipes escaped, code blocks as spans."""
    source, cut = _cut(text, limit)
    tree = _tree(_parser().parse(visible(source)))
    pieces = Pieces(single_line=True)
    _blocks(repository_url).flat(tree.children, pieces)
    return _with_marker(pieces, cut)


def plain_text(text: str, limit: int | None = None, *, repository_url: str | None = None) -> str:
    """One line of cleaned inline Markdown (a title): block syntax is shown, not applied."""
    source, cut = _cut(" ".join(text.split()), limit)
    tree = _tree(_parser().parseInline(visible(source, lines=False)))
    pieces = Pieces(single_line=True)
    inline = InlineWriter(LinkPolicy(repository_url))
    for node in tree.children:
        inline.write(node.children, pieces)
    return _with_marker(pieces, cut)


def code_span(text: str) -> str:
    """An inline code span showing ``text`` verbatim (backticks, spaces, pipes, line feeds)."""
    return _code_span(text)


def cut_marker(count: int) -> str:
    """The visible note that ends a cut text."""
    return f"… (cut: {count:,} more characters)"


def _with_marker(pieces: Pieces, cut: int) -> str:
    out = pieces.render().strip()
    if not cut:
        return out
    return f"{out} {cut_marker(cut)}" if out else cut_marker(cut)


def _cut(text: str, limit: int | None) -> tuple[str, int]:
    """At most ``limit`` characters of ``text``, ending at a paragraph, line or word boundary."""
    if limit is None or len(text) <= limit:
        return text, 0
    if limit < 0:
        raise ValueError(f"limit must be >= 0, not {limit}")
    head = text[:limit]
    for boundary in ("\n\n", "\n", " "):
        at = head.rfind(boundary)
        if at >= limit // 2 and at > 0:
            head = head[:at]
            break
    return head, len(text) - len(head)


def _blocks(repository_url: str | None) -> BlockWriter:
    return BlockWriter(InlineWriter(LinkPolicy(repository_url)))


def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"maxNesting": MAX_NESTING})
    return parser.enable(["table", "strikethrough"])


def _tree(tokens: list[Token]) -> SyntaxTreeNode:
    from markdown_it.tree import SyntaxTreeNode

    return SyntaxTreeNode(tokens)
