"""Each kind of hostile input, cleaned, renders on GitHub's renderer with nothing unsafe left."""

from __future__ import annotations

import pytest

from ci_agent.report.markdown import clean_markdown, code_span, plain_text, table_cell
from tests.unit.report.rendered import render, unsafe_problems

REPO = "https://github.com/acme/widgets"

# The eleven kinds the regular-expression cleaner let through, then more found since.
HOSTILE = {
    "code span across a blank line": "`a\n\nb` <img src=x> @alice",
    "backtick in a fence info string": "```a`b\n<img src=x onerror=alert(1)>\n```",
    "reference definition in a list item": "- [a]: https://evil.example\n\n[a]",
    "protocol-relative link with a title": "[x](//evil.example 'title')",
    "nested brackets in image text": "![a [b] c](https://evil.example/p.png)",
    "www. autolink": "log in at www.evil.example/login now",
    "e-mail autolink": "write to bob@evil.example",
    "mention after a dot": "thanks.@alice",
    "mention after a slash": "cc x/@alice and @acme/security",
    "mention in emphasis": "***@alice*** _@bob_ ~~@carol~~",
    "mention in a link label": f"[@alice]({REPO}/pull/1)",
    "mention in image text": "![@alice](x.png)",
    "mention in a heading": "# @alice\n\n@bob\n---",
    "entity for @": "&#64;alice &commat;bob",
    "entities that decode to <": "&lt;img src=x&gt; &#60;img src=x> &#x3C;b>",
    "javascript link": "[x](javascript:alert(1)) [y](JAVASCRIPT:alert(1))",
    "link reference label": "[x][Evil]\n\n[evil]: https://evil.example 'pwn'",
    "angle autolinks": "<https://evil.example> <bob@evil.example> <mailto:a@b.co>",
    "xmpp and mailto autolinks": "xmpp:alice@evil.example mailto:bob@evil.example",
    "table in a list item": "- | a |\n  |---|\n  | @alice <img src=x> |",
    "table cell content": "| a | b |\n|---|---|\n| www.evil.example | ![x](y.png) @bob |",
    "raw HTML blocks": "<details><summary>x</summary>\n\n<img src=x>\n\n</details>",
    "marker spoofing": "<!-- ci-agent:summary:pr-1 -->\nbody",
    "very long backtick run": "`" * 1000 + " <img src=x> " + "`" * 999,
    "NUL and control characters": "a\x00b \x1b[31m@alice\x07 <img\x00src=x>",
    "bidi overrides": "\u202e@alice\u202c <img src=x>",
    "dot segments": f"[x]({REPO}/../../evil/repo) [y](../../evil/repo) [z](%2e%2e/evil)",
    "absolute path": "[x](/evil/repo) [y](\\\\evil.example)",
    "look-alike repository": "[x](https://github.com/acme/widgets-evil)",
    "footnote": "see [^1]\n\n[^1]: https://evil.example @alice",
    "block quote with lazy lines": "> quote\n<img src=x>\n@alice",
    "setext heading swallowing": "@alice\n===\n<b>x</b>\n---",
    "deep nesting": ">" * 60 + " @alice <img src=x>",
    "indented code": "    <img src=x> @alice\n\ntext",
    "tilde fences": "~~~\n<img src=x>\n~~~~\n@alice",
    "unclosed fence": "```\n<img src=x>\n@alice",
    "cross-repository reference": "fixed in evil/repo#1",
    "html in a link label": "[<img src=x>](src/a.py)",
    "image in a link": f"[![x](https://evil.example/p.png)]({REPO})",
    "hard breaks": "a  \n<img src=x>\\\n@alice",
    "list markers in text": "1) @alice\n+ <b>x</b>\n* www.evil.example",
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_clean_markdown_leaves_nothing_unsafe(text: str) -> None:
    cleaned = clean_markdown(text, REPO)
    assert unsafe_problems(cleaned, REPO) == []
    assert unsafe_problems(clean_markdown(text), None) == []


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_one_line_forms_leave_nothing_unsafe(text: str) -> None:
    cell = table_cell(text, repository_url=REPO)
    table = f"| a | b |\n|---|---|\n| {cell} | end |"
    assert unsafe_problems(table, REPO) == []
    page = render(table)
    assert page.tags.count("td") == 2  # still one row of two cells
    title = plain_text(text, repository_url=REPO)
    assert "\n" not in title
    assert unsafe_problems(f"**{title}** @", REPO) == []


def test_the_regular_expression_failures_now_render_as_text() -> None:
    page = render(clean_markdown(HOSTILE["backtick in a fence info string"]))
    assert "<img src=x onerror=alert(1)>" in "".join(page.free_text)
    page = render(clean_markdown(HOSTILE["nested brackets in image text"]))
    assert "".join(page.free_text).strip() == "[image removed: a [b] c]"
    assert clean_markdown(HOSTILE["protocol-relative link with a title"], REPO) == (
        "x (link removed)"
    )
    assert clean_markdown(HOSTILE["www. autolink"]) == "log in at `www.evil.example/login` now"
    assert clean_markdown(HOSTILE["mention after a dot"]) == "`thanks.@alice`"
    assert clean_markdown(HOSTILE["reference definition in a list item"]) == (
        "-\n\na (link removed)"
    )


def test_a_cut_title_never_leaves_a_code_span_open() -> None:
    title = "x " * 85 + "see `@alice` and `<img src=x>` @bob"
    cut = plain_text(title, 200)
    assert len(cut) <= 200
    kept = cut.removesuffix(" … (cut: 38 more characters)")
    assert kept == title[: len(title) - 38].strip() == "x " * 83 + "x"  # cut at a space
    row = f"| {cut} | `@carol` |"
    page = render(f"| title | who |\n|---|---|\n{row}")
    assert page.tags.count("td") == 2
    assert "@carol" in "".join(page.code_text)
    assert "`" not in "".join(page.free_text)


def test_file_names_with_backticks_and_pipes_stay_one_cell() -> None:
    for name in ("a`b|c.py", "`lead", "trail`", "| pipe |", "``x``", " sp ", "new\nline"):
        row = f"| {code_span(name)} | x |"
        page = render(f"| file | change |\n|---|---|\n{row}")
        assert page.cells[2:] == [name.replace("\n", "\u240a"), "x"], name
