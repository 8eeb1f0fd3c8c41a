"""Fit a rendered report into a size limit by leaving out whole rows, never by cutting mid-text.

A surface renders its template with how many rows of each list to show; ``fit_lists`` finds
the most it can show (the least important list is shortened first) and says what it left out.
Only when even the empty lists do not fit is the text cut — at a line, with open fences closed
and a note saying so — so no surface ever sends a body GitHub would refuse.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ci_agent.report.limits import github_length

__all__ = ["Cut", "Fitted", "cut_note", "fit_lists", "fit_text"]

Render = Callable[[Mapping[str, int]], str]
Measure = Callable[[str], int]


@dataclass(frozen=True)
class Cut:
    """A list shown only in part: its name, how many rows were shown and how many there are."""

    name: str
    shown: int
    total: int

    @property
    def omitted(self) -> int:
        """Rows left out."""
        return self.total - self.shown


@dataclass(frozen=True)
class Fitted:
    """A text within its limit and what was left out to get there."""

    text: str
    cuts: tuple[Cut, ...] = ()
    truncated: bool = False

    @property
    def complete(self) -> bool:
        """True when nothing was left out."""
        return not self.cuts and not self.truncated


def fit_lists(
    render: Render,
    totals: Mapping[str, int],
    limit: int,
    *,
    measure: Measure = github_length,
    where: str = "",
) -> Fitted:
    """Render with as many rows as fit in ``limit``; lists earlier in ``totals`` are cut first."""
    shown = dict(totals)
    text = render(shown)
    if measure(text) <= limit:
        return Fitted(text)
    for name, total in totals.items():
        shown[name] = 0
        if measure(render(shown)) > limit:
            continue  # even without this list it is too long: cut the next one too
        low, high = 0, total  # invariant: `low` rows fit, `high + 1` do not
        while low < high:
            middle = (low + high + 1) // 2
            shown[name] = middle
            if measure(render(shown)) <= limit:
                low = middle
            else:
                high = middle - 1
        shown[name] = low
        break
    text = render(shown)
    cuts = tuple(Cut(n, shown[n], t) for n, t in totals.items() if shown[n] < t)
    if measure(text) <= limit:
        return Fitted(text, cuts)
    return Fitted(fit_text(text, limit, where=where, measure=measure), cuts, truncated=True)


def cut_note(omitted_chars: int, where: str = "") -> str:
    """The line that ends a text cut to fit: how much is missing and where the whole is."""
    whole = f" The whole report: {where}." if where else ""
    return (
        f"\n\n**Cut to fit GitHub's size limit:** {omitted_chars:,} characters left out.{whole}\n"
    )


def fit_text(text: str, limit: int, *, where: str = "", measure: Measure = github_length) -> str:
    """``text`` cut at a line boundary to fit ``limit``, open code fences closed, with a note."""
    if measure(text) <= limit:
        return text
    note = cut_note(len(text), where)  # an upper bound on what is left out keeps the note's size
    room = limit - measure(note) - 64  # a closing fence may be needed
    if room <= 0:
        return note.strip()[:limit]
    head = text[:room]
    while measure(head) > room:  # characters outside the BMP count twice
        head = head[: len(head) - (measure(head) - room)]
    while True:
        head = head[: head.rindex("\n")] if "\n" in head else ""
        fence = _open_fence(head)
        closed = head + ("\n" + fence if fence else "")
        result = closed + cut_note(len(text) - len(head), where)
        if measure(result) <= limit or not head:
            return result if measure(result) <= limit else note.strip()[:limit]


def _open_fence(text: str) -> str:
    """The fence that a cut left open (CommonMark: a run of 3+ backticks or tildes), or ""."""
    opened = ""
    for line in text.splitlines():
        stripped = line.lstrip(" ")
        if len(line) - len(stripped) > 3 or stripped[:1] not in ("`", "~"):
            continue
        run = len(stripped) - len(stripped.lstrip(stripped[0]))
        if run < 3:
            continue
        if not opened:
            opened = stripped[0] * run
        elif stripped[0] == opened[0] and run >= len(opened) and not stripped[run:].strip():
            opened = ""
    return opened
