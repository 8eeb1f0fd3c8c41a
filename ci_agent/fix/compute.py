"""Computing a fix for a triaged failure: the repository's fixers for lint and format, the
model's patch loop for test, type and build failures. The result is a proven diff or the
reasons there is none; nothing here writes to GitHub.

This runs the repository's code (its tests, its fixers), so it belongs in an unprivileged
job: the pull request's own CI job, or a person's machine, never a ``workflow_run`` job.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ci_agent.json_form import json_meta, rounded, to_json
from ci_agent.triage.classify import Strategy
from ci_agent.triage.triage import TriageResult

if TYPE_CHECKING:
    from ci_agent.config_model import FixConfig
    from ci_agent.config_tests import TestsConfig
    from ci_agent.git import Git
    from ci_agent.llm.budget import Budget
    from ci_agent.llm.provider import LLMProvider

__all__ = ["Computation", "ProviderFactory", "compute_fix", "proof_line"]

# Builds the model provider only when a patch is needed (fixers and refusals need none).
ProviderFactory = Callable[[], "tuple[LLMProvider, Budget]"]


@dataclass(frozen=True)
class Computation:
    """What computing the fix produced: a verified diff, or a status with reasons."""

    strategy: str
    status: str  # verified | refused | nothing-to-fix | budget-exhausted | not-applicable
    reasons: tuple[str, ...]
    diff: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)
    tokens: int = 0
    cost: float = field(default=0.0, metadata=json_meta(convert=rounded(6)))

    @property
    def verified(self) -> bool:
        """Whether a proven diff is attached."""
        return self.status == "verified" and bool(self.diff)


def compute_fix(
    git: Git,
    sha: str,
    triage: TriageResult,
    config: FixConfig,
    provider: ProviderFactory,
    *,
    changed: tuple[str, ...] = (),
    tests: TestsConfig | None = None,
) -> Computation:
    """Fix ``sha`` as triage decided: fixers, the patch loop, or nothing for other strategies.

    ``changed`` names the files the pull request changes (shown to the model); ``tests``
    says how the repository's tests and fixers run (the job's environment, isolated)."""
    strategy = triage.decision.strategy
    if strategy is Strategy.FIXERS:
        from ci_agent.fix.fixers import run_fixers

        ran = run_fixers(git, sha, config, tests)
        evidence = to_json(ran)
        evidence.pop("diff", None)
        checks = ", ".join(" ".join(r.argv) for r in ran.after)
        evidence["verification"] = f"checks failed before and pass after the fixers: {checks}"
        evidence["explanation"] = "Ran the repository's fixers: " + ", ".join(
            " ".join(r.argv) for r in ran.fixes
        )
        return Computation(str(strategy), ran.status, ran.reasons, ran.diff, evidence)
    if strategy is Strategy.PATCH:
        return _patch(git, sha, triage, config, provider, changed=changed, tests=tests)
    why = f"the strategy is '{strategy}': ci-agent changes no code for it"
    return Computation(str(strategy), "not-applicable", (why,))


def _patch(
    git: Git,
    sha: str,
    triage: TriageResult,
    config: FixConfig,
    provider: ProviderFactory,
    *,
    changed: tuple[str, ...],
    tests: TestsConfig | None,
) -> Computation:
    from ci_agent.fix.loop import FixTask, run_fix_loop

    jobs = [j for j in triage.jobs if j.decision.strategy is Strategy.PATCH]
    # The job with failing test ids: the proof needs tests to run before and after.
    job = next((j for j in jobs if j.failing_tests), None)
    if job is None:
        why = "no failed job names a failing test, so a patch could not be proven"
        return Computation(str(Strategy.PATCH), "refused", (why,))
    others = tuple(t for j in jobs if j is not job for t in j.failing_tests)
    task = FixTask.from_report(job, sha)
    if others:
        # Tests failing in other jobs are fixed by the same patch or not at all.
        task = FixTask(
            sha,
            tuple(dict.fromkeys((*task.failing_tests, *others))),
            task.locations,
            task.excerpt,
            task.kind,
        )
    task = dataclasses.replace(task, changed=changed)
    llm, budget = provider()
    result = run_fix_loop(llm, git, task, config, tests=tests)
    evidence = to_json(result)
    evidence.pop("diff", None)
    evidence["job"] = job.job
    evidence["attempt"] = len(result.attempts)
    if result.attempts:
        evidence["explanation"] = result.attempts[-1].explanation
    if result.verdict is not None:
        evidence["verification"] = proof_line(to_json(result.verdict))
    return Computation(
        str(Strategy.PATCH),
        result.status,
        result.reasons,
        result.diff,
        evidence,
        budget.used_tokens,
        budget.used_cost,
    )


def proof_line(verdict: dict[str, Any]) -> str:
    """One line of evidence from a verdict's JSON form (it may come from an artifact)."""
    parts = []
    before = verdict.get("before")
    if isinstance(before, dict):
        parts.append(f"before: {before.get('failed', '?')} failed")
    after = verdict.get("after")
    if isinstance(after, list) and after:
        passed = sum(1 for r in after if isinstance(r, dict) and r.get("returncode") == 0)
        parts.append(f"after: passed {passed}/{len(after)} runs")
    broader = verdict.get("broader")
    if isinstance(broader, dict):
        ok = "passed" if broader.get("returncode") == 0 else "failed"
        parts.append(f"broader check {ok} ({broader.get('passed', '?')} tests)")
    return "; ".join(parts) or str(verdict.get("reason", ""))
