"""Budget arithmetic: worst-case reservations, caps refused before sending, thread safety."""

from __future__ import annotations

import threading

import pytest

from ci_agent.config_model import LLMConfig, Price
from ci_agent.errors import CiAgentError
from ci_agent.json_form import to_json
from ci_agent.llm.budget import Budget, is_budget_exhausted, request_cost
from ci_agent.metrics import Metrics

PRICE = Price(input=2.0, output=8.0)  # gpt-4.1, USD per million tokens


def test_request_cost_is_per_million_tokens() -> None:
    assert request_cost(PRICE, 1_000_000, 0) == pytest.approx(2.0)
    assert request_cost(PRICE, 0, 1_000_000) == pytest.approx(8.0)
    assert request_cost(PRICE, 1000, 500) == pytest.approx(0.002 + 0.004)
    assert request_cost(None, 1000, 500) == 0.0


def test_commit_replaces_the_reservation_with_the_real_usage_and_records_metrics() -> None:
    metrics = Metrics()
    budget = Budget(max_tokens=10_000, max_cost=1.0, metrics=metrics)
    held = budget.reserve(PRICE, 1000, 4000)
    assert held.tokens == 5000
    assert held.cost == pytest.approx(request_cost(PRICE, 1000, 4000))
    cost = budget.commit(held, PRICE, 900, 100)
    assert cost == pytest.approx(request_cost(PRICE, 900, 100))
    assert budget.used_tokens == 1000
    assert budget.used_cost == pytest.approx(cost)
    llm = to_json(metrics.snapshot())["llm"]
    assert llm == {"requests": 1, "tokens_in": 900, "tokens_out": 100, "cost_usd": round(cost, 6)}


def test_a_request_that_could_pass_the_token_cap_is_refused() -> None:
    budget = Budget(max_tokens=5000)
    budget.commit(budget.reserve(None, 1000, 1000), None, 1000, 1000)
    with pytest.raises(CiAgentError) as info:
        budget.reserve(None, 1000, 2500)  # 2000 used + 3500 worst case > 5000
    error = info.value
    assert error.code == "CA405"
    assert error.context["budget"] == "max-tokens"
    assert "not sent" in error.message
    assert "llm.max-tokens" in error.suggestion
    assert is_budget_exhausted(error)
    assert budget.refused == 1
    budget.reserve(None, 1000, 2000)  # exactly at the cap is allowed


def test_a_request_that_could_pass_the_cost_cap_is_refused() -> None:
    budget = Budget(max_cost=0.01)
    with pytest.raises(CiAgentError) as info:
        budget.reserve(PRICE, 1000, 2000)  # $0.002 + $0.016
    assert info.value.context["budget"] == "max-cost"
    assert "$0.0100" in info.value.message


def test_cost_cap_with_an_unknown_price_cannot_be_enforced() -> None:
    budget = Budget(max_cost=5.0)
    with pytest.raises(CiAgentError) as info:
        budget.reserve(None, 10, 10)
    assert info.value.code == "CA405"
    assert "llm.prices" in info.value.suggestion


def test_released_reservations_free_the_room() -> None:
    budget = Budget(max_tokens=1000)
    held = budget.reserve(None, 500, 500)
    with pytest.raises(CiAgentError):
        budget.reserve(None, 1, 1)
    budget.release(held)
    budget.reserve(None, 500, 500)


def test_no_caps_means_no_refusals() -> None:
    budget = Budget.from_config(LLMConfig())
    for _ in range(100):
        budget.commit(budget.reserve(PRICE, 100_000, 100_000), PRICE, 100_000, 100_000)
    assert to_json(budget.totals())["requests"] == 100


def test_in_flight_reservations_are_shared_across_threads() -> None:
    budget = Budget(max_tokens=10_000)
    granted: list[int] = []
    refused: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(40)

    def worker(i: int) -> None:
        start.wait()
        try:
            budget.reserve(None, 300, 700)
        except CiAgentError:
            with lock:
                refused.append(i)
        else:
            with lock:
                granted.append(i)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(granted) == 10
    assert len(refused) == 30
    assert budget.refused == 30


def test_input_cap_errors_are_not_run_budget_exhaustion() -> None:
    from ci_agent.errors import fail

    error = fail("CA405", budget="request-input-cap", limit=8000)
    assert not is_budget_exhausted(error)
    assert not is_budget_exhausted(ValueError("x"))
