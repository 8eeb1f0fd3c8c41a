"""Make model-written markdown safe to post: no mentions, images, outside links or raw HTML.

Model text can carry prompt-injected content meant for people (phishing links, tracking
images, @-mentions that page maintainers) or for us (fake ci-agent markers). Code spans and
fenced blocks are left as written: GitHub neither renders nor notifies from them.
"""

from __future__ import annotations

import html
import re

__all__ = ["clean_markdown", "wire_text"]

_FENCE = re.compile(r"(^|\n)(```|~~~)[^\n]*\n.*?(\n\2[ \t]*(?=\n|$)|$)", re.DOTALL)
_INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1", re.DOTALL)
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
_BARE_URL = re.compile(r"(?<![\w`])(?:https?|ftp)://[^\s<>()\[\]`]+", re.IGNORECASE)
_MENTION = re.compile(r"(?<![\w`/.@-])@([A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:/[A-Za-z0-9_.-]+)?)")
_REFERENCE_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S+.*$", re.MULTILINE)


def clean_markdown(text: str, repository_url: str | None = None) -> str:
    """Return ``text`` with mentions defused, images and outside links removed, HTML escaped.

    ``repository_url`` (e.g. ``https://github.com/acme/widgets``) names the one place links
    may point to; relative links stay.
    """
    pieces: list[str] = []
    cursor = 0
    for match in _protected_spans(text):
        pieces.append(_clean_prose(text[cursor : match[0]], repository_url))
        pieces.append(text[match[0] : match[1]])
        cursor = match[1]
    pieces.append(_clean_prose(text[cursor:], repository_url))
    return "".join(pieces)


def _protected_spans(text: str) -> list[tuple[int, int]]:
    """Fenced blocks and inline code spans, which are shown verbatim."""
    spans = [(m.start(), m.end()) for m in _FENCE.finditer(text)]

    def inside(pos: int) -> bool:
        return any(start <= pos < end for start, end in spans)

    spans += [(m.start(), m.end()) for m in _INLINE_CODE.finditer(text) if not inside(m.start())]
    return sorted(spans)


def _clean_prose(text: str, repository_url: str | None) -> str:
    text = _REFERENCE_DEF.sub("", text)
    text = _IMAGE.sub(
        lambda m: f"[image removed: {m.group(1)}]" if m.group(1) else "[image removed]", text
    )
    text = _LINK.sub(lambda m: _keep_link(m, repository_url), text)
    text = html.escape(text, quote=False)
    text = _BARE_URL.sub(lambda m: _bare_url(m.group(0), repository_url), text)
    return _MENTION.sub(lambda m: f"`@{m.group(1)}`", text)


def _allowed(url: str, repository_url: str | None) -> bool:
    if not re.match(r"^[a-z][a-z0-9+.-]*:", url, re.IGNORECASE) and not url.startswith("//"):
        return True  # relative: inside the repository
    base = (repository_url or "").rstrip("/")
    return bool(base) and (url == base or url.startswith((base + "/", base + "#")))


def _keep_link(match: re.Match[str], repository_url: str | None) -> str:
    label, url = match.group(1), match.group(2)
    if _allowed(url, repository_url):
        return match.group(0)
    return f"{label} (link removed)" if label else "(link removed)"


def _bare_url(url: str, repository_url: str | None) -> str:
    # GitHub autolinks bare URLs; inside a code span they are shown but not clickable.
    return url if _allowed(url, repository_url) else f"`{url}`"


def wire_text(text: str) -> str:
    """Text that encodes as UTF-8: bytes git could not decode become U+FFFD.

    Diffs and paths keep undecodable bytes as surrogates (``surrogateescape``) so they round-trip
    locally; JSON for GitHub or a model, and the terminal, need valid UTF-8.
    """
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
