"""A review degrades, never discards: a failed request costs only its own files."""

from __future__ import annotations

import socket
import time

from tests.fakes.openai_server import FakeOpenAI, Reply
from tests.integration.review_github.conftest import Harness, model_answer

TWICE = {
    "path": "app/util.py",
    "start_line": 13,
    "end_line": 13,
    "severity": "medium",
    "category": "bug",
    "title": "Floor division changes the result for floats",
    "body": "half(3.0) was 1.5 and is now 1.0.",
    "suggestion": None,
    "confidence": 0.9,
}
# Requests this small hold one changed file each (the prompt and schema take most of it).
ONE_FILE_PER_REQUEST = "llm:\n  request-input-cap: 1750\n  max-concurrency: 1\n"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_invalid_answer_among_valid_ones_costs_only_its_files(
    harness: Harness, fake_openai: FakeOpenAI
) -> None:
    harness.use_llm(fake_openai)
    harness.config(ONE_FILE_PER_REQUEST)
    fake_openai.when('path="app/runner.py"', "{}")
    fake_openai.script.default = Reply(content=model_answer([TWICE]))

    done = harness.review()

    shown = [r.prompt_text for r in fake_openai.chat_requests]
    assert not any("app/runner.py" in p and "app/util.py" in p for p in shown)
    files = {f["path"]: f for f in done.result["files"]}
    runner = files["app/runner.py"]
    assert (runner["reviewed"], runner["failed"]) == (False, True)
    assert "did not validate" in runner["reason"] and "CA404" in runner["reason"]
    assert files["app/util.py"]["reviewed"]
    assert done.result["partial"] == 1
    # The model's other finding and the static findings are all published.
    titles = {f["title"] for f in done.result["findings"]}
    assert TWICE["title"] in titles
    assert any(
        f["source"] == "static:ruff" and f["path"] == "app/runner.py"
        for f in done.result["findings"]
    )
    (summary,) = harness.repo.issue_comments.values()
    assert "not reviewed: llm:gpt-4.1-mini:" in summary.body
    (check,) = harness.repo.check_runs.values()
    assert check.status == "completed"
    assert check.conclusion == "failure"  # S602 is high: the partial review still fails it
    assert check.title is not None and "partial: 1 file(s) not reviewed" in check.title


def test_an_unreachable_endpoint_fails_fast_and_the_static_review_comes_out(
    harness: Harness,
) -> None:
    harness.environ.update(
        OPENAI_API_KEY="sk-unused-key-0123456789",
        OPENAI_BASE_URL=f"http://127.0.0.1:{closed_port()}/v1",
        CI_AGENT_MODEL="gpt-4.1-mini",
    )
    started = time.monotonic()
    done = harness.review()
    elapsed = time.monotonic() - started

    assert elapsed < 10  # connection refused is not retried for half a minute
    files = {f["path"]: f for f in done.result["files"]}
    for path in ("app/runner.py", "app/util.py"):
        assert files[path]["failed"]
        assert "connection refused" in files[path]["reason"]
    assert any(f["rule"] == "S602" for f in done.result["findings"])
    assert any("did not review 2 file(s)" in n for n in done.result["notes"])
    (summary,) = harness.repo.issue_comments.values()
    assert "connection refused" in summary.body


def test_an_answer_cut_at_the_output_limit_is_split_and_asked_again(
    harness: Harness, fake_openai: FakeOpenAI
) -> None:
    harness.use_llm(fake_openai)
    cut = Reply(content='{"findings": [{"path": "app/ut', finish_reason="length")
    fake_openai.enqueue(cut)
    fake_openai.script.default = Reply(content=model_answer([TWICE]))

    done = harness.review()

    requests = fake_openai.chat_requests
    assert len(requests) == 3  # both files, cut; then one request for each
    assert 'path="app/runner.py"' in requests[0].prompt_text
    assert 'path="app/util.py"' in requests[0].prompt_text
    later = sorted(r.prompt_text.count('<file path="') for r in requests[1:])
    assert later == [1, 1]
    assert done.result["partial"] == 0
    assert all(f["reviewed"] for f in done.result["files"] if f["path"].startswith("app/"))
    assert TWICE["title"] in {f["title"] for f in done.result["findings"]}


def test_planted_bad_suggestions_reach_no_inline_comment(
    harness: Harness, fake_openai: FakeOpenAI
) -> None:
    harness.use_llm(fake_openai)
    # util.py: 13 "return x // 2", 17 "total = x * x", 18 "return total", 21 "def parse(text):".
    too_few = {
        **TWICE,
        "start_line": 17,
        "end_line": 18,
        "title": "Use a clearer name",
        "suggestion": "    product = x * x",
    }
    too_many = {
        **TWICE,
        "start_line": 13,
        "end_line": 13,
        "title": "Keep true division",
        "suggestion": "    return x / 2\n\n",
    }
    deletes_def = {
        **TWICE,
        "start_line": 21,
        "end_line": 22,
        "title": "Avoid eval",
        "suggestion": "    return ast.literal_eval(text)",
    }
    fake_openai.script.default = Reply(content=model_answer([too_few, too_many, deletes_def]))

    done = harness.review()

    assert done.result["suggestions_dropped"] == 3
    assert sum(done.result["suggestions_dropped_by_reason"].values()) == 3
    bodies = [c.body for c in harness.repo.review_comments.values()]
    titles = ("Use a clearer name", "Keep true division", "Avoid eval")
    assert sum(1 for b in bodies if any(t in b for t in titles)) == 3  # posted, without them
    assert not any("```suggestion" in b for b in bodies)
    (summary,) = harness.repo.issue_comments.values()
    assert "3 suggestion(s) withheld" in summary.body
