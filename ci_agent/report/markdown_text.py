"""Leaf writers for safe Markdown: visible control characters, code spans, escaped text.

Everything here returns Markdown that means exactly its characters wherever it stands, in a
paragraph or a GFM table cell: no emphasis, link, HTML, autolink or mention can come out of it.
"""

from __future__ import annotations

import re

__all__ = ["Pieces", "code_span", "escape_word", "visible"]

# Characters that hide or reorder text (Trojan Source) or that terminals and renderers treat as
# controls: each is shown as its Unicode control picture or as <U+XXXX>.
_BIDI = [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_SHOWN: dict[int, str] = {
    **{c: chr(0x2400 + c) for c in range(0x20)},
    0x7F: "\u2421",
    **{c: f"<U+{c:04X}>" for c in (*range(0x80, 0xA0), *_BIDI)},
}
_KEEP_LINES = {c: s for c, s in _SHOWN.items() if c not in (0x09, 0x0A)}
_KEEP_TABS = {c: s for c, s in _SHOWN.items() if c != 0x09}
_BACKTICKS = re.compile(r"`+")
_ALWAYS = {c: "\\" + c for c in "\\`*[]|~$"} | {"<": "&lt;", ">": "&gt;", "&": "&amp;"}
# Between two letters or digits an underscore can neither open nor close emphasis: only the
# others are escaped.
_SPECIAL = re.compile(r"[\\`*\[\]|~$<>&]|_(?![^\W_])|(?<![^\W_])_")
_ORDERED = re.compile(r"\d{1,9}(?=[.)])")


def visible(text: str, *, lines: bool = True) -> str:
    """``text`` with CR/CRLF as LF and control or bidi characters shown, not acted on.

    ``lines=False`` shows line feeds too (as the control picture U+240A), for one-line contexts.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.translate(_KEEP_LINES if lines else _KEEP_TABS)


def code_span(text: str) -> str:
    """An inline code span showing ``text`` verbatim, safe in a paragraph and a table cell."""
    text = visible(text, lines=False)
    # A | splits a GFM table cell even inside a code span, and \| inside a span is shown as is
    # outside tables: put the escaped pipe between spans, where both contexts read it as |.
    return "\\|".join(_one_span(part) for part in text.split("|"))


def _one_span(text: str) -> str:
    if not text:
        return ""
    runs = {len(run) for run in _BACKTICKS.findall(text)}
    size = next(n for n in range(1, len(runs) + 2) if n not in runs)
    # The parser strips one space from each end when both ends have one: pad so the text's own
    # leading/trailing backticks or spaces survive.
    padded = text[0] == "`" or text[-1] == "`" or (text[0] == text[-1] == " " and text.strip(" "))
    pad = " " if padded else ""
    return f"{'`' * size}{pad}{text}{pad}{'`' * size}"


def escape_word(word: str, *, line_start: bool, heading: bool = False) -> str:
    """A word without whitespace as Markdown text that shows exactly its characters."""
    text = _SPECIAL.sub(_escaped, word)
    if heading:
        text = text.replace("#", "\\#")  # a trailing # run would close the heading
    if line_start:
        if text[:1] in ("#", "-", "+", "="):
            return "\\" + text  # heading, list item, setext underline or thematic break
        number = _ORDERED.match(text)
        if number:
            return f"{number.group()}\\{text[number.end() :]}"  # ordered list item
    return text


def _escaped(found: re.Match[str]) -> str:
    return _ALWAYS.get(found.group(), "\\_")


class Pieces:
    """Inline Markdown being built: code pieces are kept raw so adjacent ones become one span."""

    def __init__(self, *, single_line: bool) -> None:
        self.single_line = single_line
        self.at_line_start = True
        self.after_opener = False
        self._parts: list[tuple[bool, str]] = []

    def markdown(self, text: str, *, opener: bool = False) -> None:
        """Append Markdown that is already safe; ``opener`` for an emphasis or link opener."""
        if text.isspace() and (self.at_line_start or self.ends_with_space()):
            return  # one space shows like many; fewer keep a second cleaning from changing it
        if text:
            self._parts.append((False, text))
            self.at_line_start = False
            self.after_opener = opener

    def code(self, raw: str) -> None:
        """Append raw text to be shown in a code span."""
        if raw:
            self._parts.append((True, raw))
            self.at_line_start = self.after_opener = False

    def line_break(self, *, hard: bool = False) -> None:
        """Start a new line (a space in one-line contexts)."""
        if self.single_line:
            self.markdown(" ")
            return
        self._parts.append((False, "\\\n" if hard else "\n"))
        self.at_line_start = True
        self.after_opener = False

    def ends_with_space(self) -> bool:
        """True when the last piece ends with whitespace."""
        return bool(self._parts) and not self._parts[-1][0] and self._parts[-1][1][-1].isspace()

    def render(self) -> str:
        """The Markdown text; trailing spaces are dropped so none becomes a hard line break."""
        out: list[str] = []
        raw: list[str] = []
        for is_code, text in self._parts:
            if is_code:
                raw.append(text)
                continue
            if raw:
                out.append(code_span("".join(raw)))
                raw = []
            out.append(text)
        if raw:
            out.append(code_span("".join(raw)))
        return "\n".join(line.rstrip(" \t") for line in "".join(out).split("\n"))
