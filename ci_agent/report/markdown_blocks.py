"""Block nodes of a parsed Markdown tree written back as safe Markdown lines, or as one line."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ci_agent.report.markdown_inline import InlineWriter
from ci_agent.report.markdown_text import Pieces, escape_word

if TYPE_CHECKING:
    from markdown_it.tree import SyntaxTreeNode

__all__ = ["BlockWriter", "fence_lines"]

_BACKTICKS = re.compile(r"`+")
_LANGUAGE = re.compile(r"[A-Za-z0-9_+#.-]{1,40}")
# Info strings GitHub acts on rather than shows: a model-written ```suggestion would become a
# committable change that nothing validated; diagrams, maps, models and math render content.
_ACTIVE_LANGUAGES = {"suggestion", "mermaid", "geojson", "topojson", "stl", "math"}
_ALIGN = {"left": ":---", "right": "---:", "center": ":---:"}


def fence_lines(content: str, info: str = "") -> list[str]:
    """A fenced code block showing ``content`` verbatim; nothing inside can close it."""
    body = content[:-1] if content.endswith("\n") else content
    longest = max((len(run) for run in _BACKTICKS.findall(body)), default=0)
    fence = "`" * max(3, longest + 1)
    words = info.split()
    language = words[0] if words and _LANGUAGE.fullmatch(words[0]) else ""
    if language.lower() in _ACTIVE_LANGUAGES:
        language = ""
    return [fence + language, *(body.split("\n") if content else []), fence]


@dataclass(frozen=True)
class BlockWriter:
    """Writes block nodes; every block is separated by a blank line unless a list stays tight."""

    inline: InlineWriter

    def lines(self, nodes: list[SyntaxTreeNode], *, tight: bool = False) -> list[str]:
        """The Markdown lines of sibling blocks."""
        out: list[str] = []
        for node in nodes:
            block = self._block(node)
            if not block:
                continue
            if out and not (tight and node.type in ("bullet_list", "ordered_list")):
                out.append("")
            out += block
        return out

    def _inline(self, node: SyntaxTreeNode, *, single_line: bool, heading: bool = False) -> str:
        pieces = Pieces(single_line=single_line)
        for child in node.children:
            self.inline.write(child.children, pieces, heading=heading)
        return pieces.render()

    def _block(self, node: SyntaxTreeNode) -> list[str]:
        kind = node.type
        if kind == "paragraph":
            text = self._inline(node, single_line=False)
            return text.split("\n") if text else []
        if kind == "heading":
            text = self._inline(node, single_line=True, heading=True)
            return [f"{'#' * int(node.tag[1:])} {text}".rstrip()]
        if kind in ("fence", "code_block"):
            return fence_lines(node.content, node.info if kind == "fence" else "")
        if kind == "blockquote":
            return [f"> {line}" if line else ">" for line in self.lines(node.children)]
        if kind in ("bullet_list", "ordered_list"):
            return self._list(node)
        if kind == "table":
            return self._table(node)
        if kind == "hr":
            return ["---"]
        pieces = Pieces(single_line=False)  # raw HTML and anything unknown: shown as text
        self.inline.text(node.content.strip("\n"), pieces)
        return [line for line in pieces.render().split("\n") if line]

    def _list(self, node: SyntaxTreeNode) -> list[str]:
        tight = _tight(node)
        ordered = node.type == "ordered_list"
        start = int(str(node.attrs.get("start", 1))) if ordered else 0
        out: list[str] = []
        for number, item in enumerate(node.children):
            # A different marker starts a different list: keep the one the source used.
            marker = f"{min(start + number, 999_999_999)}{item.markup}" if ordered else node.markup
            body = self.lines(item.children, tight=tight)
            pad = " " * (len(marker) + 1)
            if out and not tight:
                out.append("")
            if not body:
                out.append(marker)
                continue
            out.append(f"{marker} {body[0]}")
            out += [pad + line if line else "" for line in body[1:]]
        return out

    def _table(self, node: SyntaxTreeNode) -> list[str]:
        rows = [row for part in node.children for row in part.children]  # a header row always
        cells = [[self._inline(cell, single_line=True) for cell in row.children] for row in rows]
        aligns = [_align(cell) for cell in rows[0].children]
        delimiter = [_ALIGN.get(align, "---") for align in aligns]
        return [f"| {' | '.join(row)} |" for row in (cells[0], delimiter, *cells[1:])]

    def flat(self, nodes: list[SyntaxTreeNode], pieces: Pieces) -> None:
        """Append blocks to a one-line ``pieces``: code blocks become code spans."""
        for node in nodes:
            kind = node.type
            if not pieces.at_line_start:
                pieces.markdown(" ")
            if kind in ("paragraph", "heading", "th", "td"):
                for child in node.children:
                    self.inline.write(child.children, pieces)
            elif kind in ("fence", "code_block"):
                pieces.code(node.content.rstrip("\n"))
            elif kind in ("bullet_list", "ordered_list"):
                ordered = kind == "ordered_list"
                start = int(str(node.attrs.get("start", 1))) if ordered else 0
                for number, item in enumerate(node.children):
                    mark = f"{start + number}." if ordered else "•"
                    pieces.markdown(escape_word(mark, line_start=pieces.at_line_start) + " ")
                    self.flat(item.children, pieces)
                    pieces.markdown(" ")
            elif kind in ("blockquote", "table", "thead", "tbody", "tr"):
                self.flat(node.children, pieces)
            elif kind != "hr":
                self.inline.text(node.content.replace("\n", " ").strip(), pieces)


def _tight(node: SyntaxTreeNode) -> bool:
    """True when the list can be written without blank lines and still parse the same."""
    for item in node.children:
        children = item.children
        if not children:
            continue
        first, rest = children[0], children[1:]
        if first.type != "paragraph" or not first.hidden:
            return False
        for child in rest:
            # Only a list that can interrupt a paragraph may follow it on the next line.
            if child.type not in ("bullet_list", "ordered_list") or not child.children:
                return False
            if not child.children[0].children or str(child.attrs.get("start", 1)) != "1":
                return False
    return True


def _align(cell: SyntaxTreeNode) -> str:
    style = str(cell.attrs.get("style", ""))
    return style.removeprefix("text-align:")
