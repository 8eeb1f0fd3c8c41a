"""Classification: the table of kinds to strategies, overrides, flaky and critical runs, the
decision for a whole run; every decision with its reason."""

from __future__ import annotations

import pytest

from ci_agent.config_model import FailureKindName, StrategyName, TriageConfig
from ci_agent.triage.classify import (
    DEFAULT_STRATEGIES,
    Decision,
    History,
    Policy,
    Strategy,
    classify,
    combine,
)
from ci_agent.triage.model import Failure, Kind
from ci_agent.triage.signals import ANCHORS, infrastructure_kind


def failure(kind: Kind, message: str = "boom", **fields: object) -> Failure:
    return Failure(kind, fields.pop("tool", "tool"), message, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kinds", "strategy", "named"),
    [
        ([Kind.NETWORK], Strategy.RERUN, Kind.NETWORK),
        ([Kind.TIMEOUT, Kind.CANCELLED], Strategy.RERUN, Kind.TIMEOUT),
        ([Kind.RUNNER_LOST], Strategy.RERUN, Kind.RUNNER_LOST),
        ([Kind.OOM], Strategy.RERUN, Kind.OOM),
        ([Kind.LINT, Kind.FORMAT], Strategy.FIXERS, Kind.LINT),
        ([Kind.FORMAT], Strategy.FIXERS, Kind.FORMAT),
        ([Kind.LINT, Kind.TEST], Strategy.PATCH, Kind.TEST),
        ([Kind.TYPE], Strategy.PATCH, Kind.TYPE),
        ([Kind.BUILD], Strategy.PATCH, Kind.BUILD),
        ([Kind.DEPENDENCY], Strategy.PATCH, Kind.DEPENDENCY),
        ([Kind.EXCEPTION], Strategy.PATCH, Kind.EXCEPTION),
        ([Kind.ERROR], Strategy.ANALYZE, Kind.ERROR),
        ([], Strategy.ANALYZE, Kind.UNKNOWN),
    ],
)
def test_the_table(kinds: list[Kind], strategy: Strategy, named: Kind) -> None:
    decision = classify([failure(k) for k in kinds], policy=Policy(), step="Run make", exit_code=2)
    assert (decision.strategy, decision.kind) == (strategy, named)
    assert decision.reason


def test_reasons_count_and_name_the_step() -> None:
    lint = [failure(Kind.LINT, tool="ruff", fixable=True), failure(Kind.LINT, tool="ruff")]
    decision = classify(lint, policy=Policy(), step="Run ruff check .")
    assert (
        decision.reason
        == "2 lint violations (ruff; 1 with an automatic fix) in step 'Run ruff check .'"
    )
    unknown = classify([], policy=Policy(), step="Run ./deploy.sh", exit_code=3)
    assert unknown.reason == (
        "the job failed in step 'Run ./deploy.sh' with exit code 3; "
        "no failure recognised in its log"
    )


def test_infrastructure_explains_a_test_that_failed_on_the_network() -> None:
    test = failure(
        Kind.TEST, "ConnectionResetError: [Errno 104] Connection reset by peer", test_id="t::a"
    )
    decision = classify([test], policy=Policy(), step="Run pytest")
    assert (decision.strategy, decision.kind, decision.rule) == (
        Strategy.RERUN,
        Kind.NETWORK,
        "infrastructure",
    )
    assert decision.reason.startswith(
        "network error in step 'Run pytest' (Connection reset by peer)"
    )


def test_a_real_failure_beats_network_noise() -> None:
    failures = [
        failure(Kind.NETWORK, "curl: (6) Could not resolve host: example.com", tool="log"),
        failure(Kind.TEST, "assert 3 == 4", test_id="t::a"),
    ]
    assert classify(failures, policy=Policy()).strategy is Strategy.PATCH


def test_overrides() -> None:
    policy = Policy.from_config(TriageConfig(strategies={"timeout": "analyze", "lint": "patch"}))
    assert classify([failure(Kind.TIMEOUT)], policy=policy).strategy is Strategy.ANALYZE
    assert classify([failure(Kind.LINT)], policy=policy).strategy is Strategy.PATCH
    assert classify([failure(Kind.TEST)], policy=policy).strategy is Strategy.PATCH


def test_flaky_by_history_and_by_configuration() -> None:
    tests = [
        failure(Kind.TEST, test_id="tests/a.py::t1"),
        failure(Kind.TEST, test_id="tests/a.py::t2"),
    ]
    passed = History(passed_tests=frozenset({"tests/a.py::t1", "tests/a.py::t2"}))
    decision = classify(tests, policy=Policy(), history=passed)
    assert (decision.strategy, decision.rule) == (Strategy.RERUN, "flaky")
    assert "passed before on the same commit" in decision.reason
    partly = History(passed_tests=frozenset({"tests/a.py::t1"}))
    assert classify(tests, policy=Policy(), history=partly).strategy is Strategy.PATCH
    job = History(passed_jobs={"test": "run 12"})
    decision = classify(tests, policy=Policy(), history=job, job="test")
    assert decision.reason == "job 'test' passed on the same commit (run 12): flaky"
    known = Policy(flaky_tests=("tests/a.py::*",))
    assert classify(tests, policy=known).rule == "known-flaky"


def test_critical_runs_are_analyzed_not_patched() -> None:
    critical = Policy(critical=True)
    decision = classify([failure(Kind.TEST, test_id="t::a")], policy=critical, step="Run pytest")
    assert (decision.strategy, decision.rule) == (Strategy.ANALYZE, "critical")
    assert decision.reason.endswith("look before any automatic change (else: patch)")
    assert classify([failure(Kind.NETWORK)], policy=critical).strategy is Strategy.RERUN


def test_combine_takes_the_strongest() -> None:
    rerun = Decision(Strategy.RERUN, Kind.NETWORK, "reset", "infrastructure")
    fixers = Decision(Strategy.FIXERS, Kind.LINT, "ruff", "kind")
    assert combine([("a", rerun)]) == rerun
    both = combine([("a", rerun), ("b", fixers)])
    assert (both.strategy, both.kind, both.rule) == (Strategy.FIXERS, Kind.LINT, "jobs")
    assert both.reason == "fixers is the strongest need: a: rerun (reset); b: fixers (ruff)"
    same = combine([("a", rerun), ("b", rerun)])
    assert same.reason.startswith("all 2 failed jobs need rerun: ")
    assert combine([]).strategy is Strategy.ANALYZE


def test_every_kind_has_a_default_and_the_configuration_names_match() -> None:
    assert set(DEFAULT_STRATEGIES) == set(Kind)
    assert set(FailureKindName.__args__) == {str(k) for k in Kind}  # type: ignore[attr-defined]
    assert set(StrategyName.__args__) == {str(s) for s in Strategy}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        # Tools not installed here: their documented wordings, as single messages.
        ("ERR_PNPM_META_FETCH_FAIL  GET https://registry.npmjs.org/x: request failed", "network"),
        ("ERR_PNPM_FETCH_503  GET https://registry.npmjs.org/x/-/x-1.0.0.tgz", "network"),
        (
            'error An unexpected error occurred: "https://registry.yarnpkg.com/x: '
            'ESOCKETTIMEDOUT".',
            "network",
        ),
        ("YN0035: Response code 503 (Service Unavailable)", "network"),
        ("gh: API rate limit exceeded for installation ID 1234. (HTTP 403)", "network"),
        ("ssl.SSLEOFError: EOF occurred in violation of protocol (_ssl.c:2427)", "network"),
        ("Failed: Timeout (>2.0s) from pytest-timeout.", "timeout"),
        ("Failed: Timeout >2.0s", "timeout"),
        # Failures a re-run does not cure.
        ("ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED]", None),
        ("assert response.status_code == 500", None),
    ],
)
def test_infrastructure_wordings(message: str, kind: str | None) -> None:
    found = infrastructure_kind(message)
    assert (str(found) if found else None) == kind


def _anchored(line: str) -> bool:
    return any(anchor.decode() in line for anchor in ANCHORS)


@pytest.mark.parametrize(
    "line",
    [
        "Killed",
        "java.lang.OutOfMemoryError: Java heap space",
        "Process completed with exit code 137.",
        "+++++++++++++++++ Timeout ++++++++++++++++++",
        "Exceeded timeout of 5000 ms for a test.",
        "curl: (56) Recv failure: Connection reset by peer",
        "curl: (6) Could not resolve host: example.com",
        "pip: Temporary failure in name resolution",
        "npm ERR! code E503",
        "502 Bad Gateway",
        "urllib.error.HTTPError: HTTP Error 503: Service Unavailable",
        "fatal: the remote end hung up unexpectedly",
        "urllib3.exceptions.ReadTimeoutError: HTTPSConnectionPool: Read timed out.",
        "socket.gaierror: [Errno -3] getaddrinfo failed",
        "Error: connect ETIMEDOUT 140.82.112.3:443",
    ],
)
def test_a_matched_line_holds_an_anchor(line: str) -> None:
    """Lines the signals match hold one of ANCHORS, which routes them near error markers."""
    assert infrastructure_kind(line) is not None
    assert _anchored(line)


def test_the_matches_the_anchors_miss() -> None:
    """The two kinds of match the comment on ANCHORS names hold none of its literals."""
    for line in ("E503", "Name resolution failed for registry.npmjs.org"):
        assert infrastructure_kind(line) is Kind.NETWORK
        assert not _anchored(line)
