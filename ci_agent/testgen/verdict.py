"""Values of the funnel: a candidate test module, each gate's result, and the verdict."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from ci_agent.json_form import OMIT, JsonKey, json_meta, rounded
from ci_agent.testgen.coverage_data import Branch
from ci_agent.testgen.mutants import Mutant
from ci_agent.testgen.targets import arcs

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
    # The target it was proposed for, when the coverage gate found it gains more on another
    # (``target`` is then that one); empty when they are the same.
    written_for: str = ""

    @property
    def proposed_for(self) -> str:
        """The target the engine wrote it for."""
        return self.written_for or self.target


@dataclass(frozen=True)
class GateResult:
    """One gate passed or refused, and why."""

    gate: str
    passed: bool
    reason: str = ""
    seconds: float = field(default=0.0, metadata=json_meta(convert=rounded(3)))


@dataclass(frozen=True)
class Verdict:
    """What the funnel found out about one candidate."""

    JSON_KEYS: ClassVar[tuple[JsonKey, ...]] = (
        ("target", lambda v: v.candidate.target),
        ("engine", lambda v: v.candidate.engine),
        ("attempt", lambda v: v.candidate.attempt),
        ("written_for", lambda v: v.candidate.written_for or OMIT),
        "accepted",
        "refused_at",
        "gates",
        "tests",
        "gained_lines",
        ("gained_branches", lambda v: arcs(v.gained_branches)),
        ("mutants_killed", lambda v: v.killed),
        ("mutants_survived", lambda v: v.survived),
        ("isolated", lambda v: v.isolated or OMIT),
    )

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
    # Lines and branches of the target's file that ran at import, outside any test: the
    # accepted file's import runs them too (a pull request's diff coverage counts them).
    imported_lines: tuple[int, ...] = ()
    imported_branches: tuple[Branch, ...] = ()

    @property
    def accepted(self) -> bool:
        """Every gate it met passed (the suite gate comes later, for all accepted together)."""
        return bool(self.gates) and all(g.passed for g in self.gates)

    @property
    def refused_at(self) -> str | None:
        """The gate that refused it."""
        return next((g.gate for g in self.gates if not g.passed), None)
