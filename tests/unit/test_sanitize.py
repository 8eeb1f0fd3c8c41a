"""Model text is cleaned before posting."""

from __future__ import annotations

from ci_agent.sanitize import clean_markdown

REPO = "https://github.com/acme/widgets"


def test_mentions_are_defused() -> None:
    assert clean_markdown("ping @alice and @acme/security") == "ping `@alice` and `@acme/security`"
    assert clean_markdown("mail bob@example.com") == "mail bob@example.com"


def test_images_are_removed() -> None:
    assert (
        clean_markdown("see ![pixel](https://evil.example/p.png)") == "see [image removed: pixel]"
    )
    assert clean_markdown("![](x.png)") == "[image removed]"
    assert "img" not in clean_markdown('<img src="https://evil.example/p.png">').replace(
        "&lt;img", ""
    )


def test_outside_links_are_removed_inside_links_kept() -> None:
    text = f"[docs]({REPO}/blob/main/README.md) and [login](https://evil.example/login)"
    assert clean_markdown(text, REPO) == (
        f"[docs]({REPO}/blob/main/README.md) and login (link removed)"
    )
    assert clean_markdown("[file](src/app.py#L3)", REPO) == "[file](src/app.py#L3)"
    assert clean_markdown("[x](https://github.com/acme/widgets-evil)", REPO) == "x (link removed)"
    assert clean_markdown("[x](javascript:alert(1))", REPO).startswith("x (link removed)")


def test_bare_urls_outside_are_not_clickable() -> None:
    assert clean_markdown("go to https://evil.example/a now", REPO) == (
        "go to `https://evil.example/a` now"
    )
    assert clean_markdown(f"see {REPO}/pull/1", REPO) == f"see {REPO}/pull/1"


def test_raw_html_and_marker_spoofing_are_escaped() -> None:
    cleaned = clean_markdown("<!-- ci-agent:summary:pr-1 --><details>x</details>")
    assert "<" not in cleaned
    assert "&lt;!-- ci-agent:summary:pr-1 --&gt;" in cleaned


def test_reference_style_link_definitions_are_dropped() -> None:
    assert "evil" not in clean_markdown("[a][1]\n\n[1]: https://evil.example\n")


def test_code_is_left_verbatim() -> None:
    text = "Use `@decorator` and:\n```python\nx = '<b>' # @user https://evil.example\n```\nok"
    assert clean_markdown(text) == text
    suggestion = "```suggestion\nreturn a < b\n```"
    assert clean_markdown(suggestion) == suggestion
