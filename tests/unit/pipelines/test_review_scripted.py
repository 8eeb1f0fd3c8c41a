"""The review pipeline with the LLM engine on a scripted provider and the in-memory forge:
the model's findings become one review with suggestions, the sticky summary and one check run;
a re-run on the same head posts nothing new; an anchor GitHub refuses moves to the summary."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ci_agent.forge.types import CommentKind
from ci_agent.llm.scripted import ScriptedProvider
from ci_agent.review import pipeline
from ci_agent.review.publish import CHECK_NAME

from .conftest import Project, use_provider

SHELL = {
    "path": "app/runner.py",
    "start_line": 6,
    "end_line": 6,
    "severity": "critical",
    "category": "security",
    "title": "Shell injection through cmd @maintainers",
    "body": "Split the command instead of handing it to a shell.",
    "suggestion": "    return subprocess.call(cmd.split())",
    "confidence": 0.95,
}
HALF = {
    "path": "app/util.py",
    "start_line": 9,
    "end_line": 9,
    "severity": "medium",
    "category": "bug",
    "title": "Floor division changes results",
    "body": "half(3) was 1.5 and is now 1.",
    "suggestion": "    return x / 2",
    "confidence": 0.8,
}
UNCHANGED_LINE = {
    "path": "app/util.py",
    "start_line": 5,
    "end_line": 5,
    "severity": "low",
    "category": "style",
    "title": "Prefer an f-string",
    "body": "The greeting predates this pull request.",
    "suggestion": None,
    "confidence": 0.6,
}
SUMMARIES = [
    {"path": "app/runner.py", "summary": "Adds a shell command runner"},
    {"path": "app/util.py", "summary": "Changes half and adds parse"},
]


def answer(findings: list[dict[str, Any]], risk: str = "critical") -> str:
    """A review answer as the model sends it."""
    return json.dumps({"findings": findings, "files": SUMMARIES, "risk": risk})


def test_model_findings_become_one_review_with_suggestions(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    provider = ScriptedProvider([answer([SHELL, HALF, UNCHANGED_LINE])])
    use_provider(monkeypatch, provider)
    done = project.review()
    forge, pull = project.forge, project.pull

    assert provider.remaining == 0 and len(provider.requests) == 1
    (posted,) = forge.writes("create_review")
    assert posted.args["event"] == "COMMENT"
    comments = {(c.path, c.line): c.body for c in forge.comments(pull.number, CommentKind.REVIEW)}
    assert set(comments) == {
        ("app/runner.py", 1),
        ("app/runner.py", 6),
        ("app/util.py", 9),
        ("app/util.py", 13),
    }
    shell = comments[("app/runner.py", 6)]
    assert "**critical**" in shell
    assert "```suggestion\n    return subprocess.call(cmd.split())\n```" in shell
    assert "`@maintainers`" in shell  # mentions are defused before posting
    assert "```suggestion\n    return x / 2\n```" in comments[("app/util.py", 9)]
    assert all("f-string" not in body for body in comments.values())

    (summary,) = forge.comments(pull.number, CommentKind.ISSUE)
    assert "Adds a shell command runner" in summary.body
    assert "scripted model scripted-model" in summary.body
    (check,) = forge.check_runs(pull.head_sha, CHECK_NAME)
    assert (check.status, check.conclusion) == ("completed", "failure")
    assert done.result["engines"] == ["static:ruff", "llm:scripted-model"]
    assert done.result["risk"] == "critical"


def test_a_re_run_with_the_same_answer_posts_nothing_new(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The model's shell finding takes the place of ruff's S602 on the same line; the
    # comment carries the model finding's fingerprint, and a re-run must recognise it.
    use_provider(monkeypatch, ScriptedProvider(default=answer([SHELL, HALF])))
    project.review()
    forge = project.forge
    inline = len(list(forge.comments(project.pull.number, CommentKind.REVIEW)))

    second = project.review()

    assert len(forge.writes("create_review")) == 1
    assert len(forge.writes("create_comment")) == 1
    assert len(list(forge.comments(project.pull.number, CommentKind.REVIEW))) == inline == 4
    assert second.result["published"]["review_id"] is None
    assert second.result["already_reported"] == 4


def test_an_anchor_github_refuses_moves_to_the_summary(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    # In file mode the unchanged line is in scope; make ci-agent's own anchor check accept
    # it, so the forge refuses it the way GitHub does and the publisher must cope.
    project.config("review:\n  filter-mode: file\n")
    monkeypatch.setattr(pipeline, "anchorable", lambda finding, diffs: True)
    use_provider(monkeypatch, ScriptedProvider([answer([SHELL, UNCHANGED_LINE], risk="high")]))

    done = project.review()

    forge, pull = project.forge, project.pull
    (posted,) = forge.writes("create_review")
    assert [(c.path, c.line) for c in posted.args["rejected"]] == [
        ("app/util.py", 1),
        ("app/util.py", 5),
    ]
    inline = sorted((c.path, c.line) for c in forge.comments(pull.number, CommentKind.REVIEW))
    assert inline == [("app/runner.py", 1), ("app/runner.py", 6), ("app/util.py", 13)]
    assert done.result["published"]["rejected_moved_to_summary"] == 2
    (summary,) = forge.comments(pull.number, CommentKind.ISSUE)
    assert "### Findings not posted inline" in summary.body
    assert "`app/util.py:5`" in summary.body
