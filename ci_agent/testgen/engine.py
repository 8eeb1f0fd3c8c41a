"""The one interface every generator implements: a test module for a target, or why not."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ci_agent.testgen.context import TargetContext
from ci_agent.testgen.verdict import Verdict

__all__ = ["Engine", "Proposal"]


@dataclass(frozen=True)
class Proposal:
    """A generator's answer: a module (or several independent ones, each its own candidate),
    or why there is none."""

    source: str | None
    problem: str = ""
    parts: tuple[str, ...] = ()


class Engine(Protocol):
    """Writes a candidate test module for a target, given the previous attempt's refusal."""

    @property
    def name(self) -> str:
        """The engine's name in reports (``model``, ``examples``, ``ghostwriter``)."""
        ...

    def propose(self, context: TargetContext, previous: Verdict | None) -> Proposal:
        """A module for the target, or a proposal carrying the problem."""
        ...
