"""What GitHub would show for a Markdown text: cmark-gfm's HTML, checked with html.parser."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import cmarkgfm

from ci_agent.report.markdown_links import LinkPolicy

__all__ = ["Rendered", "render", "unsafe_problems"]

# The elements cmark-gfm itself produces from Markdown (no raw HTML, no images).
MARKDOWN_TAGS = {
    "p", "em", "strong", "del", "code", "pre", "a", "ul", "ol", "li", "blockquote",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "br", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ATTRIBUTES = {"a": {"href"}, "th": {"align"}, "td": {"align"}, "ol": {"start"}, "pre": {"lang"}}
# GitHub links @name (and @org/team) in text that is not inside code, pre or a link.
LIVE_MENTION = re.compile(r"@[A-Za-z0-9]")
PLAIN_URL = re.compile(r"https?://|www\.", re.IGNORECASE)


@dataclass
class Rendered(HTMLParser):
    """The elements, links and free text of one rendering."""

    tags: list[str] = field(default_factory=list)
    bad_attributes: list[str] = field(default_factory=list)
    hrefs: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    free_text: list[str] = field(default_factory=list)
    code_text: list[str] = field(default_factory=list)
    cells: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    _open: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        allowed = ATTRIBUTES.get(tag, set())
        self.bad_attributes += [f"{tag}[{name}]" for name, _ in attrs if name not in allowed]
        if tag in ("td", "th"):
            self.cells.append("")
        if tag == "a":
            self.hrefs.append(dict(attrs).get("href") or "")
        if tag not in ("br", "hr", "img", "input"):
            self._open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if self._open and self._open[-1] == tag:
            self._open.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag in self._open:
            while self._open.pop() != tag:
                pass

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if any(tag in ("td", "th") for tag in self._open):
            self.cells[-1] += data
        if any(tag in ("code", "pre") for tag in self._open):
            self.code_text.append(data)
        elif "a" not in self._open:
            self.free_text.append(data)


def render(markdown: str, *, unsafe: bool = True) -> Rendered:
    """Parse cmark-gfm's HTML for ``markdown`` (unsafe: raw HTML would be kept if it survived)."""
    options = cmarkgfm.Options.CMARK_OPT_UNSAFE if unsafe else cmarkgfm.Options.CMARK_OPT_DEFAULT
    page = Rendered()
    page.feed(cmarkgfm.github_flavored_markdown_to_html(markdown, options=options))
    page.close()
    return page


def unsafe_problems(markdown: str, repository_url: str | None = None) -> list[str]:
    """Everything in the rendering of ``markdown`` that must not reach GitHub."""
    problems: list[str] = []
    policy = LinkPolicy(repository_url)
    for unsafe in (True, False):
        page = render(markdown, unsafe=unsafe)
        problems += [f"element <{tag}>" for tag in page.tags if tag not in MARKDOWN_TAGS]
        problems += [f"attribute {name}" for name in page.bad_attributes]
        problems += [f"comment <!--{text}-->" for text in page.comments]
        problems += [f"link to {href!r}" for href in page.hrefs if not policy.allows(href)]
        for text in page.free_text:
            if LIVE_MENTION.search(text):
                problems.append(f"live mention in {text!r}")
    return problems
