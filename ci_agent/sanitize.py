"""Text that crosses the wire: valid UTF-8 for GitHub, a model and the terminal.

Markdown safety (mentions, images, links, raw HTML) lives in ``ci_agent.report.markdown``.
"""

from __future__ import annotations

__all__ = ["wire_text"]


def wire_text(text: str) -> str:
    """Text that encodes as UTF-8: bytes git could not decode become U+FFFD.

    Diffs and paths keep undecodable bytes as surrogates (``surrogateescape``) so they round-trip
    locally; JSON for GitHub or a model, and the terminal, need valid UTF-8.
    """
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
