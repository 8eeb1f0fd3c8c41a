"""Cutting untrusted text to a length: the source is cut, never the cleaned Markdown."""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["cut_marker", "fit"]

# Proportional shrinking converges in one or two steps; after this many, shrink by a quarter.
_PROPORTIONAL_STEPS = 8


def cut_marker(count: int) -> str:
    """The visible note that ends a cut text."""
    return f"… (cut: {count:,} more characters)"


def fit(clean: Callable[[str], str], text: str, limit: int | None, joiner: str) -> str:
    """``clean(text)``; over ``limit``, the cleaning of a source cut at a boundary that fits
    together with ``joiner`` and the cut marker. The cleaned text itself is never cut, so no
    code span or fence is left open."""
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be >= 0, not {limit}")
    if limit is None or len(text) <= limit:
        whole = clean(text)
        if limit is None or len(whole) <= limit:
            return whole
    size = min(len(text) - 1, limit)
    for step in range(len(text) + 1):
        head = _cut(text, size)
        out = clean(head)
        marker = cut_marker(len(text) - len(head))
        candidate = f"{out}{joiner}{marker}" if out else marker
        if len(candidate) <= limit:
            return candidate
        if not head:
            return marker[:limit]  # not even the marker fits: what is left is plain text
        # Escaping made the result longer than its source: shrink the source in proportion.
        room = max(0, limit - len(marker) - len(joiner))
        guess = len(head) * room // max(1, len(out))
        if step >= _PROPORTIONAL_STEPS:
            guess = len(head) * 3 // 4
        size = min(len(head) - 1, guess)
    raise AssertionError("unreachable: the source shrinks on every step")  # pragma: no cover


def _cut(text: str, size: int) -> str:
    """At most ``size`` characters of ``text``, ending at a paragraph, line or word boundary."""
    head = text[:size]
    for boundary in ("\n\n", "\n", " "):
        at = head.rfind(boundary)
        if at >= size // 2 and at > 0:
            return head[:at]
    return head
