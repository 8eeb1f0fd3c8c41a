"""Inline nodes of a parsed Markdown tree written back as safe Markdown."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ci_agent.report.markdown_links import LinkPolicy
from ci_agent.report.markdown_text import Pieces, escape_word

if TYPE_CHECKING:
    from markdown_it.tree import SyntaxTreeNode

__all__ = ["InlineWriter"]

# A word GitHub could turn into a link or a notification: @mentions and e-mail addresses
# (whatever stands before the @), URLs, www. autolinks, mailto:/xmpp: autolinks, owner/repo#1
# cross-references (they add a backlink to another repository's issue).
_HAZARD = re.compile(r"@|://|www\.|mailto:|xmpp:|[\w.-]/[\w.-]+#\d", re.IGNORECASE)
_URL_WORD = re.compile(r"([(\"']?)((?:https?|ftp)://[^\s<>`]+?)([.,:;!?'\")]*)")
_WORDS = re.compile(r"(\s+)")


@dataclass(frozen=True)
class InlineWriter:
    """Writes inline nodes: images become text, outside links lose their target, code is kept."""

    links: LinkPolicy

    def write(self, nodes: list[SyntaxTreeNode], pieces: Pieces, *, heading: bool = False) -> None:
        """Append ``nodes`` (children of an inline node) to ``pieces``."""
        for node in nodes:
            self._node(node, pieces, heading)

    def text(self, text: str, pieces: Pieces, *, heading: bool = False) -> None:
        """Append plain ``text`` (line feeds are line breaks) so it shows as written."""
        for number, line in enumerate(text.split("\n")):
            if number:
                pieces.line_break()
            self._line(line, pieces, heading)

    def _line(self, line: str, pieces: Pieces, heading: bool) -> None:
        for part in _WORDS.split(line):
            if not part:
                continue
            if part.isspace():
                if pieces.after_opener:
                    pieces.markdown("&#32;")  # "* x*" would be a list item, not emphasis
                elif not pieces.at_line_start:
                    pieces.markdown(part)
            elif _HAZARD.search(part):
                self._hazard(part, pieces, heading)
            else:
                pieces.markdown(escape_word(part, line_start=pieces.at_line_start, heading=heading))

    def _hazard(self, word: str, pieces: Pieces, heading: bool) -> None:
        found = _URL_WORD.fullmatch(word)
        if found and not _HAZARD.search(found.group(1) + found.group(3)):
            link = self.links.autolink(found.group(2))
            if link is not None:
                if found.group(1):
                    pieces.markdown(escape_word(found.group(1), line_start=False))
                pieces.markdown(link)
                if found.group(3):
                    pieces.markdown(escape_word(found.group(3), line_start=False, heading=heading))
                return
        pieces.code(word)  # shown, neither clickable nor notifying

    def _node(self, node: SyntaxTreeNode, pieces: Pieces, heading: bool) -> None:
        kind = node.type
        if kind == "text":
            self.text(node.content, pieces, heading=heading)
        elif kind == "code_inline":
            pieces.code(node.content)
        elif kind in ("softbreak", "hardbreak"):
            pieces.line_break(hard=kind == "hardbreak")
        elif kind in ("em", "strong", "s"):
            mark = {"em": "*", "strong": "**", "s": "~~"}[kind]
            pieces.markdown(mark, opener=True)
            self.write(node.children, pieces, heading=heading)
            pieces.markdown(mark)
        elif kind == "link":
            self._link(node, pieces, heading)
        elif kind == "image":
            pieces.markdown("\\[image removed")
            if node.children:
                pieces.markdown(": ")
                self.write(node.children, pieces, heading=heading)
            pieces.markdown("\\]")
        else:  # raw HTML, and anything else: shown as text
            self.text(node.content.replace("\n", " "), pieces, heading=heading)

    def _link(self, node: SyntaxTreeNode, pieces: Pieces, heading: bool) -> None:
        href = str(node.attrs.get("href", ""))
        if node.markup == "autolink":
            label = "".join(child.content for child in node.children)
            link = self.links.autolink(label)
            if link is None:
                pieces.code(label)
            else:
                pieces.markdown(link)
        elif self.links.allows(href):
            pieces.markdown("[", opener=True)
            self.write(node.children, pieces, heading=heading)
            target = href.replace(" ", "%20").replace("<", "%3C").replace(">", "%3E")
            pieces.markdown(f"](<{target}>)")
        else:
            self.write(node.children, pieces, heading=heading)
            pieces.markdown(" ")
            pieces.markdown("(link removed)")
