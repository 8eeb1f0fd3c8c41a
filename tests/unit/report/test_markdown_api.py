"""What the cleaned text keeps: structure, code, repository links; and how cuts end."""

from __future__ import annotations

import re

import cmarkgfm
import pytest

from ci_agent.report.markdown import (
    TOO_DEEP,
    clean_markdown,
    cut_marker,
    plain_text,
    table_cell,
)
from ci_agent.report.markdown_cut import fit
from ci_agent.report.markdown_links import LinkPolicy
from tests.unit.report.rendered import render, unsafe_problems

REPO = "https://github.com/acme/widgets"

REVIEW_ANSWER = f"""## Summary

The loop in `parse()` reads **past the end** when *n* is zero.

1. Check `n` first.
2. Then iterate:
   - keep the `for` loop
   - drop the ~~while~~ loop

> Note: see [the docs]({REPO}/blob/main/README.md) and [this line](src/app.py#L3).

```python
def parse(items: list[str]) -> str:
    return items[0] if items else "<empty>"
```

| case | before | after |
|:---|:---:|---:|
| empty | crash | `""` |
| one | ok | ok |

---

Plain text with a_b and 3 < 4 & 5 > 2."""


def _html(markdown: str) -> str:
    return cmarkgfm.github_flavored_markdown_to_html(markdown)


def test_benign_markdown_renders_exactly_as_before() -> None:
    cleaned = clean_markdown(REVIEW_ANSWER, REPO)
    assert _html(cleaned) == _html(REVIEW_ANSWER)
    assert clean_markdown(cleaned, REPO) == cleaned


@pytest.mark.parametrize(
    "text",
    ["- a\n- b\n\n+ c", "1. a\n1. b\n\n3) c\n4) d", "- a\n\n  b\n- c", "- a\n  - b\n- c"],
)
def test_lists_keep_their_shape(text: str) -> None:
    assert _html(clean_markdown(text)) == _html(text)


def test_code_is_shown_verbatim_and_fences_cannot_be_closed_from_inside() -> None:
    text = "Use `@decorator` and:\n\n```python\nx = '<b>' # @user https://evil.example\n```"
    assert clean_markdown(text) == text
    body = "````\n```\n<img src=x>\n````"
    cleaned = clean_markdown(body)
    assert render(cleaned).code_text == ["```\n<img src=x>\n"]


def test_suggestion_and_rendering_fences_lose_their_language() -> None:
    # A ```suggestion in model prose would be committable without the suggestion checks.
    for language in ("suggestion", "mermaid", "geojson", "math"):
        assert clean_markdown(f"```{language}\nx\n```") == "```\nx\n```"
    assert clean_markdown("```py title='x'\nx\n```") == "```py\nx\n```"


def test_images_become_marked_text() -> None:
    assert clean_markdown("see ![pixel](https://evil.example/p.png)") == (
        "see \\[image removed: pixel\\]"
    )
    assert "".join(render(clean_markdown("![](x.png)")).text).strip() == "[image removed]"


def test_links_inside_the_repository_stay_others_lose_their_target() -> None:
    text = f"[docs]({REPO}/blob/main/README.md) and [login](https://evil.example/login)"
    assert clean_markdown(text, REPO) == (
        f"[docs](<{REPO}/blob/main/README.md>) and login (link removed)"
    )
    assert render(clean_markdown(text)).hrefs == []
    assert clean_markdown(f"see {REPO}/pull/1.", REPO) == f"see <{REPO}/pull/1>."
    assert clean_markdown(f"(see {REPO}/pull/1)", REPO) == f"(see <{REPO}/pull/1>)"
    assert clean_markdown(f"({REPO}/pull/1)", REPO) == f"(<{REPO}/pull/1>)"
    assert clean_markdown("go to https://evil.example/a now", REPO) == (
        "go to `https://evil.example/a` now"
    )


def test_link_policy() -> None:
    policy = LinkPolicy(REPO)
    assert policy.allows(f"{REPO}/pull/1") and policy.allows(REPO) and policy.allows(f"{REPO}#x")
    assert policy.allows("src/a.py") and policy.allows("#L3") and policy.allows("?page=2")
    assert policy.allows("/acme/widgets/issues/1")
    for href in (
        "https://github.com/acme/widgets-evil",
        f"{REPO}/../evil",
        f"{REPO}/%2E%2E/evil",
        "../evil",
        "/evil/repo",
        "//evil.example",
        "javascript:alert(1)",
        "src/a b",
        "\\\\evil",
        "",
    ):
        assert not policy.allows(href), href
    assert policy.allows("https://docs.astral.sh/ruff/rules/unused-import/")
    assert not policy.allows("https://docs.astral.sh/ruff/rules/../../evil")
    assert not LinkPolicy(also=()).allows("https://docs.astral.sh/ruff/rules/x/")
    assert not LinkPolicy().allows("/acme/widgets") and LinkPolicy().allows("a.py")
    assert policy.autolink(f"{REPO}/a") == f"<{REPO}/a>" and policy.autolink("a.py") is None


def test_raw_html_and_marker_spoofing_are_escaped() -> None:
    cleaned = clean_markdown("<!-- ci-agent:summary:pr-1 --><details>x</details>")
    assert "<" not in cleaned
    assert "&lt;!-- ci-agent:summary:pr-1 --&gt;" in cleaned


def _cut_count(text: str) -> int:
    found = re.search(r"… \(cut: ([\d,]+) more characters\)$", text)
    assert found, text
    return int(found.group(1).replace(",", ""))


def test_cut_happens_on_the_source_at_a_boundary_and_says_how_much() -> None:
    text = "intro\n\n```\n" + "<img src=x> @alice\n" * 500 + "```\n\nafter"
    cleaned = clean_markdown(text, limit=2000)
    assert len(cleaned) <= 2000
    kept = text[: len(text) - _cut_count(cleaned)]
    assert kept.endswith("@alice")  # a line boundary
    assert cleaned == clean_markdown(kept) + "\n\n" + cut_marker(len(text) - len(kept))
    assert cleaned.endswith("\n```\n\n" + cut_marker(len(text) - len(kept)))  # fence closed
    page = render(cleaned)
    assert page.free_text[-2:] == [cut_marker(len(text) - len(kept)), "\n"]
    assert unsafe_problems(cleaned) == []


def test_cut_results_fit_the_limit_even_when_escaping_grows_the_text() -> None:
    text = "a_b & <c> " * 100  # every word grows when escaped
    for limit in (0, 10, 45, 200, 999):
        for clean in (clean_markdown, plain_text, table_cell):
            out = clean(text, limit=limit)
            assert len(out) <= limit, (clean, limit, out)
            if len(out) >= len(cut_marker(1000)):
                kept = text[: len(text) - _cut_count(out)]
                assert out.removesuffix(cut_marker(len(text) - len(kept))).strip() == clean(kept)


def test_short_texts_are_not_cut() -> None:
    assert clean_markdown("short", limit=10) == "short"
    assert clean_markdown("a" * 30, limit=40) == "a" * 30
    assert clean_markdown("a" * 30, limit=29) == "… (cut: 30 more characters)"
    assert plain_text("word " * 10, 38) == "word word … (cut: 40 more characters)"
    assert table_cell("x" * 5, 0) == ""
    with pytest.raises(ValueError):
        clean_markdown("text", limit=-1)


def test_table_cell_is_one_line_with_code_blocks_as_spans() -> None:
    body = "Intro | pipe\n\n```\nif a | b:\n    `x`\n```\n\n- one\n- two\n\n3. three"
    cell = table_cell(body)
    assert "\n" not in cell
    page = render(f"| a | b |\n|---|---|\n| {cell} | end |")
    assert page.cells[2:] == ["Intro | pipe if a | b:\u240a    `x` • one • two 3. three", "end"]


def test_plain_text_shows_block_syntax_as_text() -> None:
    assert plain_text("# Fix *this*\n- now") == "\\# Fix *this* - now"
    assert "".join(render(plain_text("1. step")).text).strip() == "1. step"
    assert plain_text("  ") == ""


def test_blocks_nested_too_deep_are_reported_not_silently_dropped() -> None:
    assert clean_markdown("> " * 30 + "x").endswith("> x")
    assert clean_markdown("> " * 60 + "x") == TOO_DEEP
    assert clean_markdown("text\n\n" + "- " * 60 + "x").endswith("\n\n" + TOO_DEEP)
    assert table_cell("> " * 60 + "x") == TOO_DEEP


def test_emphasis_opening_on_a_space_stays_emphasis() -> None:
    cleaned = clean_markdown("*&#32;x*")
    assert cleaned == "*&#32;x*"  # "* x*" would be a list item
    assert render(cleaned).tags == ["p", "em"]


def test_fit_converges_whatever_the_cleaning_does() -> None:
    text = "word " * 100
    out = fit(lambda source: "=" * 60 + source.strip(), text, 100, " ")
    assert len(out) <= 100
    assert out.startswith("=" * 60 + "word") and out.endswith("more characters)")
    # Output that does not shrink with its source until the very end: still found.
    out = fit(lambda s: "=" * 75 if len(s.strip()) > 4 else s.strip(), text, 100, " ")
    assert out == "word " + cut_marker(len(text) - 4)
    assert fit(lambda source: "=" * 200, text, 30, " ") == cut_marker(len(text))[:30]
