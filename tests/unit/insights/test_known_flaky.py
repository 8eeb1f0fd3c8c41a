"""Triage re-runs what the CI insights dashboard marks flaky: the hidden list round-trips, only
ci-agent's dashboard issue counts, and classification re-runs a failure made only of known
flaky tests (or tests of a known flaky job) with the evidence in its reason."""

from __future__ import annotations

from ci_agent.forge.memory import InMemoryForge
from ci_agent.triage.classify import Policy, Strategy, classify
from ci_agent.triage.known_flaky import (
    KnownFlaky,
    find_known_flaky,
    flaky_comment,
    parse_known_flaky,
)
from ci_agent.triage.model import Failure, Kind

FLAKY = "tests/test_net.py::test_fetch"
BODY = "<!-- ci-agent:insights:dashboard -->\n## CI health\n\n" + flaky_comment(
    {FLAKY: "flip rate 0.19, 4 flips in 20 runs (runs 11, 12)"},
    {"CI\ttest (3.12)": "failed, then passed on the same commit 5 time(s) in 30 days (runs 7, 8)"},
)


def failure(test: str) -> Failure:
    return Failure(Kind.TEST, "pytest", f"{test} failed", test_id=test)


def test_the_list_round_trips() -> None:
    known = parse_known_flaky(BODY, "https://example.com/issues/1")
    assert known.tests == {FLAKY: "flip rate 0.19, 4 flips in 20 runs (runs 11, 12)"}
    assert known.of_workflow("CI").jobs == {
        "test (3.12)": "failed, then passed on the same commit 5 time(s) in 30 days (runs 7, 8)"
    }
    assert not known.of_workflow("Nightly").jobs
    assert not parse_known_flaky("<!-- ci-agent-insights-flaky v1 !!! -->")
    assert not parse_known_flaky("nothing")


def test_only_ci_agents_dashboard_counts() -> None:
    forge = InMemoryForge()
    forge.seed_issue("my copy", BODY, labels=["ci-insights"], author="alice")
    assert not find_known_flaky(forge, "ci-insights")
    made = forge.create_issue("CI health dashboard", BODY, ["ci-insights"])
    known = find_known_flaky(forge, "ci-insights")
    assert FLAKY in known.tests and str(made.number) in known.source


def test_known_flaky_tests_are_re_run_with_their_evidence() -> None:
    policy = Policy(known_flaky=parse_known_flaky(BODY, "issue #1").of_workflow("CI"))
    decision = classify([failure(FLAKY)], policy=policy, job="lint")
    assert (decision.strategy, decision.rule) == (Strategy.RERUN, "insights-flaky")
    assert "flip rate 0.19" in decision.reason and "issue #1" in decision.reason
    mixed = classify(
        [failure(FLAKY), failure("tests/test_core.py::test_a")], policy=policy, job="lint"
    )
    assert mixed.strategy is not Strategy.RERUN  # a real failure next to it still needs a fix
    by_job = classify([failure("tests/test_core.py::test_a")], policy=policy, job="test (3.12)")
    assert (by_job.strategy, by_job.rule) == (Strategy.RERUN, "insights-flaky")
    assert "5 time(s)" in by_job.reason
    unknown = classify([failure(FLAKY)], policy=Policy(known_flaky=KnownFlaky()), job="lint")
    assert unknown.rule != "insights-flaky"
