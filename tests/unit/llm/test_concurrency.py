"""map_bounded: order kept, at most N in flight, coded errors per item, others propagate."""

from __future__ import annotations

import random
import threading
import time

import pytest

from ci_agent.errors import CiAgentError, fail
from ci_agent.llm.concurrency import map_bounded


class InFlight:
    """Counts concurrent calls."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = 0
        self.peak = 0
        self.threads: set[int] = set()

    def __enter__(self) -> None:
        with self.lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
            self.threads.add(threading.get_ident())

    def __exit__(self, *exc: object) -> None:
        with self.lock:
            self.now -= 1


@pytest.mark.parametrize("limit", [1, 2, 4, 7])
def test_results_keep_input_order_and_at_most_n_run_at_once(limit: int) -> None:
    counter = InFlight()
    rng = random.Random(limit)
    delays = [rng.uniform(0, 0.01) for _ in range(30)]

    def call(i: int) -> int:
        with counter:
            time.sleep(delays[i])
            return i * i

    outcomes = map_bounded(call, range(30), limit)
    assert [o.value for o in outcomes] == [i * i for i in range(30)]
    assert all(o.ok for o in outcomes)
    assert counter.peak <= limit
    if limit > 1:
        assert counter.peak > 1, "nothing ran in parallel"


def test_limit_one_runs_inline_in_the_calling_thread() -> None:
    counter = InFlight()

    def call(i: int) -> int:
        with counter:
            return i

    map_bounded(call, range(5), 1)
    assert counter.threads == {threading.get_ident()}


def test_coded_errors_become_outcomes_and_the_rest_still_run() -> None:
    def call(i: int) -> int:
        if i % 3 == 0:
            raise fail("CA405", budget="max-tokens", limit=10)
        return i

    outcomes = map_bounded(call, range(7), 3)
    assert [o.ok for o in outcomes] == [False, True, True, False, True, True, False]
    assert all(o.error.code == "CA405" for o in outcomes if o.error is not None)
    assert [o.value for o in outcomes if o.ok] == [1, 2, 4, 5]


def test_other_exceptions_propagate() -> None:
    def call(i: int) -> int:
        if i == 2:
            raise RuntimeError("bug")
        return i

    with pytest.raises(RuntimeError, match="bug"):
        map_bounded(call, range(10), 3)


def test_empty_input_and_bad_limit() -> None:
    assert map_bounded(lambda i: i, [], 4) == []
    with pytest.raises(ValueError, match="at least 1"):
        map_bounded(lambda i: i, [1, 2], 0)


def test_outcome_error_is_a_ci_agent_error() -> None:
    outcome = map_bounded(lambda i: (_ for _ in ()).throw(fail("CA402", attempts=3)), [1], 2)[0]
    assert isinstance(outcome.error, CiAgentError)
    assert outcome.value is None
