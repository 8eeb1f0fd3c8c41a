"""Outcome (status and exit code rules, the JSON envelope, the renderings), Metrics and Redactor."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ci_agent import __version__
from ci_agent.errors import fail
from ci_agent.json_form import to_json
from ci_agent.metrics import Metrics
from ci_agent.outcome import SCHEMA_VERSION, Outcome, envelope, render
from ci_agent.redact import MASK, MIN_SECRET_LENGTH, Redactor

# --- status and exit code ---------------------------------------------------------------------


def test_an_empty_outcome_is_ok() -> None:
    outcome = Outcome("doctor")
    assert outcome.status == "ok"
    assert outcome.exit_code == 0
    assert outcome.result == {}
    assert outcome.errors == []
    assert outcome.dry_run is False


def test_findings_at_the_fail_level_exit_1() -> None:
    outcome = Outcome("review", findings_at_fail_level=3)
    assert outcome.status == "findings"
    assert outcome.exit_code == 1


def test_errors_win_over_findings() -> None:
    outcome = Outcome("review", findings_at_fail_level=3, errors=[fail("CA106")])
    assert outcome.status == "error"
    assert outcome.exit_code == 2


@pytest.mark.parametrize(
    ("codes", "exit_code"),
    [
        (["CA101"], 2),
        (["CA203"], 2),
        (["CA301"], 3),
        (["CA401"], 3),
        (["CA501"], 4),
        (["CA601"], 5),
        (["CA701"], 5),
        (["CA101", "CA301"], 3),
        (["CA501", "CA101", "CA301"], 4),
        (["CA101", "CA601", "CA501"], 5),
    ],
)
def test_the_highest_exit_code_of_the_errors_wins(codes: list[str], exit_code: int) -> None:
    outcome = Outcome("x", errors=[fail(c) for c in codes])
    assert outcome.exit_code == exit_code


# --- envelope ---------------------------------------------------------------------------------


def test_envelope_keys_and_values() -> None:
    outcome = Outcome("explain", result={"a": 1}, dry_run=True)
    data = envelope(outcome, Metrics())
    assert list(data) == [
        "schema_version",
        "tool",
        "command",
        "status",
        "exit_code",
        "dry_run",
        "result",
        "errors",
        "metrics",
    ]
    assert data["schema_version"] == SCHEMA_VERSION == 1
    assert data["tool"] == {"name": "ci-agent", "version": __version__}
    assert data["command"] == "explain"
    assert data["status"] == "ok"
    assert data["exit_code"] == 0
    assert data["dry_run"] is True
    assert data["result"] == {"a": 1}
    assert data["errors"] == []
    assert data["metrics"] == to_json(Metrics().snapshot())


def test_envelope_errors() -> None:
    error = fail("CA114", given="X")
    data = envelope(Outcome("explain", errors=[error]), Metrics())
    assert data["status"] == "error"
    assert data["exit_code"] == 2
    assert data["errors"] == [to_json(error.info)]


# --- render -----------------------------------------------------------------------------------


def test_render_text() -> None:
    outcome = Outcome("x", text="hello token-1234", markdown="# md")
    assert render(outcome, Metrics(), "text", Redactor(["token-1234"])) == "hello ***"


def test_render_json_is_the_redacted_envelope() -> None:
    outcome = Outcome("x", result={"value": "token-1234", "path": __import__("pathlib").Path("/p")})
    text = render(outcome, Metrics(), "json", Redactor(["token-1234"]))
    data = json.loads(text)
    assert data["result"] == {"value": "***", "path": "/p"}
    assert "\n  " in text  # indented for people


def test_render_markdown_prefers_the_command_markdown() -> None:
    outcome = Outcome("x", text="t", markdown="## custom token-1234")
    assert render(outcome, Metrics(), "markdown", Redactor(["token-1234"])) == "## custom ***"


def test_render_markdown_fallback() -> None:
    outcome = Outcome(
        "init",
        result={"written": ["a", "b"], "dry_run": False, "info": {"k": 1}, "n": 3},
        errors=[fail("CA205", path="/x", problem="denied")],
    )
    text = render(outcome, Metrics(), "markdown", Redactor())
    assert text.splitlines() == [
        "## ci-agent init",
        "",
        '- **written**: ["a", "b"]',
        "- **dry_run**: False",
        '- **info**: {"k": 1}',
        "- **n**: 3",
        "- **error CA205**: cannot write to /x: denied — Choose a writable location, or fix the"
        " permissions.",
    ]


def test_render_empty_text() -> None:
    assert render(Outcome("x"), Metrics(), "text", Redactor()) == ""


# --- metrics ----------------------------------------------------------------------------------


def fake_clock(*ticks: float) -> Callable[[], float]:
    values: Iterator[float] = iter(ticks)
    return lambda: next(values)


def test_metrics_start_empty() -> None:
    assert to_json(Metrics().snapshot()) == {
        "durations_s": {},
        "api_calls": {"total": 0, "by_endpoint": {}, "rate_limit_remaining": None},
        "llm": {"requests": 0, "tokens_in": 0, "tokens_out": 0, "cost_usd": 0.0},
    }


def test_timed_uses_the_clock_and_accumulates() -> None:
    metrics = Metrics(clock=fake_clock(10.0, 12.5, 20.0, 20.25, 30.0, 31.0))
    with metrics.timed("llm"):
        pass
    with metrics.timed("llm"):
        pass
    with metrics.timed("git"):
        pass
    assert to_json(metrics.snapshot())["durations_s"] == {"git": 1.0, "llm": 2.75}
    assert list(to_json(metrics.snapshot())["durations_s"]) == ["git", "llm"]


def test_timed_records_even_when_the_block_fails() -> None:
    metrics = Metrics(clock=fake_clock(1.0, 1.0004))
    with pytest.raises(ValueError, match="x"), metrics.timed("total"):
        raise ValueError("x")
    assert to_json(metrics.snapshot())["durations_s"] == {"total": 0.0}


def test_durations_are_rounded_to_milliseconds() -> None:
    metrics = Metrics(clock=fake_clock(0.0, 1.23456))
    with metrics.timed("a"):
        pass
    assert to_json(metrics.snapshot())["durations_s"] == {"a": 1.235}


def test_api_calls() -> None:
    metrics = Metrics()
    metrics.count_api_call("GET /repos")
    metrics.count_api_call("GET /repos", remaining=4999)
    metrics.count_api_call("POST /comments")
    metrics.count_api_call("GET /repos")
    assert to_json(metrics.snapshot())["api_calls"] == {
        "total": 4,
        "by_endpoint": {"GET /repos": 3, "POST /comments": 1},
        "rate_limit_remaining": 4999,
    }


def test_llm_usage() -> None:
    metrics = Metrics()
    metrics.count_llm(100, 20, 0.0012345678)
    metrics.count_llm(50, 5, 0.001)
    assert metrics.tokens == 175
    assert metrics.cost == pytest.approx(0.0022345678)
    assert to_json(metrics.snapshot())["llm"] == {
        "requests": 2,
        "tokens_in": 150,
        "tokens_out": 25,
        "cost_usd": 0.002235,
    }


def test_metrics_to_dict_is_json_serialisable() -> None:
    metrics = Metrics()
    metrics.count_api_call("x", remaining=1)
    metrics.count_llm(1, 1, 0.1)
    json.dumps(to_json(metrics.snapshot()))


# --- redaction --------------------------------------------------------------------------------


def test_redactor_masks_every_occurrence() -> None:
    redact = Redactor(["s3cret-value"])
    assert redact("a s3cret-value b s3cret-value") == f"a {MASK} b {MASK}"
    assert MASK == "***"


def test_redactor_masks_the_longest_secret_first() -> None:
    # If "abcd" went first, "abcdefgh" would leave "***efgh" behind.
    redact = Redactor(["abcd", "abcdefgh"])
    assert redact("x abcdefgh y abcd") == "x *** y ***"
    redact = Redactor(["abcdefgh", "abcd"])
    assert redact("x abcdefgh y abcd") == "x *** y ***"


def test_redactor_ignores_short_and_empty_values() -> None:
    assert MIN_SECRET_LENGTH == 4
    redact = Redactor(["", "a", "abc", "abcd"])
    assert redact("a abc abcd") == "a abc ***"


def test_redactor_without_secrets_is_identity() -> None:
    assert Redactor()("nothing to hide") == "nothing to hide"


def test_redactor_deduplicates() -> None:
    redact = Redactor(["token-1", "token-1"])
    assert redact("token-1") == "***"


def test_a_run_shares_one_retry_policy_bounded_by_the_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ci_agent.commands.common import Invocation, execute
    from ci_agent.config import CliOverrides

    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "ci-agent.yml").write_text("github:\n  max-retry-wait: 42\n")
    monkeypatch.chdir(tmp_path)
    seen: list[Invocation] = []

    def body(invocation: Invocation) -> Outcome:
        seen.append(invocation)
        return Outcome("probe")

    assert execute(CliOverrides(), "probe", body, environ={}) == 0
    (invocation,) = seen
    assert invocation.retry.config.max_total_wait == 42
