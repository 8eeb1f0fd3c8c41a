"""The bookkeeping of a run's rounds: which targets each engine (or model attempt) is asked
for, the verdicts so far, and what was skipped, noted or stopped."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence

from ci_agent.testgen.context import TargetContext, build_context
from ci_agent.testgen.targets import Target
from ci_agent.testgen.verdict import Verdict
from ci_agent.testgen.writer import output_path

__all__ = ["Rounds"]


class Rounds:
    """What the rounds of one run have found so far (shared by the proposing threads)."""

    def __init__(
        self,
        targets: Sequence[Target],
        sources: Mapping[str, str],
        output: str,
    ) -> None:
        self.targets = list(targets)
        self.sources = dict(sources)
        self.paths = {t.key: output_path(output, t, sources) for t in targets}
        self.verdicts: list[Verdict] = []
        self.previous: dict[str, Verdict] = {}
        self.skipped: list[tuple[str, str]] = []
        self.notes: list[str] = []
        self.stop: list[str] = []
        self.started: set[str] = set()
        self._contexts: dict[str, TargetContext] = {}
        self._lock = threading.Lock()

    def context(self, target: Target) -> TargetContext:
        """The target's context, built once."""
        with self._lock:
            if target.key not in self._contexts:
                self._contexts[target.key] = build_context(target, self.sources)
            return self._contexts[target.key]

    def add(self, verdict: Verdict) -> None:
        """A candidate's verdict; the next attempt of its target sees it."""
        with self._lock:
            self.verdicts.append(verdict)
            self.previous[verdict.candidate.proposed_for] = verdict

    def open_for(self, engine: str, attempt: int) -> list[Target]:
        """The model: targets without an accepted test (after the first attempt, those its
        previous attempt was refused for); an offline engine: targets whose accepted tests
        still leave lines, branches or mutants of it unchecked."""
        if engine == "model":
            return [
                t
                for t in self.targets
                if not self._accepted(t) and (attempt == 1 or self._last_attempt(t) == attempt - 1)
            ]
        return [t for t in self.targets if self._left(t)]

    def _accepted(self, target: Target) -> list[Verdict]:
        """Accepted candidates written for the target or assigned to it."""
        return [
            v
            for v in self.verdicts
            if v.accepted and target.key in (v.candidate.target, v.candidate.proposed_for)
        ]

    def _gaining(self, target: Target) -> list[Verdict]:
        """Accepted candidates of the target's file that run some of its missing code (a
        candidate is judged on every target of its file it gains on)."""
        path = target.path + "::"
        wanted = set(target.missing_lines)
        branches = set(target.missing_branches)
        return [
            v
            for v in self.verdicts
            if v.accepted
            and v.candidate.target.startswith(path)
            and (
                v.candidate.target == target.key
                or wanted & set(v.gained_lines)
                or branches & set(v.gained_branches)
            )
        ]

    def _last_attempt(self, target: Target) -> int:
        last = self.previous.get(target.key)
        return last.candidate.attempt if last is not None else 0

    def _left(self, target: Target) -> bool:
        accepted = self._gaining(target)
        if not accepted:
            return True
        lines = set(target.missing_lines) - {n for v in accepted for n in v.gained_lines}
        branches = set(target.missing_branches) - {b for v in accepted for b in v.gained_branches}
        inside = set(target.span)
        killed = {(m.line, m.description) for v in accepted for m in v.killed}
        alive = {
            (m.line, m.description) for v in accepted for m in v.survived if m.line in inside
        } - killed
        return bool(lines or branches or alive)
