"""Random Markdown-ish text (fixed seed): every output is safe and a second cleaning settles it."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from ci_agent.report.markdown import clean_markdown, code_span, plain_text, table_cell
from tests.unit.report.rendered import render, unsafe_problems

REPO = "https://github.com/acme/widgets"
FRAGMENTS = [
    *"`*_[]()!<>&#@|\\$~:/.'\"-",
    *("``", "```", "~~~", "**", "\n", "\n\n", " ", "    ", "\t", "\r\n", "\x00", "\u202e"),
    *("@alice", "@org/team", ".@u", "x/@u", "a@b.co", "xmpp:u@h.co", "&#64;", "&lt;", "&amp;"),
    *("www.evil.com", "https://evil.example/x", f"{REPO}/a", "<https://evil.example>", "<a@b.co>"),
    *("javascript:", "mailto:", "<img src=x>", "&#x3C;img src=x>", "<b>", "</b>", "<!--", "-->"),
    *("<div>\n\n", "</div>", "1.", "2) ", "- ", "* ", "+ ", "> ", "\n> ", "---", "===", "[^1]"),
    *("[a]: http://evil.example\n", "\n[a]: <https://evil.example> 't'\n", "[x][a]", "[a]"),
    *("](http://evil.example)", "![", "|---|---|\n", "\n|a|b|\n|-|-|\n", "\n- ```\n", "\n  "),
    *("\n```html\n", "\n    <b>", "`` ` ``", "\n- \n", "GH-1 org/repo#12 ", "x", "word", "title"),
]
FORMS: dict[str, tuple[Callable[[str], str], Callable[[str], str]]] = {
    "clean_markdown": (lambda text: clean_markdown(text, REPO), lambda out: out),
    "table_cell": (
        lambda text: table_cell(text, repository_url=REPO),
        lambda out: f"| h | i |\n|---|---|\n| {out} | end |",
    ),
    "plain_text": (lambda text: plain_text(text, repository_url=REPO), lambda out: f"**{out}**"),
}


def _samples(seed: int, count: int) -> list[str]:
    generator = random.Random(seed)
    return [
        "".join(generator.choice(FRAGMENTS) for _ in range(generator.randint(1, 30)))
        for _ in range(count)
    ]


@pytest.mark.parametrize("form", FORMS)
def test_random_text_renders_safely_and_settles(form: str) -> None:
    clean, place = FORMS[form]
    for text in _samples(2026, 500):
        once = clean(text)
        assert unsafe_problems(place(once), REPO) == [], (text, once)
        if form == "table_cell":
            assert render(place(once)).tags.count("td") == 2, (text, once)
        twice = clean(once)
        assert clean(twice) == twice, (text, once, twice)


def test_most_random_text_is_a_fixed_point_at_once() -> None:
    # Emphasis next to a code span that hides a mention can stop pairing; all else is stable.
    samples = _samples(7, 500)
    stable = sum(
        clean_markdown(clean_markdown(t, REPO), REPO) == clean_markdown(t, REPO) for t in samples
    )
    assert stable >= 0.95 * len(samples)


def test_random_code_spans_show_their_text() -> None:
    generator = random.Random(11)
    alphabet = "`` |\\*_<>@a \n\t"
    for _ in range(500):
        text = "".join(generator.choice(alphabet) for _ in range(generator.randint(1, 12)))
        span = code_span(text)
        expected = text.replace("\n", "\u240a")
        table = render(f"| a | b |\n|---|---|\n| {span} | end |")
        assert table.cells[2:] == [expected, "end"], (text, span)
        paragraph = render(f"x {span} y")
        assert "".join(paragraph.text).strip() == f"x {expected} y", (text, span)
        assert unsafe_problems(span) == []
