"""Untrusted text (model output, log excerpts, PR titles, file names) as Markdown safe to post.

Text is parsed as CommonMark with GFM tables and strikethrough, then written back from the tree:
structure, emphasis and code stay; images, raw HTML, links leaving the repository, autolinks
and reference definitions go; @user and @org/team mentions and e-mail addresses are shown in
code spans, where GitHub neither links nor notifies. A regular expression cannot know where
a code span, a fence or a link ends the way the renderer does; the parser does.

With a ``limit`` the result is at most that long: the source is cut (at a paragraph, line or
word boundary) before cleaning, never the cleaned text, so a cut cannot leave a code span or a
fence open; the result ends with a marker saying how many characters were cut.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ci_agent.report.markdown_blocks import BlockWriter
from ci_agent.report.markdown_cut import cut_marker, fit
from ci_agent.report.markdown_inline import InlineWriter
from ci_agent.report.markdown_links import LinkPolicy
from ci_agent.report.markdown_text import Pieces, visible
from ci_agent.report.markdown_text import code_span as _code_span

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token
    from markdown_it.tree import SyntaxTreeNode

__all__ = [
    "MAX_NESTING",
    "TOO_DEEP",
    "SafeMarkdown",
    "clean_markdown",
    "code_span",
    "cut_marker",
    "plain_text",
    "table_cell",
    "template_filters",
]

# The parser skips blocks nested deeper than this (its guard against deep recursion); the
# result then says so.
MAX_NESTING = 40
_CONTAINERS = {"blockquote_open", "bullet_list_open", "ordered_list_open", "list_item_open"}
TOO_DEEP = f"… (blocks nested deeper than {MAX_NESTING} levels are not shown)"


@dataclass(frozen=True)
class SafeMarkdown:
    """The cleaners with one parser, for callers that clean many texts (templates)."""

    parser: MarkdownIt

    @classmethod
    def create(cls) -> SafeMarkdown:
        """A cleaner with a CommonMark parser plus GFM tables and strikethrough."""
        from markdown_it import MarkdownIt

        parser = MarkdownIt("commonmark", {"maxNesting": MAX_NESTING})
        return cls(parser.enable(["table", "strikethrough"]))

    def clean(
        self, text: str, repository_url: str | None = None, *, limit: int | None = None
    ) -> str:
        """``text`` as safe Markdown; with ``limit``, at most that long, the source cut to fit."""
        blocks = _blocks(repository_url)

        def clean(source: str) -> str:
            tokens = self.parser.parse(visible(source))
            lines = blocks.lines(_tree(tokens).children)
            if _too_deep(tokens):
                lines += ["", TOO_DEEP] if lines else [TOO_DEEP]
            return "\n".join(lines)

        return fit(clean, text, limit, "\n\n")

    def cell(
        self, text: str, limit: int | None = None, *, repository_url: str | None = None
    ) -> str:
        """``text`` cleaned as one GFM table cell: one line, pipes escaped, code blocks as spans."""
        blocks = _blocks(repository_url)

        def clean(source: str) -> str:
            tokens = self.parser.parse(visible(source))
            pieces = Pieces(single_line=True)
            blocks.flat(_tree(tokens).children, pieces)
            if _too_deep(tokens):
                pieces.markdown(" ")
                pieces.markdown(TOO_DEEP)
            return pieces.render().strip()

        return fit(clean, text, limit, " ")

    def text(
        self, text: str, limit: int | None = None, *, repository_url: str | None = None
    ) -> str:
        """One line of cleaned inline Markdown (a title): block syntax is shown, not applied."""
        inline = InlineWriter(LinkPolicy(repository_url))

        def clean(source: str) -> str:
            pieces = Pieces(single_line=True)
            for node in _tree(self.parser.parseInline(visible(source, lines=False))).children:
                inline.write(node.children, pieces)
            return pieces.render().strip()

        return fit(clean, " ".join(text.split()), limit, " ")


def clean_markdown(
    text: str, repository_url: str | None = None, *, limit: int | None = None
) -> str:
    """``text`` as safe Markdown; with ``limit``, at most that long, the source cut to fit."""
    return SafeMarkdown.create().clean(text, repository_url, limit=limit)


def table_cell(text: str, limit: int | None = None, *, repository_url: str | None = None) -> str:
    """``text`` cleaned as one GFM table cell: one line, pipes escaped, code blocks as spans."""
    return SafeMarkdown.create().cell(text, limit, repository_url=repository_url)


def plain_text(text: str, limit: int | None = None, *, repository_url: str | None = None) -> str:
    """One line of cleaned inline Markdown (a title): block syntax is shown, not applied."""
    return SafeMarkdown.create().text(text, limit, repository_url=repository_url)


def code_span(text: str) -> str:
    """An inline code span showing ``text`` verbatim (backticks, spaces, pipes, line feeds)."""
    return _code_span(text)


def template_filters() -> dict[str, Callable[..., str]]:
    """Jinja2 filters for templates that put untrusted text into Markdown (one parser)."""
    safe = SafeMarkdown.create()

    def md_cell(value: Any, limit: int | None = None, repository_url: str | None = None) -> str:
        return safe.cell(str(value), limit, repository_url=repository_url)

    def md_code(value: Any) -> str:
        return code_span(str(value))

    def md_text(value: Any, limit: int | None = None, repository_url: str | None = None) -> str:
        return safe.text(str(value), limit, repository_url=repository_url)

    def md_clean(value: Any, limit: int | None = None, repository_url: str | None = None) -> str:
        return safe.clean(str(value), repository_url, limit=limit)

    return {"md_cell": md_cell, "md_code": md_code, "md_text": md_text, "md_clean": md_clean}


def _blocks(repository_url: str | None) -> BlockWriter:
    return BlockWriter(InlineWriter(LinkPolicy(repository_url)))


def _too_deep(tokens: list[Token]) -> bool:
    """True when the parser reached its nesting limit and skipped what was inside."""
    return any(
        token.nesting == 1 and token.level >= MAX_NESTING - 1 and token.type in _CONTAINERS
        for token in tokens
    )


def _tree(tokens: list[Token]) -> SyntaxTreeNode:
    from markdown_it.tree import SyntaxTreeNode

    return SyntaxTreeNode(tokens)
