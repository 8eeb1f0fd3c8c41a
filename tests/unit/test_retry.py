"""The shared retry policy with a fake clock: which wait, when to give up, and a shared total."""

from __future__ import annotations

import email.utils
import random
import threading
import time
from collections.abc import Callable, Mapping

import pytest

from ci_agent.retry import (
    SECONDARY_LIMIT_MIN_WAIT,
    Failure,
    RetryConfig,
    RetryExhausted,
    RetryPolicy,
    SystemClock,
    header,
)

NOW = 1_800_000_000.0  # a fixed "now" for reset epochs and HTTP dates


class FakeClock:
    """Time that moves only when the policy sleeps; records every sleep; never sleeps."""

    def __init__(self, now: float = NOW) -> None:
        self.now = now
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds


class MaxJitter(random.Random):
    """The largest jitter every time."""

    def uniform(self, a: float, b: float) -> float:
        return b


class NoJitter(random.Random):
    """No jitter at all."""

    def uniform(self, a: float, b: float) -> float:
        return a


class ServiceError(Exception):
    """What a client library would raise."""

    def __init__(self, status: int | None, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(f"status {status}")
        self.status = status
        self.headers = dict(headers or {})


def classify(exc: Exception) -> Failure | None:
    """Map ServiceError to a Failure the way an adapter would; anything else is not ours."""
    if not isinstance(exc, ServiceError):
        return None
    if exc.status is None:
        return Failure(None, kind="network")
    if exc.status in (403, 429):
        kind = "rate_limit" if header(exc.headers, "x-ratelimit-remaining") == "0" else "secondary"
        return Failure(exc.status, exc.headers, kind=kind)
    if exc.status >= 500:
        return Failure(exc.status, exc.headers, kind="server")
    return Failure(exc.status, exc.headers, kind="client")


def policy(
    clock: FakeClock | None = None, rng: random.Random | None = None, **config: float
) -> RetryPolicy:
    return RetryPolicy(RetryConfig(**config), clock or FakeClock(), rng or NoJitter())  # type: ignore[arg-type]


def failing(*errors: Exception, result: str = "ok") -> tuple[Callable[[], str], list[int]]:
    """An operation that raises ``errors`` in turn, then returns ``result``; counts calls."""
    calls: list[int] = []

    def operation() -> str:
        calls.append(1)
        if len(calls) <= len(errors):
            raise errors[len(calls) - 1]
        return result

    return operation, calls


def http_date(epoch: float, zone: str = "GMT") -> str:
    return email.utils.formatdate(epoch, usegmt=True).replace("GMT", zone)


# --- delay ---


@pytest.mark.parametrize(("value", "wait"), [("7", 7.0), ("0", 0.0), ("1.5", 1.5), (" 12 ", 12.0)])
def test_retry_after_in_seconds(value: str, wait: float) -> None:
    for kind in ("secondary", "rate_limit", "server"):
        assert policy().delay(Failure(429, {"Retry-After": value}, kind=kind), 1) == wait


@pytest.mark.parametrize("zone", ["GMT", "+0000", "-0000"])
def test_retry_after_as_an_http_date(zone: str) -> None:
    failure = Failure(403, {"retry-after": http_date(NOW + 30, zone)}, kind="secondary")
    assert policy().delay(failure, 1) == pytest.approx(30.0)


def test_retry_after_as_an_asctime_date_means_gmt(monkeypatch: pytest.MonkeyPatch) -> None:
    # A date without a zone is GMT (RFC 9110), whatever the machine's local time zone is.
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        asctime = time.strftime("%a %b %d %H:%M:%S %Y", time.gmtime(NOW + 45))
        assert policy().delay(Failure(503, {"Retry-After": asctime}), 1) == pytest.approx(45.0)
    finally:
        monkeypatch.undo()
        time.tzset()


def test_retry_after_in_the_past_is_no_wait() -> None:
    assert policy().delay(Failure(503, {"Retry-After": http_date(NOW - 100)}), 1) == 0.0


@pytest.mark.parametrize("value", ["soon", "", "-5", "\u00b2", "1e3", "nan", "inf", "1.2.3"])
def test_an_unusable_retry_after_falls_back_to_backoff(value: str) -> None:
    assert policy(base_delay=2).delay(Failure(503, {"Retry-After": value}), 1) == 2.0


def test_rate_limit_remaining_zero_waits_until_reset_plus_one() -> None:
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW) + 120)}
    assert policy().delay(Failure(403, headers, kind="rate_limit"), 1) == 121.0
    past = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) - 50)}
    assert policy().delay(Failure(403, past, kind="rate_limit"), 1) == 1.0


def test_retry_after_wins_over_the_reset() -> None:
    headers = {"retry-after": "5", "x-ratelimit-remaining": "0", "x-ratelimit-reset": str(NOW + 99)}
    assert policy().delay(Failure(429, headers, kind="rate_limit"), 1) == 5.0


@pytest.mark.parametrize(
    "headers",
    [
        {"x-ratelimit-remaining": "0"},
        {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "soon"},
        {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "\u0661\u0662"},  # Arabic-Indic digits
        {"x-ratelimit-remaining": "3", "x-ratelimit-reset": str(int(NOW) + 999)},
    ],
)
def test_without_a_usable_reset_it_backs_off(headers: dict[str, str]) -> None:
    assert policy(base_delay=3).delay(Failure(403, headers, kind="rate_limit"), 1) == 3.0


def test_a_secondary_limit_without_retry_after_waits_at_least_a_minute() -> None:
    p = policy(rng=MaxJitter(), base_delay=1, max_delay=300)
    secondary = Failure(403, {}, kind="secondary")
    assert SECONDARY_LIMIT_MIN_WAIT == 60.0
    assert p.delay(secondary, 1) == 60.0
    assert p.delay(secondary, 8) == 128 * 1.25  # backoff beyond a minute is kept


def test_exponential_backoff_is_capped_after_jitter() -> None:
    p = policy(rng=MaxJitter(), base_delay=1, max_delay=60, jitter=0.25)
    server = Failure(502)
    assert [p.delay(server, n) for n in range(1, 9)] == [1.25, 2.5, 5, 10, 20, 40, 60, 60]


def test_backoff_for_huge_attempt_numbers_does_not_overflow() -> None:
    assert policy(rng=MaxJitter(), max_delay=30).delay(Failure(500), 10_000) == 30.0


def test_jitter_stays_within_its_bounds() -> None:
    p = policy(rng=random.Random(7), base_delay=0.5, max_delay=20, jitter=0.5)
    for attempt in range(1, 12):
        plain = 0.5 * 2 ** (attempt - 1)
        waits = {p.delay(Failure(None, kind="network"), attempt) for _ in range(50)}
        assert all(min(plain, 20) <= w <= min(plain * 1.5, 20) for w in waits)
        if plain * 1.5 < 20:
            assert len(waits) > 1  # it really is jittered


# --- run ---


def test_success_after_failures_returns_the_value() -> None:
    clock = FakeClock()
    p = policy(clock, base_delay=1)
    operation, calls = failing(
        ServiceError(502), ServiceError(None), ServiceError(429, {"Retry-After": "9"})
    )
    assert p.run(operation, classify) == "ok"
    assert len(calls) == 4
    assert clock.sleeps == [1.0, 2.0, 9.0]
    assert p.total_waited == 12.0


def test_success_at_once_does_not_wait() -> None:
    clock = FakeClock()
    p = policy(clock)
    assert p.run(lambda: 42, classify) == 42
    assert clock.sleeps == []
    assert p.total_waited == 0.0


def test_the_attempts_bound() -> None:
    clock = FakeClock()
    p = policy(clock, max_attempts=3)
    errors = [ServiceError(500), ServiceError(503), ServiceError(504)]
    operation, calls = failing(*errors)
    with pytest.raises(RetryExhausted) as caught:
        p.run(operation, classify)
    exhausted = caught.value
    assert (exhausted.reason, exhausted.attempts, str(exhausted)) == (
        "attempts exhausted",
        3,
        "attempts exhausted",
    )
    assert exhausted.failure.status == 504
    assert exhausted.__cause__ is errors[-1]
    assert len(calls) == 3
    assert len(clock.sleeps) == 2
    assert exhausted.waited == sum(clock.sleeps)


def test_the_total_wait_bound() -> None:
    clock = FakeClock()
    p = policy(clock, max_total_wait=300, max_attempts=10)
    limited = ServiceError(429, {"Retry-After": "200"})
    operation, calls = failing(limited, limited, limited)
    with pytest.raises(RetryExhausted) as caught:
        p.run(operation, classify)
    exhausted = caught.value
    assert exhausted.reason == "waiting 200s more would pass the 300s bound"
    assert (exhausted.attempts, exhausted.waited) == (2, 200.0)
    assert clock.sleeps == [200.0]
    assert len(calls) == 2


def test_a_reset_far_away_gives_up_without_sleeping() -> None:
    clock = FakeClock()
    p = policy(clock, max_total_wait=60)
    reset = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 3600)}
    with pytest.raises(RetryExhausted, match="3601s more would pass the 60s bound"):
        p.run(failing(ServiceError(403, reset))[0], classify)
    assert clock.sleeps == []


def test_the_total_is_shared_by_later_operations() -> None:
    clock = FakeClock()
    p = policy(clock, max_total_wait=10)
    assert p.run(failing(ServiceError(429, {"Retry-After": "8"}))[0], classify) == "ok"
    with pytest.raises(RetryExhausted, match="bound"):
        p.run(failing(ServiceError(429, {"Retry-After": "3"}))[0], classify)
    assert p.total_waited == 8.0


@pytest.mark.parametrize("status", [400, 401, 404, 422])
def test_client_failures_raise_at_once(status: int) -> None:
    clock = FakeClock()
    error = ServiceError(status)
    operation, calls = failing(error)
    with pytest.raises(RetryExhausted) as caught:
        policy(clock).run(operation, classify)
    assert (caught.value.reason, caught.value.attempts) == ("not retryable", 1)
    assert caught.value.failure.kind == "client"
    assert caught.value.__cause__ is error
    assert (len(calls), clock.sleeps) == (1, [])


def test_exceptions_classify_does_not_know_propagate_unchanged() -> None:
    clock = FakeClock()
    error = KeyError("a bug, not the service")
    operation, calls = failing(error)
    with pytest.raises(KeyError) as caught:
        policy(clock).run(operation, classify)
    assert caught.value is error
    assert (len(calls), clock.sleeps) == (1, [])


def test_the_total_is_thread_safe() -> None:
    threads, bound = 40, 25.0
    clock = FakeClock()
    p = policy(clock, max_total_wait=bound, max_attempts=2)
    barrier = threading.Barrier(threads)
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        operation, calls = failing(ServiceError(429, {"Retry-After": "1"}))

        def synchronised() -> str:
            if not calls:
                barrier.wait(timeout=10)  # everybody fails at the same moment
            return operation()

        try:
            result = p.run(synchronised, classify)
        except RetryExhausted:
            result = "exhausted"
        with lock:
            outcomes.append(result)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=10)
    assert outcomes.count("ok") == int(bound)
    assert outcomes.count("exhausted") == threads - int(bound)
    assert p.total_waited == bound
    assert sum(clock.sleeps) == bound


# --- small parts ---


def test_header_lookup_is_case_insensitive() -> None:
    headers = {"Retry-After": "3", "X-RateLimit-Remaining": "0"}
    assert header(headers, "retry-after") == "3"
    assert header(headers, "x-ratelimit-remaining") == "0"
    assert header(headers, "missing") is None


def test_failure_kinds() -> None:
    assert Failure(500).kind == "server"
    assert Failure(500).headers == {}
    for kind in ("rate_limit", "secondary", "server", "network", "timeout"):
        assert Failure(None, kind=kind).retryable
    assert not Failure(404, kind="client").retryable


def test_defaults_and_the_system_clock() -> None:
    p = RetryPolicy()
    assert isinstance(p.clock, SystemClock)
    assert p.config == RetryConfig()
    assert p.config.max_attempts >= 2
    assert abs(SystemClock().time() - time.time()) < 5
    started = time.monotonic()
    SystemClock().sleep(0.01)
    assert time.monotonic() - started >= 0.005
