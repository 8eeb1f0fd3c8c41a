"""Which link targets may stay clickable in posted Markdown: only the repository's own pages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

__all__ = ["RULE_DOCS", "LinkPolicy"]

# Pages of the linters ci-agent runs itself: the static engine links each finding to its rule.
RULE_DOCS = ("https://docs.astral.sh/ruff/rules/",)

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
# What CommonMark accepts between < and > as an autolink: an absolute URI without spaces or < >.
_AUTOLINK = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\x00-\x20<>]*$")


@dataclass(frozen=True)
class LinkPolicy:
    """Links to ``repository_url``, rule docs and relative links without ``..`` stay."""

    repository_url: str | None = None
    also: tuple[str, ...] = RULE_DOCS

    def allows(self, href: str) -> bool:
        """True when ``href`` cannot lead a reader away from the repository."""
        if not href or any(ord(c) <= 0x20 or c == "\\" for c in href):
            return False  # browsers drop or reinterpret these: judge nothing they could change
        base = (self.repository_url or "").rstrip("/")
        if _SCHEME.match(href) or href.startswith("//"):
            for prefix in self.also:
                if href.startswith(prefix):
                    return not _dot_segments(href[len(prefix) :])
            if not base or not (
                href == base or href.startswith((base + "/", base + "#", base + "?"))
            ):
                return False
            return not _dot_segments(href[len(base) :])
        if href.startswith(("#", "?")):
            return True
        if _dot_segments(href):
            return False  # ../../other/repo resolves to another repository on the same host
        if href.startswith("/"):
            path = re.sub(r"^[a-z]+://[^/]+", "", base, flags=re.IGNORECASE)
            return bool(base) and path != base and href.startswith(path + "/")
        return True

    def autolink(self, url: str) -> str | None:
        """``<url>`` when ``url`` may stay clickable as a bare link, else None."""
        if _AUTOLINK.match(url) and self.allows(url):
            return f"<{url}>"
        return None


def _dot_segments(href: str) -> bool:
    """True when the path part holds a ``.`` or ``..`` segment, encoded or not."""
    path = re.split(r"[?#]", href, maxsplit=1)[0]
    return any(segment in {".", ".."} for segment in unquote(path).split("/"))
