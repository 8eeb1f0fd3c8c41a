"""The patch loop: ask the model for edits, apply them in a scratch worktree, check the
policy, prove them with the failing tests; at most K attempts within the LLM budget.

The result is a verified patch (the diff and its evidence) or a refusal with reasons, never
an unverified patch. The model's answer holds edits only: nothing it writes is run.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Literal

from ci_agent.change.danger import failure_sites
from ci_agent.change.edits import PatchProposal, plan_edits, write_plan
from ci_agent.change.policy import PatchPolicy, check_changes
from ci_agent.change.proof import (
    ProofConfig,
    TestRun,
    Verdict,
    broader_targets,
    prove,
    run_pytest,
    valid_test_ids,
)
from ci_agent.change.test_runner import TestRunner, find_test_runner
from ci_agent.change.worktree import reset_worktree, scratch_worktree, worktree_diff
from ci_agent.config_model import FixConfig
from ci_agent.config_tests import TestsConfig
from ci_agent.errors import CiAgentError
from ci_agent.fix.context import SourceWindow, defuse, source_windows
from ci_agent.git import Git
from ci_agent.llm.budget import is_budget_exhausted
from ci_agent.llm.provider import LLMProvider, Message
from ci_agent.llm.structured import complete_structured
from ci_agent.render import TemplateRenderer
from ci_agent.triage.report import JobReport

__all__ = ["Attempt", "FixResult", "FixTask", "Status", "run_fix_loop"]

Status = Literal["verified", "refused", "budget-exhausted"]


@dataclass(frozen=True)
class FixTask:
    """What to fix: the failing commit, its failing tests and what triage found."""

    sha: str
    failing_tests: tuple[str, ...]
    locations: tuple[str, ...] = ()
    excerpt: str = ""
    kind: str = ""
    broader: tuple[str, ...] = ()  # empty: the test files of the failing tests
    changed: tuple[str, ...] = ()  # files the pull request (or commit) changes

    @classmethod
    def from_report(cls, report: JobReport, sha: str) -> FixTask:
        """The task for a triaged job at commit ``sha``."""
        return cls(sha, report.failing_tests, report.locations, report.excerpt, str(report.kind))


@dataclass(frozen=True)
class Attempt:
    """One model answer and what verification made of it."""

    JSON_KEYS: ClassVar = ("number", "explanation", "reasons")

    number: int
    explanation: str
    reasons: tuple[str, ...]
    verdict: Verdict | None = None

    @property
    def output(self) -> str:
        """The tail of the test run that failed, if one ran."""
        if self.verdict is None:
            return ""
        failed = [r for r in (*self.verdict.after, self.verdict.broader) if r and not r.ok]
        return failed[-1].tail if failed else ""


@dataclass(frozen=True)
class FixResult:
    """A verified patch with its evidence, or a refusal (or budget stop) with reasons."""

    JSON_KEYS: ClassVar = ("status", "reasons", "diff", "before", "verdict", "attempts")

    status: Status
    reasons: tuple[str, ...]
    attempts: tuple[Attempt, ...] = ()
    before: TestRun | None = None
    diff: str = ""
    verdict: Verdict | None = field(default=None)

    @property
    def verified(self) -> bool:
        """Whether a proven patch is attached."""
        return self.status == "verified"


def run_fix_loop(
    provider: LLMProvider,
    git: Git,
    task: FixTask,
    config: FixConfig | None = None,
    *,
    renderer: TemplateRenderer | None = None,
    tests: TestsConfig | None = None,
    runner: TestRunner | None = None,
) -> FixResult:
    """Try up to ``config.max_attempts`` model patches for ``task``; return the first that is
    proven, or a refusal. CA404 (unusable answers) propagates; a budget stop is a result.

    The tests run through ``runner``, by default the job's pytest found as ``tests`` says
    (CA560-CA564 when there is none, or no safe way to run it)."""
    config = config or FixConfig()
    tests = tests or TestsConfig()
    renderer = renderer or TemplateRenderer()
    policy = PatchPolicy(config.protected_paths, failure_sites(task.locations))
    proof = ProofConfig(runs=config.verify_runs, timeout=tests.timeout or config.test_timeout)
    with scratch_worktree(git, task.sha) as root:
        ids = valid_test_ids(root, task.failing_tests)
        if not ids:
            return FixResult("refused", ("no failing test id names a test file in the commit",))
        tester = runner or find_test_runner(tests, root)
        before = run_pytest(tester, root, ids, proof.timeout)
        if before.failed == 0 or before.timed_out:
            why = "timed out" if before.timed_out else "do not fail"
            reason = (
                f"the failing tests {why} at {task.sha[:12]} before any patch; nothing to prove"
            )
            return FixResult("refused", (reason,), before=before)
        broader = valid_test_ids(root, task.broader) or broader_targets(ids)
        windows = source_windows(root, task.locations, ids)
        bench = _Bench(root, tester, policy, ids, broader, proof, before)
        system = renderer.render("prompts/fix_system.j2", protected=policy.protected_paths)
        attempts: list[Attempt] = []
        for number in range(1, config.max_attempts + 1):
            user = _fitting_prompt(
                provider,
                system,
                renderer=renderer,
                task=task,
                ids=ids,
                windows=windows,
                attempts=attempts,
            )
            try:
                proposal = complete_structured(
                    provider, (Message("system", system), Message("user", user)), PatchProposal
                )
            except CiAgentError as exc:
                if not is_budget_exhausted(exc):
                    raise
                done = f"after {len(attempts)} attempt(s)" if attempts else "before any attempt"
                reason = f"LLM budget exhausted {done}: {exc.message}; no patch was verified"
                return FixResult("budget-exhausted", (reason,), tuple(attempts), before)
            attempt = bench.attempt(proposal, number)
            attempts.append(attempt)
            if attempt.verdict is not None and attempt.verdict.verified:
                diff = worktree_diff(root)
                proven = (attempt.verdict.reason,)
                return FixResult("verified", proven, tuple(attempts), before, diff, attempt.verdict)
        reason = f"no verified patch after {len(attempts)} attempt(s) (fix.max-attempts)"
        reasons = (reason, *(f"attempt {a.number}: {r}" for a in attempts for r in a.reasons))
        return FixResult("refused", reasons, tuple(attempts), before)


@dataclass(frozen=True)
class _Bench:
    """Where and how attempts are checked: the worktree, the policy, the tests to run."""

    root: Path
    runner: TestRunner
    policy: PatchPolicy
    ids: tuple[str, ...]
    broader: tuple[str, ...]
    proof: ProofConfig
    before: TestRun

    def attempt(self, proposal: PatchProposal, number: int) -> Attempt:
        """Apply one proposal to a clean worktree, check it against the policy, prove it."""
        reset_worktree(self.root)
        explanation = proposal.explanation
        plan = plan_edits(self.root, proposal)
        if not plan.ok:
            return Attempt(number, explanation, plan.refused)
        refused = check_changes(plan.changes, self.policy)
        if refused:
            return Attempt(number, explanation, tuple(f"policy: {r}" for r in refused))
        write_plan(self.root, plan.changes)
        verdict = prove(
            self.runner, self.root, self.ids, self.broader, self.proof, before=self.before
        )
        reasons: tuple[str, ...] = () if verdict.verified else (verdict.reason,)
        return Attempt(number, explanation, reasons, verdict)


def _fitting_prompt(
    provider: LLMProvider,
    system: str,
    *,
    renderer: TemplateRenderer,
    task: FixTask,
    ids: Sequence[str],
    windows: Sequence[SourceWindow],
    attempts: Sequence[Attempt],
) -> str:
    """The user prompt, trimmed to the model's per-request input cap: source windows go
    first (the last ones, farthest from the failure), then older attempts, then the excerpt's
    head. A repair round re-sends the prompt with the invalid answer, hence the margin."""
    from ci_agent.llm.guard import estimate_request
    from ci_agent.llm.structured import response_format_for

    profile = provider.profile
    wanted = response_format_for(PatchProposal, profile.json_mode)
    limit = profile.input_cap - min(2000, profile.input_cap // 8)
    kept_windows, kept_attempts, excerpt = list(windows), list(attempts), task.excerpt
    while True:
        current = dataclasses.replace(task, excerpt=excerpt)
        user = _user_prompt(renderer, current, ids, kept_windows, kept_attempts)
        messages = (Message("system", system), Message("user", user))
        if estimate_request(messages, wanted) <= limit:
            return user
        if len(kept_windows) > 1:
            kept_windows.pop()
        elif len(kept_attempts) > 1:
            kept_attempts.pop(0)
        elif len(excerpt) > 400:
            excerpt = "...\n" + excerpt[len(excerpt) // 2 :]
        else:
            return user  # the guard refuses it with CA405: nothing left to trim


def _user_prompt(
    renderer: TemplateRenderer,
    task: FixTask,
    ids: Sequence[str],
    windows: Sequence[SourceWindow],
    attempts: Sequence[Attempt],
) -> str:
    previous = [
        {
            "number": a.number,
            "explanation": defuse(a.explanation),
            "reasons": [defuse(r) for r in a.reasons],
            "output": defuse(a.output),
        }
        for a in attempts
    ]
    return renderer.render(
        "prompts/fix_user.j2",
        kind=task.kind,
        failing_tests=[defuse(t) for t in ids],
        locations=[defuse(loc) for loc in task.locations],
        excerpt=defuse(task.excerpt),
        changed=[defuse(c) for c in task.changed[:50]],
        files=windows,
        previous=previous,
    )
