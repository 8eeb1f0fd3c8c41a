"""Insights' deterministic parts on their own: histogram percentiles, runner OS and billed
minutes, workflow files, the state's encoding, the action job's events."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

import pytest

from ci_agent.errors import CiAgentError
from ci_agent.insights.histogram import add as count
from ci_agent.insights.histogram import merge, percentile
from ci_agent.insights.ledger import empty
from ci_agent.insights.model import JobFacts, billable_minutes, runner_os
from ci_agent.insights.state import decode_state, encode_state, find_saved, state_comment
from ci_agent.insights.workflow_files import parse_workflow

T0 = datetime(2026, 12, 1, tzinfo=UTC)


def test_percentiles_from_buckets_are_within_the_bucket_width() -> None:
    rng = random.Random(3)
    values = [rng.lognormvariate(4, 1) for _ in range(2_000)]
    histogram: list[int] = []
    for value in values:
        count(histogram, value)
    ordered = sorted(values)
    for share in (0.5, 0.95):
        true = ordered[math.ceil(share * len(ordered)) - 1]
        read = percentile(merge([histogram]), share)
        assert read is not None and abs(read - true) <= 0.026 * true
    assert percentile({}, 0.5) is None
    dense: list[int] = []
    for value in (100, 10, 1000, 100):
        count(dense, value)
    assert merge([dense, []]) == {48: 1, 95: 2, 142: 1} and sum(dense[1:]) == 4


@pytest.mark.parametrize(
    ("labels", "system"),
    [
        (("ubuntu-latest",), "Linux"),
        (("windows-2025",), "Windows"),
        (("macos-15",), "macOS"),
        (("self-hosted", "linux", "x64"), "self-hosted"),
        ((), "Linux"),
        (("gpu-large",), "other"),
    ],
)
def test_the_runner_os_comes_from_the_labels(labels: tuple[str, ...], system: str) -> None:
    assert runner_os(labels) == system


def test_billed_minutes_round_each_job_up() -> None:
    def job(seconds: float, labels: tuple[str, ...] = ("ubuntu-latest",)) -> JobFacts:
        return JobFacts(1, "j", 1, "success", T0, T0, T0 + timedelta(seconds=seconds), labels)

    assert [billable_minutes(job(s)) for s in (0, 1, 60, 61, 3599)] == [0, 1, 1, 2, 60]
    assert billable_minutes(job(600, ("self-hosted",))) == 0


def test_workflow_files_give_events_caches_timeouts() -> None:
    raw = b"""
name: CI
on: [push, pull_request]
jobs:
  test:
    name: test (${{ matrix.py }})
    strategy: {matrix: {py: ["3.11"]}}
    timeout-minutes: 20
    steps:
      - run: python -m pip install -e .
  web:
    steps:
      - uses: actions/setup-node@v4
        with: {cache: npm}
      - run: npm ci
"""
    parsed = parse_workflow(".github/workflows/ci.yml", raw)
    assert parsed is not None and parsed.events == ("push", "pull_request") and not parsed.cancels
    test, web = parsed.jobs
    assert (test.timeout_minutes, test.matrix, test.cached) == (20.0, True, False)
    assert test.installs == ("python -m pip install",) and test.matches("test (3.11)")
    assert web.cached and web.installs == ("npm ci",) and web.matches("web")
    assert parse_workflow("x.yml", b"- a list") is None
    assert parse_workflow("x.yml", b"on: [unclosed") is None


def test_the_state_round_trips_and_refuses_what_it_cannot_read() -> None:
    state = empty()
    state["cursor"] = {"id": 42, "pending": [7]}
    assert decode_state(encode_state(state)) == state
    comment, artifact = state_comment(state)
    assert artifact is None and "--" not in comment[4:-3]
    saved = find_saved(f"body\n{comment}\n")
    assert saved is not None and saved.data == state
    with pytest.raises(CiAgentError) as bad:
        decode_state("AAAA")
    assert bad.value.code == "CA610"
    with pytest.raises(CiAgentError) as other:
        decode_state(encode_state({**state, "v": 99}))
    assert other.value.code == "CA610" and "99" in other.value.message
    assert find_saved("no state here") is None


def test_the_action_job_runs_on_schedule_and_dispatch_only() -> None:
    from ci_agent.capabilities import capability
    from ci_agent.commands.jobs import INSIGHTS_EVENTS, insights_job
    from ci_agent.runner.events import Event

    entry = capability("insights")
    assert entry is not None and entry.available and entry.takes_args
    assert INSIGHTS_EVENTS == ("schedule", "workflow_dispatch")
    event = Event(name="pull_request", payload={}, repository="acme/shop")
    with pytest.raises(CiAgentError) as refused:
        insights_job(None, event, [])  # type: ignore[arg-type]
    assert refused.value.code == "CA113"
