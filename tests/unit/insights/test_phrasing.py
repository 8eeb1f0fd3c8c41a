"""The model's opening paragraph is kept only when every number in it is one of the metrics'
(as written, as a percentage, seconds as minutes or hours); otherwise it is dropped and the
report says which numbers did not check. A failing model is a note, not a failed run."""

from __future__ import annotations

from typing import Any

from ci_agent.errors import fail
from ci_agent.insights.phrasing import allowed_numbers, facts_of, phrase_summary, unchecked_numbers
from ci_agent.llm.provider import ChatResponse, Usage
from ci_agent.llm.scripted import ScriptedProvider
from ci_agent.render import TemplateRenderer

METRICS: dict[str, Any] = {
    "window": {"days": 30},
    "runs": 240,
    "flake_rate": 0.0417,
    "flaky_runs": 10,
    "workflows": [
        {
            "name": "CI",
            "runs": 216,
            "success_rate": 0.9537,
            "p50": 185.0,
            "p95": 5400.0,
            "trend": -0.12,
            "queue_p95": 870.0,
        }
    ],
    "flaky_tests": [
        {"test": "tests/test_net.py::test_fetch", "flip_rate": 0.19, "flips": 12, "runs": 30}
    ],
    "time_to_green": {"Nightly": {"red_for_hours": None, "median_hours": 26.5}},
}


def answer(text: str) -> ChatResponse:
    return ChatResponse(text, "stop", Usage(100, 50))


def test_numbers_of_the_metrics_pass_in_their_usual_forms() -> None:
    allowed = allowed_numbers(facts_of(METRICS, []))
    text = "240 runs in 30 days; CI passed 95.4% (p95 90 min, 1.5 h); flake rate 4.2%, 12 flips."
    assert unchecked_numbers(text, allowed) == ()
    assert unchecked_numbers("CI passed 97% of 1,000 runs", allowed) == ("97", "1000")


def test_a_checked_paragraph_is_kept_and_an_invented_number_drops_it() -> None:
    kept = "Of 240 runs, CI passed 95.4%; test_fetch flipped 12 times: quarantine it."
    invented = "CI passed 99% of its runs; 3 tests are flaky."
    provider = ScriptedProvider([answer(kept), answer(invented)])
    facts = facts_of(METRICS, [{"title": "Quarantine or fix the flaky test"}])
    good = phrase_summary(provider, facts, TemplateRenderer())
    assert good.text == kept and good.note == ""
    bad = phrase_summary(provider, facts, TemplateRenderer())
    assert bad.text is None and bad.unchecked == ("99", "3")
    assert "2 number(s) not in the metrics (99, 3)" in bad.note
    prompt = provider.requests[0].messages[1].content
    assert "<ci_metrics>" in prompt and "test_fetch" in prompt


def test_a_failing_model_is_a_note() -> None:
    provider = ScriptedProvider([fail("CA401", url="http://127.0.0.1:9", problem="down")])
    phrased = phrase_summary(provider, facts_of(METRICS, []), TemplateRenderer())
    assert phrased.text is None and phrased.note.startswith("no model summary: CA401")
