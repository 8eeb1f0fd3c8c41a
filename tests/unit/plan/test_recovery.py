"""The recovery decision for a failed step, its backoff, and the rollback order (checked against
a brute-force search over every order of small random plans)."""

from __future__ import annotations

import itertools
import random

import pytest

from ci_agent.commands import plan_steps
from ci_agent.config_deploy import DeployConfig, Unit
from ci_agent.json_form import to_json
from ci_agent.plan.build import build_plan, matrix
from ci_agent.plan.recovery import FAILURE_KINDS, backoff_schedule, decide
from ci_agent.plan.risk import LEVELS
from ci_agent.plan.rollback import (
    FAILED_STATES,
    STARTED_STATES,
    StageEntry,
    rollback_matrix,
    rollback_order,
    stage_entries,
)

DEFAULT = DeployConfig()


def test_the_cli_spells_the_levels_and_kinds_as_the_library_does() -> None:
    assert plan_steps._LEVELS == LEVELS
    assert plan_steps._FAILURE_KINDS == FAILURE_KINDS


@pytest.mark.parametrize(
    ("risk", "failure", "severity", "action"),
    [
        ("low", "deploy", "high", "retry"),
        ("low", "verify", "high", "retry"),
        ("low", "latency", "medium", "continue"),
        ("medium", "latency", "medium", "continue"),
        ("high", "latency", "high", "retry"),
        ("critical", "latency", "critical", "rollback"),
        ("critical", "deploy", "critical", "rollback"),
    ],
)
def test_the_severity_is_the_higher_of_the_failure_and_the_risk(
    risk: str, failure: str, severity: str, action: str
) -> None:
    done = decide(
        DEFAULT,
        unit="api",
        environment="staging",
        risk=risk,  # type: ignore[arg-type]
        failure=failure,  # type: ignore[arg-type]
        attempt=1,
    )
    assert (done.severity, done.action, done.escalated) == (severity, action, False)
    assert to_json(done)["why"] == done.why
    assert f"severity {severity}" in done.why


def test_a_configured_table_low_records_and_partial_maps_keep_the_defaults() -> None:
    deploy = DeployConfig(
        failure_severity={"latency": "low"},  # deploy and verify keep their defaults
        recovery={"low": "record", "high": "rollback"},
    )
    slow = decide(deploy, unit="api", environment="dev", risk="low", failure="latency", attempt=1)
    assert (slow.severity, slow.action) == ("low", "record")
    assert "record the failure only" in slow.why
    broken = decide(deploy, unit="api", environment="dev", risk="low", failure="verify", attempt=1)
    assert (broken.severity, broken.action, broken.attempts) == ("high", "rollback", 1)
    medium = decide(
        deploy, unit="api", environment="dev", risk="medium", failure="latency", attempt=1
    )
    assert medium.action == "continue"  # the default for medium, not set in this table


def test_retries_wait_doubling_then_escalate_to_a_rollback() -> None:
    deploy = DeployConfig(retry_attempts=3, retry_delay_seconds=20, retry_max_delay_seconds=50)
    decisions = [
        decide(deploy, unit="api", environment="prod", risk="low", failure="deploy", attempt=n)
        for n in range(1, 5)
    ]
    assert [(d.action, d.delay_seconds) for d in decisions] == [
        ("retry", 20),
        ("retry", 40),
        ("retry", 50),  # capped
        ("rollback", 0),
    ]
    assert all(d.attempts == 4 and d.schedule == (20, 40, 50) for d in decisions)
    assert decisions[3].escalated and "3 retries spent, escalated" in decisions[3].why
    assert "retry 2 of 3 after 40 s" in decisions[1].why
    with pytest.raises(ValueError, match="start at 1"):
        decide(deploy, unit="api", environment="prod", risk="low", failure="deploy", attempt=0)


def test_no_retries_escalates_at_once() -> None:
    deploy = DeployConfig(retry_attempts=0)
    done = decide(deploy, unit="api", environment="prod", risk="high", failure="verify", attempt=1)
    assert (done.planned, done.action, done.escalated, done.attempts) == (
        "retry",
        "rollback",
        True,
        1,
    )


@pytest.mark.parametrize("seed", range(20))
def test_the_backoff_is_first_times_two_to_the_n_capped(seed: int) -> None:
    rng = random.Random(seed)
    retries, first = rng.randint(0, 10), rng.randint(1, 120)
    longest = rng.randint(1, 3600)
    schedule = backoff_schedule(retries, first, longest)
    assert len(schedule) == retries
    expected = []
    delay = first
    for _ in range(retries):
        expected.append(min(delay, longest))
        delay *= 2
    assert list(schedule) == expected
    assert list(schedule) == sorted(schedule)


def test_stage_entries_read_a_plan_an_envelope_or_the_matrix_output() -> None:
    stages = [{"include": [{"unit": "db", "environment": "staging", "stage": 0}]}]
    expected = [StageEntry("db", "staging", 0, 0)]
    assert stage_entries(stages) == expected
    assert stage_entries({"matrix": stages}) == expected
    assert stage_entries({"result": {"matrix": stages}}) == expected
    for bad in ({"units": []}, [{"x": 1}], [{"include": [{"unit": "db"}]}], "[]"):
        with pytest.raises(ValueError):
            stage_entries(bad)


def _random_plan(rng: random.Random) -> DeployConfig:
    names = [f"u{index}" for index in range(rng.randint(2, 6))]
    units = []
    for index, name in enumerate(names):
        depends = tuple(n for n in names[:index] if rng.random() < 0.4)
        environments = ("staging", "production") if rng.random() < 0.7 else ("production",)
        units.append(
            Unit(name=name, paths=(f"{name}/**",), depends_on=depends, environments=environments)
        )
    return DeployConfig(units=tuple(units))


def _depends(deploy: DeployConfig) -> dict[str, set[str]]:
    """Every unit's transitive dependencies."""
    direct = {u.name: set(u.depends_on) for u in deploy.units}
    closure = {name: set(deps) for name, deps in direct.items()}
    changed = True
    while changed:
        changed = False
        for name, deps in list(closure.items()):
            more = set().union(*(closure[d] for d in deps)) - deps if deps else set()
            if more:
                closure[name] = deps | more
                changed = True
    return closure


@pytest.mark.parametrize("seed", range(60))
def test_the_rollback_order_against_a_brute_force_search(seed: int) -> None:
    rng = random.Random(seed)
    deploy = _random_plan(rng)
    plan = build_plan(
        deploy,
        [f"{u.name}/x.py" for u in deploy.units],
        {},
        source={"kind": "files"},
    )
    entries = stage_entries(matrix(plan))
    # A workflow run: stages in order; a stage's matrix may partly fail (others cancelled);
    # no stage starts after a failed one.
    states: dict[tuple[str, str], str | None] = {}
    stopped = False
    for stage in sorted({e.stage for e in entries}):
        members = [e for e in entries if e.stage == stage]
        for entry in members:
            if stopped:
                states[(entry.unit, entry.environment)] = None
            else:
                states[(entry.unit, entry.environment)] = rng.choice(
                    ["success", "success", "failure", "in_progress", None, "error", "inactive"]
                )
        stopped = stopped or any(states[(e.unit, e.environment)] in FAILED_STATES for e in members)
    first, chosen = rollback_order(entries, states)
    failed = [e for e in entries if states[(e.unit, e.environment)] in FAILED_STATES]
    if not failed:
        assert (first, chosen) == (None, [])
        return
    # Brute force: the units that started in or after the first failed stage ...
    start = min(e.stage for e in failed)
    must = {
        (e.unit, e.environment)
        for e in entries
        if e.stage >= start and states[(e.unit, e.environment)] in STARTED_STATES
    }
    assert first == start
    assert {(e.unit, e.environment) for e in chosen} == must
    # ... in an order where whatever went out later comes back first: every permutation
    # that rolls back a unit before what it depends on (same environment) and a later stage
    # before an earlier one. Ours must be one of them, and the one reversing the deploy order.
    deps = _depends(deploy)

    def keeps_order(order: tuple[StageEntry, ...]) -> bool:
        position = {(e.unit, e.environment): index for index, e in enumerate(order)}
        return all(
            position[(a.unit, a.environment)] < position[(b.unit, b.environment)]
            for a in order
            for b in order
            if (a.environment == b.environment and b.unit in deps[a.unit]) or a.stage > b.stage
        )

    if len(chosen) <= 6:  # every permutation (at most 720)
        valid = [list(order) for order in itertools.permutations(chosen) if keeps_order(order)]
        assert chosen in valid
    assert keeps_order(tuple(chosen))
    deployed_in_order = [e for e in entries if (e.unit, e.environment) in must]
    assert chosen == list(reversed(deployed_in_order))


def test_the_rollback_matrix_lists_the_order_for_a_sequential_matrix() -> None:
    chosen = [StageEntry("api", "staging", 1, 0), StageEntry("db", "staging", 0, 0)]
    states = {("api", "staging"): "failure", ("db", "staging"): "success"}
    assert rollback_matrix(chosen, states) == (
        '{"include":[{"unit":"api","environment":"staging","stage":1,"order":0,'
        '"state":"failure"},{"unit":"db","environment":"staging","stage":0,"order":1,'
        '"state":"success"}]}'
    )
