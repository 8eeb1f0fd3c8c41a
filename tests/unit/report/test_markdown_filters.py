"""The md_* template filters, as a repository's own template uses them."""

from __future__ import annotations

from pathlib import Path

from ci_agent.render import TemplateRenderer
from tests.unit.report.rendered import render, unsafe_problems

TEMPLATE = """| file | summary |
|---|---|
{% for f in files %}
| {{ f.path | md_code }} | {{ f.summary | md_cell(60) }} |
{% endfor %}

**{{ title | md_text(40) }}**

{{ body | md_clean(repository_url="https://github.com/acme/widgets") }}
"""


def test_filters_make_template_output_safe(tmp_path: Path) -> None:
    (tmp_path / "comments").mkdir()
    (tmp_path / "comments" / "custom.md.j2").write_text(TEMPLATE)
    files = [
        {"path": "a`b|c.py", "summary": "Adds | a `runner` for @org/team <img src=x>"},
        {"path": "evil\u202eyp.exe", "summary": "```\n" + "x | y\n" * 30 + "```"},
    ]
    out = TemplateRenderer([tmp_path]).render(
        "comments/custom.md.j2",
        files=files,
        title="Fix `parse()` for @alice " + "x" * 40,
        body="See [docs](https://github.com/acme/widgets/blob/main/a.md) and ![p](https://e/p.png)",
    )
    assert unsafe_problems(out, "https://github.com/acme/widgets") == []
    page = render(out)
    assert page.cells[2:4] == ["a`b|c.py", "Adds | a runner for @org/team <img src=x>"]
    assert page.cells[4] == "evil<U+202E>yp.exe"  # the override is shown, not obeyed
    assert page.cells[5].startswith("x | y\u240ax | y") and page.cells[5].endswith("characters)")
    assert len(page.cells) == 6
    assert page.hrefs == ["https://github.com/acme/widgets/blob/main/a.md"]
    # Cut inside the code span: the lone backtick left is shown as text, it opens nothing.
    assert "Fix `parse( … (cut: 54 more characters)" in page.free_text
