"""The run's LLM budget: hard caps on tokens and cost, checked before each request is sent.

A request reserves its worst case (estimated input plus the full output allowance) before it
is sent; when that reservation could pass a cap, the request is refused with CA405 and never
sent. After the answer, the reservation is replaced by the tokens the server reported. One
Budget is shared by every thread of a run.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from ci_agent.config_model import LLMConfig, Price
from ci_agent.errors import CiAgentError, fail
from ci_agent.json_form import json_meta, rounded
from ci_agent.metrics import Metrics

__all__ = ["Budget", "BudgetTotals", "Reservation", "is_budget_exhausted", "request_cost"]

PER_MILLION = 1_000_000


def request_cost(price: Price | None, tokens_in: int, tokens_out: int) -> float:
    """Cost in US dollars of a request; 0 when the price is unknown."""
    if price is None:
        return 0.0
    return (tokens_in * price.input + tokens_out * price.output) / PER_MILLION


def is_budget_exhausted(error: BaseException) -> bool:
    """True for the run-level cap errors (CA405 on max-tokens or max-cost)."""
    return (
        isinstance(error, CiAgentError)
        and error.code == "CA405"
        and error.context.get("budget") in ("max-tokens", "max-cost")
    )


@dataclass(frozen=True)
class Reservation:
    """Tokens and cost held for a request in flight."""

    tokens: int
    cost: float


@dataclass(frozen=True)
class BudgetTotals:
    """A budget's totals and caps at one moment (its JSON form is the report's)."""

    requests: int
    refused: int
    tokens: int
    cost_usd: float = field(metadata=json_meta(convert=rounded(6)))
    max_tokens: int | None
    max_cost: float | None


class Budget:
    """Per-run caps and totals; thread-safe; records every answered request in Metrics."""

    def __init__(
        self,
        max_tokens: int | None = None,
        max_cost: float | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.max_tokens = max_tokens
        self.max_cost = max_cost
        self._metrics = metrics
        self._lock = threading.Lock()
        self._used_tokens = 0
        self._used_cost = 0.0
        self._held_tokens = 0
        self._held_cost = 0.0
        self.requests = 0
        self.refused = 0

    @classmethod
    def from_config(cls, config: LLMConfig, metrics: Metrics | None = None) -> Budget:
        """A budget with the caps of ``llm.max-tokens`` and ``llm.max-cost``."""
        return cls(config.max_tokens, config.max_cost, metrics)

    @property
    def used_tokens(self) -> int:
        """Tokens of answered requests."""
        return self._used_tokens

    @property
    def used_cost(self) -> float:
        """Cost in US dollars of answered requests."""
        return self._used_cost

    def reserve(self, price: Price | None, tokens_in: int, max_output: int) -> Reservation:
        """Hold the worst case of a request, or refuse it (CA405) if it could pass a cap."""
        need_tokens = tokens_in + max_output
        need_cost = request_cost(price, tokens_in, max_output)
        with self._lock:
            if self.max_tokens is not None:
                committed = self._used_tokens + self._held_tokens
                if committed + need_tokens > self.max_tokens:
                    self.refused += 1
                    raise _exhausted("max-tokens", self.max_tokens, committed, need_tokens)
            if self.max_cost is not None:
                if price is None:
                    self.refused += 1
                    raise fail(
                        "CA405",
                        "the run's max-cost cap cannot be enforced: the model's price is unknown",
                        suggestion="Add the model to llm.prices (USD per million tokens), "
                        "or remove llm.max-cost.",
                        budget="max-cost",
                        limit=self.max_cost,
                    )
                committed_cost = self._used_cost + self._held_cost
                if committed_cost + need_cost > self.max_cost:
                    self.refused += 1
                    raise _exhausted("max-cost", self.max_cost, committed_cost, need_cost)
            self._held_tokens += need_tokens
            self._held_cost += need_cost
        return Reservation(need_tokens, need_cost)

    def release(self, reservation: Reservation) -> None:
        """Give back a reservation whose request failed before an answer."""
        with self._lock:
            self._held_tokens -= reservation.tokens
            self._held_cost -= reservation.cost

    def commit(
        self, reservation: Reservation, price: Price | None, tokens_in: int, tokens_out: int
    ) -> float:
        """Replace a reservation by what the answer used; return the request's cost."""
        cost = request_cost(price, tokens_in, tokens_out)
        with self._lock:
            self._held_tokens -= reservation.tokens
            self._held_cost -= reservation.cost
            self._used_tokens += tokens_in + tokens_out
            self._used_cost += cost
            self.requests += 1
        if self._metrics is not None:
            self._metrics.count_llm(tokens_in, tokens_out, cost)
        return cost

    def totals(self) -> BudgetTotals:
        """Totals and caps so far, for reports."""
        with self._lock:
            return BudgetTotals(
                self.requests,
                self.refused,
                self._used_tokens,
                self._used_cost,
                self.max_tokens,
                self.max_cost,
            )


def _shown(name: str, value: float) -> str:
    return f"${value:.4f}" if name == "max-cost" else f"{value:.0f} tokens"


def _exhausted(name: str, limit: float, used: float, need: float) -> CiAgentError:
    return fail(
        "CA405",
        f"the run's {name} cap of {_shown(name, limit)} was reached: {_shown(name, used)} used "
        f"or in flight, the next request could need {_shown(name, need)}; it was not sent",
        budget=name,
        limit=limit,
    )
