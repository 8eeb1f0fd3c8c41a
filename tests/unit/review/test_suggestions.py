"""Suggestions that say exactly what they change: planted bad ones never pass."""

from __future__ import annotations

from typing import Any

import pytest

from ci_agent.review.findings import Finding
from ci_agent.review.suggestions import check_suggestion

SOURCE = """\
import os
from pathlib import Path


def test_cli(runner, tmp_path):
    result = runner.invoke(cli, ["--name", "x"])
    assert result.exit_code == 0


def load(path, strict):
    text = Path(path).read_text()

    return text.strip()


def view(request, item_id):
    if not request.user.is_authenticated:
        raise PermissionError("login required")
    item = fetch(item_id)
    total = item.price * item.count
    return total
"""
LINES = SOURCE.splitlines()


def line_of(text: str) -> int:
    return next(i for i, row in enumerate(LINES, 1) if text in row)


def finding(start: int, end: int, suggestion: str, **overrides: Any) -> Finding:
    values: dict[str, Any] = {
        "path": "mod.py",
        "start_line": start,
        "end_line": end,
        "severity": "medium",
        "category": "maintainability",
        "title": "Name the magic value",
        "body": "Use a constant.",
        "suggestion": suggestion,
    }
    values.update(overrides)
    return Finding(**values)


def kind(f: Finding) -> str:
    verdict = check_suggestion(f, SOURCE)
    return "ok" if verdict.ok else verdict.kind


def test_a_faithful_edit_passes() -> None:
    n = line_of("result = runner.invoke")
    good = finding(n, n, '    result = runner.invoke(cli, ["--name", NAME])')
    assert kind(good) == "ok"


def test_folding_a_temporary_passes() -> None:
    n = line_of("total = item.price")
    merged = finding(n, n + 1, "    return item.price * item.count", title="Needless temporary")
    assert kind(merged) == "ok"


def test_a_named_unused_import_may_be_removed() -> None:
    removal = finding(1, 2, "from pathlib import Path", title="`os` is imported but unused")
    assert kind(removal) == "ok"


# The model answers one line too many or too few: every such answer is refused.
PLANTED = [
    # One line too few: the range is two lines, the answer replaces only the first.
    ("off by one: too few, deletes an import", 1, 2, "import sys", "deletes-code"),
    (
        "off by one: too few, deletes the invoke line",
        line_of("def test_cli"),
        line_of("result = runner.invoke"),
        "def test_cli(runner, tmp_path, monkeypatch):",
        "deletes-code",
    ),
    # One line too many: the answer repeats the line after its range.
    (
        "off by one: too many, repeats the next line",
        line_of("result = runner.invoke"),
        line_of("result = runner.invoke"),
        '    result = runner.invoke(cli, ["--name", NAME])\n    assert result.exit_code == 0',
        "off-by-one",
    ),
    # The answer is shifted down a line: it repeats the line before its range.
    (
        "off by one: shifted, repeats the previous line",
        line_of("assert result.exit_code"),
        line_of("assert result.exit_code"),
        '    result = runner.invoke(cli, ["--name", "x"])\n    assert result.exit_code == 2',
        "off-by-one",
    ),
    (
        "deletes a parameter's line",
        line_of("def load"),
        line_of("text = Path"),
        "def load(path):",
        "deletes-code",
    ),
    (
        "strips a blank line",
        line_of("text = Path"),
        line_of("text = Path") + 1,
        "    text = Path(path).read_text(encoding='utf-8')",
        "blank-line",
    ),
    (
        "a performance edit that drops the auth check",
        line_of("if not request.user"),
        line_of("item = fetch"),
        "    item = fetch(item_id)",
        "security",
    ),
    (
        "breaks the syntax",
        line_of("return text.strip()"),
        line_of("return text.strip()"),
        "    return text.strip(",
        "syntax",
    ),
]


@pytest.mark.parametrize(
    ("start", "end", "suggestion", "expected"),
    [p[1:] for p in PLANTED],
    ids=[p[0] for p in PLANTED],
)
def test_planted_bad_suggestions_are_refused(
    start: int, end: int, suggestion: str, expected: str
) -> None:
    assert kind(finding(start, end, suggestion)) == expected


def test_the_security_rule_holds_even_when_the_finding_asks() -> None:
    n = line_of("if not request.user")
    asked = finding(
        n, n + 1, "", title="Remove the redundant is_authenticated check", category="performance"
    )
    assert kind(asked) == "security"


def test_a_planted_corpus_reaches_nothing_inline() -> None:
    """Every one-line-too-many or one-line-too-few answer over the whole file is refused."""
    planted: list[tuple[str, Finding]] = []
    for n, row in enumerate(LINES, 1):
        if not row.strip() or n == len(LINES):
            continue
        edited = row + "  # edited"
        if LINES[n].strip():  # too few: the range is n..n+1, the answer one line
            planted.append(("too few", finding(n, n + 1, edited)))
        # Too many: the range is n, the answer n and the next line (a final newline ends it).
        planted.append(("too many", finding(n, n, edited + "\n" + LINES[n] + "\n")))
    assert len(planted) == 22
    passed = [(how, f.start_line) for how, f in planted if kind(f) == "ok"]
    assert passed == []


def test_windows_line_endings_and_unavailable_content() -> None:
    crlf = SOURCE.replace("\n", "\r\n")
    n = line_of("return text.strip()")
    assert check_suggestion(finding(n, n, "    return text.rstrip()"), crlf).ok
    assert check_suggestion(finding(n, n, "x"), None).kind == "unavailable"
