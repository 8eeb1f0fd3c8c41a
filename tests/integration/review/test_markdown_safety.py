"""The review summary a user sees: hostile file names and model text render as intended rows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fakes.openai_server import FakeOpenAI
from tests.support import git
from tests.unit.report.rendered import render, unsafe_problems

HOSTILE_NAME = "we`ird | na``me.py"
FILES_HEADER = "| file | change | +/\u2212 | summary |"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    (path / "README.md").write_text("demo\n")
    git(path, "add", ".")
    git(path, "commit", "-qm", "base")
    (path / HOSTILE_NAME).write_text(
        "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n"
    )
    git(path, "add", "-A")
    git(path, "commit", "-qm", "Add runner")
    monkeypatch.chdir(path)
    return path


def _without_footer(markdown: str) -> str:
    """The summary without the footer, the one place the template writes HTML (<sub>) itself."""
    body, footer = markdown.rsplit("\n---\n", 1)
    assert footer.startswith("<sub>Coverage")
    return body


def _rows(markdown: str, header: str) -> list[str]:
    """The lines of the table under ``header``."""
    section = markdown.split(header, 1)[1].split("\n\n", 1)[0]
    return [line for line in section.strip().splitlines()[1:] if line.startswith("|")]


def test_static_summary_keeps_a_hostile_file_name_in_one_cell(repo: Path, run_cli: object) -> None:
    result = run_cli("review", "--base", "HEAD~1", "--output", "markdown", "--fail-level", "none")  # type: ignore[operator]
    assert result.code == 0, result.err
    markdown = result.out
    assert unsafe_problems(_without_footer(markdown)) == []
    (row,) = _rows(markdown, FILES_HEADER)
    page = render("| a | b | c | d |\n|---|---|---|---|\n" + row)
    assert page.cells[4:6] == [HOSTILE_NAME, "added"]
    (finding,) = _rows(markdown, "| severity | location | finding |")
    page = render("| a | b | c |\n|---|---|---|\n" + finding)
    assert page.cells[3:5] == ["high", f"{HOSTILE_NAME}:5"]


def test_model_text_in_the_summary_table_renders_safely(
    repo: Path, run_cli: object, monkeypatch: pytest.MonkeyPatch, fake_openai: FakeOpenAI
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key-123456")
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.base_url)
    monkeypatch.setenv("CI_AGENT_MODEL", "gpt-4.1-mini")
    body = (
        "Pass a list | not a string, ping @alice.\n\n"
        "```html\n<img src=https://evil.example/p.png> | @bob\n```\n\n"
        + "More detail. " * 40
        + "![x](https://evil.example/p.png) www.evil.example"
    )
    fake_openai.enqueue(
        json.dumps(
            {
                "findings": [
                    {
                        "path": HOSTILE_NAME,
                        "start_line": 5,
                        "end_line": 5,
                        "severity": "critical",
                        "category": "security",
                        "title": "x " * 85 + "`shell=True` lets @maintainers | run `<img src=x>`",
                        "body": body,
                        "suggestion": None,
                        "confidence": 0.9,
                    }
                ],
                "files": [{"path": HOSTILE_NAME, "summary": "Adds | a `runner` for @org/team"}],
                "risk": "high",
            }
        )
    )
    result = run_cli("review", "--base", "HEAD~1", "--output", "markdown", "--fail-level", "none")  # type: ignore[operator]
    assert result.code == 0, result.err
    markdown = result.out
    assert unsafe_problems(_without_footer(markdown)) == []
    (row,) = _rows(markdown, FILES_HEADER)
    page = render("| a | b | c | d |\n|---|---|---|---|\n" + row)
    assert page.cells[4] == HOSTILE_NAME
    assert page.cells[7] == "Adds | a runner for @org/team"
    findings = _rows(markdown, "| severity | location | finding |")
    llm = [f for f in findings if "critical" in f]
    (finding,) = llm
    page = render("| a | b | c |\n|---|---|---|\n" + finding)
    assert len(page.cells) == 6  # one row of three cells
    shown = page.cells[5]
    assert "<img src=https://evil.example/p.png> | @bob" in shown  # the fenced body, as code
    assert shown.endswith("more characters)")
