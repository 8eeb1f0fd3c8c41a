"""Step summary: the HTML of each element, escaping, writing and the 1 MiB cap."""

from __future__ import annotations

from pathlib import Path

import pytest

from ci_agent.errors import CiAgentError, RepositoryError
from ci_agent.runner.summary import STEP_SUMMARY_LIMIT_BYTES, StepSummary, fit_summary

NOTE_PREFIX = "\n\nsummary truncated: "


@pytest.fixture
def summary_file(tmp_path: Path) -> Path:
    path = tmp_path / "step_summary"
    path.write_text("", encoding="utf-8")
    return path


@pytest.fixture
def environ(summary_file: Path) -> dict[str, str]:
    return {"GITHUB_STEP_SUMMARY": str(summary_file)}


def test_new_summary_is_empty() -> None:
    summary = StepSummary()
    assert summary.is_empty()
    assert summary.stringify() == ""


def test_add_raw_and_eol() -> None:
    summary = StepSummary().add_raw("# Title").add_eol().add_raw("text", add_eol=True)
    assert summary.stringify() == "# Title\ntext\n"
    assert not summary.is_empty()


def test_clear_empties_the_buffer() -> None:
    summary = StepSummary().add_raw("x")
    assert summary.clear() is summary
    assert summary.is_empty()


@pytest.mark.parametrize(
    ("level", "tag"), [(1, "h1"), (2, "h2"), ("3", "h3"), (6, "h6"), (7, "h1"), (0, "h1")]
)
def test_heading(level: int | str, tag: str) -> None:
    html = StepSummary().add_heading("Results", level).stringify()
    assert html == f"<{tag}>Results</{tag}>\n"


def test_heading_defaults_to_h1() -> None:
    assert StepSummary().add_heading("R").stringify() == "<h1>R</h1>\n"


def test_code_block() -> None:
    assert StepSummary().add_code_block("a < b", "python").stringify() == (
        '<pre lang="python"><code>a &lt; b</code></pre>\n'
    )
    assert StepSummary().add_code_block("x").stringify() == "<pre><code>x</code></pre>\n"


def test_lists() -> None:
    assert StepSummary().add_list(["a", "<b>"]).stringify() == (
        "<ul><li>a</li><li>&lt;b&gt;</li></ul>\n"
    )
    assert StepSummary().add_list(["a"], ordered=True).stringify() == "<ol><li>a</li></ol>\n"


def test_table() -> None:
    html = (
        StepSummary()
        .add_table(
            [
                [{"data": "File", "header": True}, {"data": "Result", "header": True}],
                ["foo.js", "Pass ✅"],
                [{"data": "a & b", "colspan": "2"}],
                [{"data": "tall", "rowspan": 2, "header": False}, "x"],
            ]
        )
        .stringify()
    )
    assert html == (
        "<table>"
        "<tr><th>File</th><th>Result</th></tr>"
        "<tr><td>foo.js</td><td>Pass ✅</td></tr>"
        '<tr><td colspan="2">a &amp; b</td></tr>'
        '<tr><td rowspan="2">tall</td><td>x</td></tr>'
        "</table>\n"
    )


def test_details() -> None:
    assert StepSummary().add_details("More <info>", "a & b").stringify() == (
        "<details><summary>More &lt;info&gt;</summary>a &amp; b</details>\n"
    )
    inner = StepSummary().add_list(["x"]).stringify()
    assert StepSummary().add_details("L", inner, raw_content=True).stringify() == (
        "<details><summary>L</summary><ul><li>x</li></ul>\n</details>\n"
    )


def test_image() -> None:
    assert StepSummary().add_image("a.png", 'say "hi"', width=32).stringify() == (
        '<img src="a.png" alt="say &quot;hi&quot;" width="32">\n'
    )


def test_quote() -> None:
    assert StepSummary().add_quote("q").stringify() == "<blockquote>q</blockquote>\n"
    assert StepSummary().add_quote("q", "https://x.test/").stringify() == (
        '<blockquote cite="https://x.test/">q</blockquote>\n'
    )


def test_link() -> None:
    assert StepSummary().add_link("run <1>", 'https://x.test/?a=1&b="2"').stringify() == (
        '<a href="https://x.test/?a=1&amp;b=&quot;2&quot;">run &lt;1&gt;</a>\n'
    )


def test_separator_and_break() -> None:
    assert StepSummary().add_separator().add_break().stringify() == "<hr>\n<br>\n"


def test_untrusted_text_cannot_inject_markup() -> None:
    evil = '</td><script>alert("x")</script>'
    html = StepSummary().add_heading(evil).add_table([[evil]]).add_quote(evil).stringify()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_write_appends_and_empties_buffer(summary_file: Path, environ: dict[str, str]) -> None:
    summary_file.write_text("before\n", encoding="utf-8")
    summary = StepSummary().add_heading("H")
    assert summary.write(environ) == 0
    assert summary.is_empty()
    assert summary_file.read_text(encoding="utf-8") == "before\n<h1>H</h1>\n"


def test_write_overwrite(summary_file: Path, environ: dict[str, str]) -> None:
    summary_file.write_text("before\n", encoding="utf-8")
    StepSummary().add_raw("after").write(environ, overwrite=True)
    assert summary_file.read_text(encoding="utf-8") == "after"


def test_clear_then_overwrite_wipes_the_file(summary_file: Path, environ: dict[str, str]) -> None:
    summary_file.write_text("before\n", encoding="utf-8")
    StepSummary().add_raw("x").clear().write(environ, overwrite=True)
    assert summary_file.read_text(encoding="utf-8") == ""


def test_write_without_variable_is_ca108() -> None:
    with pytest.raises(CiAgentError) as caught:
        StepSummary().add_raw("x").write({})
    assert caught.value.code == "CA108"
    assert "GITHUB_STEP_SUMMARY" in caught.value.message


def test_write_to_missing_file_is_ca205(tmp_path: Path) -> None:
    environ = {"GITHUB_STEP_SUMMARY": str(tmp_path / "missing")}
    summary = StepSummary().add_raw("x")
    with pytest.raises(RepositoryError) as caught:
        summary.write(environ)
    assert caught.value.code == "CA205"
    assert summary.stringify() == "x"


def test_limit_constant() -> None:
    assert STEP_SUMMARY_LIMIT_BYTES == 1_048_576


def _omitted(text: str) -> int:
    note = text[text.rindex(NOTE_PREFIX) :]
    return int(note.removeprefix(NOTE_PREFIX).split()[0])


def test_write_exactly_at_the_limit_is_not_truncated(
    summary_file: Path, environ: dict[str, str]
) -> None:
    content = "a" * STEP_SUMMARY_LIMIT_BYTES
    assert StepSummary().add_raw(content).write(environ) == 0
    assert summary_file.stat().st_size == STEP_SUMMARY_LIMIT_BYTES


def test_write_over_the_limit_truncates_with_a_note(
    summary_file: Path, environ: dict[str, str]
) -> None:
    content = "a" * (STEP_SUMMARY_LIMIT_BYTES + 100)
    omitted = StepSummary().add_raw(content).write(environ)
    written = summary_file.read_bytes()
    assert len(written) <= STEP_SUMMARY_LIMIT_BYTES
    text = written.decode("utf-8")
    assert text.endswith(f"summary truncated: {omitted} bytes omitted\n")
    assert _omitted(text) == omitted
    kept = text[: text.rindex(NOTE_PREFIX)]
    assert len(kept.encode("utf-8")) + omitted == len(content)


def test_truncation_counts_what_is_already_in_the_file(
    summary_file: Path, environ: dict[str, str]
) -> None:
    existing = "e" * (STEP_SUMMARY_LIMIT_BYTES - 1000)
    summary_file.write_text(existing, encoding="utf-8")
    omitted = StepSummary().add_raw("n" * 5000).write(environ)
    size = summary_file.stat().st_size
    assert size <= STEP_SUMMARY_LIMIT_BYTES
    text = summary_file.read_text(encoding="utf-8")
    assert text.startswith(existing)
    new_part = text[len(existing) : text.rindex(NOTE_PREFIX)]
    assert set(new_part) == {"n"}
    assert len(new_part) + omitted == 5000
    assert _omitted(text) == omitted


def test_overwrite_ignores_what_is_in_the_file(summary_file: Path, environ: dict[str, str]) -> None:
    summary_file.write_text("e" * STEP_SUMMARY_LIMIT_BYTES, encoding="utf-8")
    assert StepSummary().add_raw("fits").write(environ, overwrite=True) == 0
    assert summary_file.read_text(encoding="utf-8") == "fits"


def test_full_file_gets_nothing_more(summary_file: Path, environ: dict[str, str]) -> None:
    summary_file.write_text("e" * STEP_SUMMARY_LIMIT_BYTES, encoding="utf-8")
    assert StepSummary().add_raw("more").write(environ) == 4
    assert summary_file.stat().st_size == STEP_SUMMARY_LIMIT_BYTES


@pytest.mark.parametrize("char", ["é", "✓", "😀"])
def test_truncation_never_splits_a_character(char: str) -> None:
    width = len(char.encode("utf-8"))
    text = char * 100
    note_len = len(f"{NOTE_PREFIX}{len(text) * width} bytes omitted\n".encode())
    # Every cut offset inside one character, so some cut lands mid-character.
    for shift in range(width):
        room = note_len + 50 + shift
        fitted, omitted = fit_summary(text, room)
        raw = fitted.encode("utf-8")
        assert len(raw) <= room
        kept = fitted[: fitted.rindex(NOTE_PREFIX)]
        assert set(kept) == {char}
        assert len(kept.encode("utf-8")) % width == 0
        assert len(kept.encode("utf-8")) + omitted == len(text.encode("utf-8"))


def test_multibyte_character_at_the_boundary_of_the_file(
    summary_file: Path, environ: dict[str, str]
) -> None:
    omitted = StepSummary().add_raw("€" * 400_000).write(environ)
    raw = summary_file.read_bytes()
    assert len(raw) <= STEP_SUMMARY_LIMIT_BYTES
    text = raw.decode("utf-8")  # would raise on a split character
    kept = text[: text.rindex(NOTE_PREFIX)]
    assert set(kept) == {"€"}
    assert len(kept) * 3 + omitted == 1_200_000


def test_fit_summary_when_even_the_note_does_not_fit() -> None:
    assert fit_summary("x" * 100, 10) == ("", 100)


def test_fit_summary_within_room_is_unchanged() -> None:
    assert fit_summary("ok", 2) == ("ok", 0)
