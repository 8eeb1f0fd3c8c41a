"""Values of the funnel: a candidate test module, each gate's result, and the verdict."""

from __future__ import annotations

from dataclasses import dataclass, field

from ci_agent.testgen.coverage_data import Branch
from ci_agent.testgen.mutants import Mutant

__all__ = ["GATES", "Candidate", "GateResult", "Limits", "Verdict"]

# The gates in the order a candidate meets them (docs/tests.md explains each).
GATES = ("lint", "collect", "alone", "repeat", "coverage", "mutants", "suite")


@dataclass(frozen=True)
class Limits:
    """How hard the funnel checks and how long it waits."""

    repeat_runs: int = 5
    test_timeout: float = 60.0
    max_mutants: int = 12
    sleep_bound: float = 1.0


@dataclass(frozen=True)
class Candidate:
    """One generated pytest module for one target."""

    target: str  # Target.key
    source: str
    engine: str  # "model", "ghostwriter"
    attempt: int = 1


@dataclass(frozen=True)
class GateResult:
    """One gate passed or refused, and why."""

    gate: str
    passed: bool
    reason: str = ""
    seconds: float = 0.0

    def to_dict(self) -> dict[str, object]:
        """JSON form."""
        return {
            "gate": self.gate,
            "passed": self.passed,
            "reason": self.reason,
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True)
class Verdict:
    """What the funnel found out about one candidate."""

    candidate: Candidate
    gates: tuple[GateResult, ...]
    source: str = ""  # the module as checked (formatted)
    tests: tuple[str, ...] = ()
    gained_lines: tuple[int, ...] = ()
    gained_branches: tuple[Branch, ...] = ()
    killed: tuple[Mutant, ...] = ()
    survived: tuple[Mutant, ...] = ()
    killed_by_test: dict[str, int] = field(default_factory=dict)
    failure: str = ""  # the cleaned failure, for the next attempt
    isolated: str = ""  # why it ran apart from its batch (another candidate harmed it)

    @property
    def accepted(self) -> bool:
        """Every gate it met passed (the suite gate comes later, for all accepted together)."""
        return bool(self.gates) and all(g.passed for g in self.gates)

    @property
    def refused_at(self) -> str | None:
        """The gate that refused it."""
        return next((g.gate for g in self.gates if not g.passed), None)

    def to_dict(self) -> dict[str, object]:
        """JSON form."""
        return {
            "target": self.candidate.target,
            "engine": self.candidate.engine,
            "attempt": self.candidate.attempt,
            "accepted": self.accepted,
            "refused_at": self.refused_at,
            "gates": [g.to_dict() for g in self.gates],
            "tests": list(self.tests),
            "gained_lines": list(self.gained_lines),
            "gained_branches": [f"{a}->{b}" for a, b in self.gained_branches],
            "mutants_killed": [m.to_dict() for m in self.killed],
            "mutants_survived": [m.to_dict() for m in self.survived],
            **({"isolated": self.isolated} if self.isolated else {}),
        }
