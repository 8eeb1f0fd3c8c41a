"""The retry policy on both paths (PyGithub and ghapi), fault by fault, on the injected clock."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from ci_agent.errors import CiAgentError
from ci_agent.json_form import to_json
from ci_agent.markers import marker

from .conftest import TOKEN, MakeForge, Rig


@dataclass(frozen=True)
class Op:
    """One read through one library: how to call it, its fault path, its metrics endpoint."""

    call: Callable[[Rig], Any]
    path: Callable[[Rig], str]
    endpoint: str
    permission: str


OPS = {
    "pygithub": Op(
        lambda rig: rig.forge.pull_request(rig.world.pr),
        lambda rig: f"/repos/acme/widgets/pulls/{rig.world.pr}",
        "GET /repos/{owner}/{repo}/pulls/{number}",
        "pull-requests: read",
    ),
    "ghapi": Op(
        lambda rig: rig.forge.workflow_run(rig.world.run),
        lambda rig: f"/repos/acme/widgets/actions/runs/{rig.world.run}",
        "GET /repos/{owner}/{repo}/actions/runs/{run_id}",
        "actions: read",
    ),
}


@pytest.fixture(params=sorted(OPS))
def op(request: pytest.FixtureRequest) -> Op:
    return OPS[request.param]


def attempts(rig: Rig, op: Op) -> list[int | None]:
    return [r.status for r in rig.fake.requests.filter("GET", op.path(rig))]


def failed(rig: Rig, op: Op) -> CiAgentError:
    with pytest.raises(CiAgentError) as caught:
        op.call(rig)
    return caught.value


def test_429_waits_what_retry_after_says(rig: Rig, op: Op) -> None:
    rig.fake.faults.too_many_requests("GET", op.path(rig), retry_after=7)
    op.call(rig)
    assert rig.clock.sleeps == [7.0]
    assert attempts(rig, op) == [429, 200]
    assert rig.calls()[op.endpoint] == 2, "every attempt is counted"


def test_secondary_403_without_retry_after_waits_a_minute(rig: Rig, op: Op) -> None:
    rig.fake.faults.secondary_rate_limit("GET", op.path(rig))
    op.call(rig)
    assert len(rig.clock.sleeps) == 1 and rig.clock.sleeps[0] >= 60.0
    assert attempts(rig, op) == [403, 200]


def test_secondary_403_with_retry_after(rig: Rig, op: Op) -> None:
    rig.fake.faults.secondary_rate_limit("GET", op.path(rig), retry_after=2)
    op.call(rig)
    assert rig.clock.sleeps == [2.0]


def test_a_secondary_limit_that_outlasts_the_bound_is_ca302(make_forge: MakeForge, op: Op) -> None:
    rig = make_forge(max_wait=150)
    rig.fake.faults.secondary_rate_limit("GET", op.path(rig), retry_after=100, times=None)
    error = failed(rig, op)
    assert error.code == "CA302"
    assert error.message.startswith(f"GitHub's secondary rate limit on {op.endpoint}: retry after")
    assert rig.clock.sleeps == [100.0], "a second 100 s wait would pass the 150 s bound"
    assert attempts(rig, op) == [403, 403]


def test_primary_limit_waits_for_the_reset_within_the_bound(make_forge: MakeForge, op: Op) -> None:
    rig = make_forge(max_wait=4000)
    rig.fake.faults.primary_rate_limit("GET", op.path(rig))
    op.call(rig)
    reset = int(rig.fake.requests.filter("GET", op.path(rig))[0].time) + 3600
    assert len(rig.clock.sleeps) == 1
    assert abs(rig.clock.sleeps[0] - (reset - (rig.clock.now - rig.clock.sleeps[0]) + 1)) < 5
    assert attempts(rig, op) == [403, 200]


def test_primary_limit_past_the_bound_is_ca302_at_once(rig: Rig, op: Op) -> None:
    rig.fake.faults.primary_rate_limit("GET", op.path(rig))
    error = failed(rig, op)
    assert error.code == "CA302"
    assert op.endpoint in error.message
    assert "5000 requests" in error.message and "resets at 20" in error.message
    assert rig.clock.sleeps == [], "waiting an hour would pass the 300 s bound"
    assert attempts(rig, op) == [403]


def test_502_then_success(rig: Rig, op: Op) -> None:
    rig.fake.faults.status("GET", op.path(rig), 502)
    op.call(rig)
    assert attempts(rig, op) == [502, 200]
    assert len(rig.clock.sleeps) == 1 and 1.0 <= rig.clock.sleeps[0] <= 1.25


def test_persistent_5xx_is_ca306_after_the_attempts(rig: Rig, op: Op) -> None:
    rig.fake.faults.status("GET", op.path(rig), 502, times=None)
    error = failed(rig, op)
    assert error.code == "CA306"
    assert f"GitHub kept failing on {op.endpoint} (502) after 6 attempts" in error.message
    assert attempts(rig, op) == [502] * 6
    assert len(rig.clock.sleeps) == 5 and sum(rig.clock.sleeps) < 300


def test_persistent_5xx_stops_at_the_wait_bound(make_forge: MakeForge, op: Op) -> None:
    rig = make_forge(max_wait=5)
    rig.fake.faults.status("GET", op.path(rig), 503, times=None)
    error = failed(rig, op)
    assert error.code == "CA306"
    assert sum(rig.clock.sleeps) <= 5
    assert attempts(rig, op) == [503] * 3  # waits of ~1 s and ~2 s fit; ~4 s more would not


def test_connection_reset_is_retried(rig: Rig, op: Op) -> None:
    rig.fake.faults.reset("GET", op.path(rig))
    op.call(rig)
    assert attempts(rig, op) == [None, 200]


def test_persistent_resets_are_ca301(rig: Rig, op: Op) -> None:
    rig.fake.faults.reset("GET", op.path(rig), times=None)
    error = failed(rig, op)
    assert error.code == "CA301"
    assert rig.fake.base_url in error.message and "6 attempts" in error.message


def test_a_slow_answer_times_out_and_is_retried(make_forge: MakeForge, op: Op) -> None:
    rig = make_forge(timeout=1.0)
    rig.fake.faults.slow("GET", op.path(rig), seconds=1.6, times=1)
    op.call(rig)
    # (the fake logs the slow request only when it answers, after the client gave up)
    assert rig.calls()[op.endpoint] == 2
    assert len(rig.clock.sleeps) == 1


def test_answers_that_never_come_in_time_are_ca301(make_forge: MakeForge, op: Op) -> None:
    rig = make_forge(timeout=1.0, attempts=2)
    rig.fake.faults.slow("GET", op.path(rig), seconds=1.6)
    error = failed(rig, op)
    assert error.code == "CA301"
    assert "2 attempts" in error.message


def test_404_is_ca305_without_retrying(rig: Rig, op: Op) -> None:
    rig.fake.faults.status("GET", op.path(rig), 404)
    error = failed(rig, op)
    assert error.code == "CA305"
    assert op.endpoint in error.message
    assert attempts(rig, op) == [404] and rig.clock.sleeps == []


def test_401_is_ca303_without_retrying(make_forge: MakeForge, op: Op) -> None:
    rig = make_forge(token="ghp_wrong0123456789")
    error = failed(rig, op)
    assert error.code == "CA303"
    assert "(401)" in error.message and op.endpoint in error.message
    assert attempts(rig, op) == [401] and rig.clock.sleeps == []


def test_a_403_that_is_not_a_rate_limit_is_ca304(rig: Rig, op: Op) -> None:
    rig.fake.faults.status(
        "GET", op.path(rig), 403, message="Resource not accessible by integration"
    )
    error = failed(rig, op)
    assert error.code == "CA304"
    assert f"the token lacks '{op.permission}'" in error.message
    assert f"permissions: {op.permission}" in error.suggestion
    assert attempts(rig, op) == [403]


def test_faults_on_ghes(make_forge: MakeForge, op: Op) -> None:
    rig = make_forge(ghes=True)
    rig.fake.faults.status("GET", op.path(rig), 502)
    op.call(rig)
    assert [r.prefix for r in rig.fake.requests.filter("GET", op.path(rig))] == ["/api/v3"] * 2


def test_metrics_count_every_request_with_the_quota_left(rig: Rig) -> None:
    rig.forge.pull_request(rig.world.pr)
    list(rig.forge.changed_files(rig.world.pr))
    rig.forge.workflow_run(rig.world.run)
    api = to_json(rig.metrics.snapshot())["api_calls"]
    assert api["by_endpoint"] == {
        "GET /repos/{owner}/{repo}/pulls/{number}": 1,
        "GET /repos/{owner}/{repo}/pulls/{number}/files": 1,
        "GET /repos/{owner}/{repo}/actions/runs/{run_id}": 1,
    }
    assert api["total"] == 3
    last = rig.fake.requests[-1]
    assert last.path.endswith(f"/actions/runs/{rig.world.run}")
    assert api["rate_limit_remaining"] == rig.fake.state.rate.remaining


def test_writes_are_spaced_a_second_apart(rig: Rig) -> None:
    for n in range(3):
        rig.forge.create_comment(rig.world.pr, marker("note", str(n)) + "\nhi")
    rig.forge.pull_request(rig.world.pr)  # reads are not spaced
    assert rig.clock.sleeps == [1.0, 1.0]


def test_the_token_never_reaches_logs_or_messages(
    make_forge: MakeForge, caplog: pytest.LogCaptureFixture, op: Op
) -> None:
    caplog.set_level(logging.DEBUG)
    rig = make_forge(attempts=2)
    messages: list[str] = []
    for fault in ("status", "reset", "secondary_rate_limit"):
        getattr(rig.fake.faults, fault)(
            "GET", op.path(rig), **({"status": 500} if fault == "status" else {}), times=None
        )
        error = failed(rig, op)
        messages.append(f"{error.message} {error.suggestion} {error.context} {error.__cause__!r}")
        rig.fake.faults.clear()
    rig.fake.faults.apply_then_fail("POST", "/repos/*/issues/*/comments")
    with pytest.raises(CiAgentError) as unsent:
        rig.forge.create_comment(rig.world.pr, "no marker")
    messages.append(f"{unsent.value.message} {unsent.value.context}")
    op.call(rig)
    text = caplog.text + "\n".join(messages) + repr(to_json(rig.metrics.snapshot()))
    assert caplog.records, "the libraries did log"
    assert TOKEN not in text
