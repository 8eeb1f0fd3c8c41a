"""Job summary builder, a port of @actions/core's summary.ts that escapes text and keeps the cap.

Unlike @actions/core, every text argument is HTML-escaped, because ci-agent's summaries quote
untrusted text (PR titles, model answers, logs); use :meth:`StepSummary.add_raw` for markup.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import NotRequired, Required, TypedDict

from ci_agent.errors import fail
from ci_agent.runner.files import write_runner_file

__all__ = [
    "STEP_SUMMARY_LIMIT_BYTES",
    "SUMMARY_ENV_VAR",
    "StepSummary",
    "TableCell",
    "fit_summary",
]

SUMMARY_ENV_VAR = "GITHUB_STEP_SUMMARY"

# "each step is restricted to a maximum size of 1MiB"; a bigger summary is not uploaded at all:
# https://docs.github.com/en/actions/using-workflows/workflow-commands-for-github-actions#step-isolation-and-limits
STEP_SUMMARY_LIMIT_BYTES = 1024 * 1024


class TableCell(TypedDict):
    """One table cell, as summary.ts's SummaryTableCell."""

    data: Required[str]
    header: NotRequired[bool]
    colspan: NotRequired[int | str]
    rowspan: NotRequired[int | str]


def _truncation_note(omitted: int) -> str:
    return f"\n\nsummary truncated: {omitted} bytes omitted\n"


def fit_summary(text: str, room: int) -> tuple[str, int]:
    """Cut ``text`` to at most ``room`` UTF-8 bytes, note included; return it and bytes omitted."""
    data = text.encode("utf-8")
    if len(data) <= room:
        return text, 0
    # Reserve the longest note (every byte omitted); the real one can only be shorter.
    keep = room - len(_truncation_note(len(data)).encode("utf-8"))
    if keep <= 0:
        return "", len(data)
    # Dropping the undecodable tail removes a character the cut split in two, and nothing else.
    head = data[:keep].decode("utf-8", errors="ignore")
    omitted = len(data) - len(head.encode("utf-8"))
    return head + _truncation_note(omitted), omitted


def _wrap(tag: str, content: str | None = None, attrs: Mapping[str, object] | None = None) -> str:
    """``<tag attr="v">content</tag>``; content must already be escaped, attributes are here."""
    rendered = "".join(
        f' {key}="{html.escape(str(value))}"' for key, value in (attrs or {}).items() if value
    )
    if content is None:
        return f"<{tag}{rendered}>"
    return f"<{tag}{rendered}>{content}</{tag}>"


def _esc(text: str) -> str:
    return html.escape(text)


class StepSummary:
    """Builds a step's Markdown/HTML summary in memory; :meth:`write` appends it to the file."""

    def __init__(self) -> None:
        self._buffer = ""

    def stringify(self) -> str:
        """The summary built so far."""
        return self._buffer

    def is_empty(self) -> bool:
        """Whether nothing has been added since the last write or clear."""
        return not self._buffer

    def clear(self) -> StepSummary:
        """Empty the buffer (the file is untouched; ``write(..., overwrite=True)`` wipes it)."""
        self._buffer = ""
        return self

    def add_raw(self, text: str, add_eol: bool = False) -> StepSummary:
        """Add text as it is, Markdown or HTML; never pass untrusted text here."""
        self._buffer += text
        return self.add_eol() if add_eol else self

    def add_eol(self) -> StepSummary:
        """Add a line break."""
        return self.add_raw("\n")

    def _element(self, element: str) -> StepSummary:
        return self.add_raw(element).add_eol()

    def add_heading(self, text: str, level: int | str = 1) -> StepSummary:
        """Add ``<hN>``; a level outside 1-6 becomes 1, as in summary.ts."""
        tag = f"h{level}"
        tag = tag if tag in {"h1", "h2", "h3", "h4", "h5", "h6"} else "h1"
        return self._element(_wrap(tag, _esc(text)))

    def add_code_block(self, code: str, lang: str | None = None) -> StepSummary:
        """Add ``<pre lang="..."><code>...</code></pre>``."""
        return self._element(_wrap("pre", _wrap("code", _esc(code)), {"lang": lang}))

    def add_list(self, items: Iterable[str], ordered: bool = False) -> StepSummary:
        """Add a ``<ul>`` (or ``<ol>``) list."""
        body = "".join(_wrap("li", _esc(item)) for item in items)
        return self._element(_wrap("ol" if ordered else "ul", body))

    def add_table(self, rows: Iterable[Sequence[str | TableCell]]) -> StepSummary:
        """Add a table; a cell is a string or a :class:`TableCell` (header, colspan, rowspan)."""
        body = ""
        for row in rows:
            cells = ""
            for cell in row:
                if isinstance(cell, str):
                    cells += _wrap("td", _esc(cell))
                else:
                    tag = "th" if cell.get("header") else "td"
                    attrs = {"colspan": cell.get("colspan"), "rowspan": cell.get("rowspan")}
                    cells += _wrap(tag, _esc(cell["data"]), attrs)
            body += _wrap("tr", cells)
        return self._element(_wrap("table", body))

    def add_details(self, label: str, content: str, *, raw_content: bool = False) -> StepSummary:
        """Add a collapsed ``<details>``; ``raw_content`` keeps trusted markup (another summary)."""
        inner = content if raw_content else _esc(content)
        return self._element(_wrap("details", _wrap("summary", _esc(label)) + inner))

    def add_image(
        self, src: str, alt: str, *, width: int | None = None, height: int | None = None
    ) -> StepSummary:
        """Add ``<img src alt width height>``."""
        attrs = {"src": src, "alt": alt, "width": width, "height": height}
        return self._element(_wrap("img", None, attrs))

    def add_quote(self, text: str, cite: str | None = None) -> StepSummary:
        """Add a ``<blockquote>``."""
        return self._element(_wrap("blockquote", _esc(text), {"cite": cite}))

    def add_link(self, text: str, href: str) -> StepSummary:
        """Add ``<a href="...">text</a>``."""
        return self._element(_wrap("a", _esc(text), {"href": href}))

    def add_separator(self) -> StepSummary:
        """Add ``<hr>``."""
        return self._element(_wrap("hr"))

    def add_break(self) -> StepSummary:
        """Add ``<br>``."""
        return self._element(_wrap("br"))

    def write(self, environ: Mapping[str, str], *, overwrite: bool = False) -> int:
        """Append the buffer to ``GITHUB_STEP_SUMMARY`` within the cap, empty it, return bytes cut.

        Raises CA108 when the variable is unset and CA205 when the file is missing.
        """
        path = environ.get(SUMMARY_ENV_VAR, "")
        if not path:
            raise fail(
                "CA108",
                problem=f"{SUMMARY_ENV_VAR} is not set, so there is no job summary to write to",
                suggestion="Run inside GitHub Actions, or set GITHUB_STEP_SUMMARY to a file.",
            )
        target = Path(path)
        # The cap is per step, and the file holds exactly this step's summary so far.
        used = 0 if overwrite or not target.is_file() else target.stat().st_size
        text, omitted = fit_summary(self._buffer, STEP_SUMMARY_LIMIT_BYTES - used)
        write_runner_file(target, text, overwrite=overwrite)
        self._buffer = ""
        return omitted
