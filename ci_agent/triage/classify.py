"""Classification: which recovery strategy a failed job needs, and why.

==========================================  ============  =====================================
what failed                                 strategy      why
==========================================  ============  =====================================
network, registry 5xx, runner lost, OOM     ``rerun``     the machine or the network failed
kill, timeout, cancellation
a test that passed before on the same       ``rerun``     flaky: the same code passed
commit, or a known flaky test
lint, format                                ``fixers``    the repository's own fixers fix it
test, type, build, dependency, exception    ``patch``     the change needs a code fix
a failure on the default branch after a     ``analyze``   no automatic change to the default
merge (instead of fixers or patch)                        branch without a look first
a generic error, or nothing recognised      ``analyze``   the cause is not known
==========================================  ============  =====================================

``fix.triage.strategies`` overrides the strategy of a kind. Every decision carries its reason.
"""

from __future__ import annotations

import enum
import fnmatch
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, ClassVar

from ci_agent.record import Record, fill
from ci_agent.triage.known_flaky import KnownFlaky
from ci_agent.triage.model import Failure, Kind
from ci_agent.triage.signals import infrastructure_kind, infrastructure_signal

if TYPE_CHECKING:
    from ci_agent.config_model import TriageConfig

__all__ = ["DEFAULT_STRATEGIES", "Decision", "History", "Policy", "Strategy", "classify", "combine"]


class Strategy(enum.StrEnum):
    """How a failure is recovered from, weakest first."""

    RERUN = "rerun"
    FIXERS = "fixers"
    PATCH = "patch"
    ANALYZE = "analyze"


DEFAULT_STRATEGIES: Mapping[Kind, Strategy] = {
    **dict.fromkeys(
        (Kind.NETWORK, Kind.TIMEOUT, Kind.CANCELLED, Kind.RUNNER_LOST, Kind.OOM), Strategy.RERUN
    ),
    **dict.fromkeys((Kind.LINT, Kind.FORMAT), Strategy.FIXERS),
    **dict.fromkeys(
        (Kind.TEST, Kind.TYPE, Kind.BUILD, Kind.DEPENDENCY, Kind.EXCEPTION), Strategy.PATCH
    ),
    **dict.fromkeys((Kind.ERROR, Kind.UNKNOWN), Strategy.ANALYZE),
}
_STRENGTH = {s: i for i, s in enumerate(Strategy)}
# When a job failed in several ways, the first kind here names it.
_KIND_ORDER = (
    Kind.TEST,
    Kind.TYPE,
    Kind.BUILD,
    Kind.DEPENDENCY,
    Kind.EXCEPTION,
    Kind.LINT,
    Kind.FORMAT,
    Kind.RUNNER_LOST,
    Kind.OOM,
    Kind.TIMEOUT,
    Kind.NETWORK,
    Kind.CANCELLED,
    Kind.ERROR,
    Kind.UNKNOWN,
)
_NOUNS = {
    Kind.TEST: "failing test",
    Kind.LINT: "lint violation",
    Kind.FORMAT: "file to reformat",
    Kind.TYPE: "type error",
    Kind.BUILD: "build error",
    Kind.DEPENDENCY: "dependency error",
    Kind.EXCEPTION: "uncaught exception",
    Kind.NETWORK: "network error",
    Kind.TIMEOUT: "timeout",
    Kind.CANCELLED: "cancellation",
    Kind.RUNNER_LOST: "lost runner",
    Kind.OOM: "out-of-memory kill",
    Kind.ERROR: "error",
}


class Policy(Record):
    """What configuration and context say: strategy overrides, known flaky tests, and whether
    the run is critical (a push to the default branch, that is after a merge)."""

    __slots__ = FIELDS = ("strategies", "flaky_tests", "critical", "known_flaky")

    strategies: Mapping[Kind, Strategy]
    flaky_tests: tuple[str, ...]
    critical: bool
    # What the CI insights dashboard found flaky (its jobs those of the triaged workflow).
    known_flaky: KnownFlaky

    def __init__(
        self,
        strategies: Mapping[Kind, Strategy] | None = None,
        flaky_tests: tuple[str, ...] = (),
        critical: bool = False,
        known_flaky: KnownFlaky | None = None,
    ) -> None:
        fill(
            self,
            {} if strategies is None else strategies,
            flaky_tests,
            critical,
            KnownFlaky() if known_flaky is None else known_flaky,
        )

    @classmethod
    def from_config(cls, config: TriageConfig, *, critical: bool = False) -> Policy:
        """The policy of ``fix.triage``."""
        overrides = {Kind(k): Strategy(v) for k, v in config.strategies.items()}
        return cls(overrides, tuple(config.flaky_tests), critical)

    def strategy(self, kind: Kind) -> Strategy:
        """The strategy for ``kind``: the configured one, else the default."""
        return self.strategies.get(kind) or DEFAULT_STRATEGIES[kind]


class History(Record):
    """What passed before on the same commit: job names (with where) and test ids."""

    __slots__ = FIELDS = ("passed_jobs", "passed_tests")

    passed_jobs: Mapping[str, str]
    passed_tests: frozenset[str]

    def __init__(
        self,
        passed_jobs: Mapping[str, str] | None = None,
        passed_tests: frozenset[str] = frozenset(),
    ) -> None:
        fill(self, {} if passed_jobs is None else passed_jobs, passed_tests)


class Decision(Record):
    """A strategy, the kind of failure it was decided on, the rule that decided, and why."""

    JSON_KEYS: ClassVar = ("strategy", "kind", "rule", "reason")
    __slots__ = FIELDS = ("strategy", "kind", "reason", "rule")

    strategy: Strategy
    kind: Kind
    reason: str
    rule: str

    def __init__(self, strategy: Strategy, kind: Kind, reason: str, rule: str) -> None:
        fill(self, strategy, kind, reason, rule)


def _count(kind: Kind, failures: Sequence[Failure]) -> str:
    same = [f for f in failures if f.kind is kind]
    tools = sorted({f.tool for f in same if f.tool})
    noun = _NOUNS.get(kind, str(kind))
    # A test reported twice (the log and a JUnit report, two subtests) is one failing test:
    # the count matches the failing tests listed.
    count = len({f.test_id or index for index, f in enumerate(same)})
    text = f"{count} {noun}{'' if count == 1 else 's'}"
    fixable = sum(1 for f in same if f.fixable)
    details = [", ".join(tools)] if tools else []
    if kind is Kind.LINT and fixable:
        details.append(f"{fixable} with an automatic fix")
    return f"{text} ({'; '.join(details)})" if details else text


def _first(kinds: set[Kind]) -> Kind:
    return next(kind for kind in _KIND_ORDER if kind in kinds)


def _quote(text: str, limit: int = 120) -> str:
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def classify(
    failures: Sequence[Failure],
    *,
    policy: Policy,
    history: History | None = None,
    job: str = "",
    step: str | None = None,
    exit_code: int | None = None,
) -> Decision:
    """Decide the strategy for one failed job from the failures of its failed steps."""
    history = history or History()
    where = f" in step '{step}'" if step else ""
    code = [f for f in failures if not f.kind.infrastructure and f.kind not in _GENERIC]
    infra = [f for f in failures if f.kind.infrastructure]
    # A test that failed with ConnectionResetError failed because of the network.
    # Thousands of failing tests often share a message: each message is read once.
    by_message = {message: infrastructure_kind(message) for message in {f.message for f in code}}
    explained = [by_message[f.message] for f in code]
    if (infra or code) and all(explained):
        kinds = {f.kind for f in infra} | {k for k in explained if k is not None}
        kind = _first(kinds)
        sample = next((f.message for f in (*infra, *code) if _explains(f, kind)), "")
        signal = infrastructure_signal(sample)
        phrase = f" ({signal[1]})" if signal and signal[0] is kind else ""
        reason = (
            f"{_NOUNS[kind]}{where}{phrase}: {_quote(sample)}: the machine or the network "
            "failed, not the change"
        )
        return Decision(policy.strategy(kind), kind, reason, "infrastructure")
    if code:
        flaky = _flaky(code, job, policy, history)
        if flaky is not None:
            return flaky
        kind = _first({f.kind for f in code})
        strategy, rule = policy.strategy(kind), "kind"
        present = {f.kind for f in code}
        counted = "; ".join(_count(k, code) for k in _KIND_ORDER if k in present)
        unfixable = [f for f in code if f.kind is kind and f.fixable is False]
        if unfixable and strategy is Strategy.FIXERS and kind not in policy.strategies:
            strategy, rule = Strategy.PATCH, "unfixable"
            codes = sorted({f.code or f.message for f in unfixable})
            more = f" and {len(codes) - _NAMED} more" if len(codes) > _NAMED else ""
            counted += f": {len(unfixable)} no fixer can fix ({', '.join(codes[:_NAMED])}{more})"
        counted += _named_infrastructure(code, explained, infra)
        if policy.critical and strategy in (Strategy.FIXERS, Strategy.PATCH):
            reason = (
                f"{counted}{where}, on the default branch after a merge: look before any "
                f"automatic change (else: {strategy})"
            )
            return Decision(Strategy.ANALYZE, kind, reason, "critical")
        return Decision(strategy, kind, f"{counted}{where}", rule)
    generic = [f for f in failures if f.kind is Kind.ERROR]
    if generic:
        reason = f"the step failed{where} with {_quote(generic[0].message)}; no known tool output"
        return Decision(policy.strategy(Kind.ERROR), Kind.ERROR, reason, "unknown")
    code_text = f" with exit code {exit_code}" if exit_code is not None else ""
    reason = f"the job failed{where}{code_text}; no failure recognised in its log"
    return Decision(policy.strategy(Kind.UNKNOWN), Kind.UNKNOWN, reason, "unknown")


_GENERIC = frozenset({Kind.ERROR, Kind.UNKNOWN})
_NAMED = 3  # infrastructure failures named in a mixed job's reason


def _named_infrastructure(
    code: Sequence[Failure], explained: Sequence[Kind | None], infra: Sequence[Failure]
) -> str:
    """Next to a real failure, the network and timeout failures, named (they are not the
    change's fault, and a patch should not try to fix them)."""
    noise = [f for f, k in zip(code, explained, strict=True) if k is not None]
    if not noise and not infra:
        return ""
    parts = []
    if noise:
        names = [f.test_id or _quote(f.message, 60) for f in noise]
        shown = ", ".join(names[:_NAMED]) + (
            f" and {len(names) - _NAMED} more" if len(names) > _NAMED else ""
        )
        parts.append(f"{len(noise)} of them failed on the network or a timeout ({shown})")
    if infra:
        kinds = sorted({_NOUNS[f.kind] for f in infra})
        parts.append(f"also {len(infra)} {'/'.join(kinds)} line(s): {_quote(infra[0].message, 60)}")
    return "; " + "; ".join(parts)


def _explains(failure: Failure, kind: Kind) -> bool:
    return failure.kind is kind or infrastructure_kind(failure.message) is kind


def _flaky(code: Sequence[Failure], job: str, policy: Policy, history: History) -> Decision | None:
    tests = sorted({f.test_id for f in code if f.test_id})
    only_tests = all(f.kind is Kind.TEST for f in code)
    if job and job in history.passed_jobs:
        reason = f"job '{job}' passed on the same commit ({history.passed_jobs[job]}): flaky"
        return Decision(Strategy.RERUN, Kind.TEST, reason, "flaky")
    if not tests or not only_tests:
        return None
    if all(t in history.passed_tests for t in tests):
        shown = ", ".join(tests[:3]) + (" ..." if len(tests) > 3 else "")
        reason = f"{shown} failed here but passed before on the same commit: flaky"
        return Decision(Strategy.RERUN, Kind.TEST, reason, "flaky")
    if policy.flaky_tests and all(
        any(fnmatch.fnmatchcase(t, pattern) for pattern in policy.flaky_tests) for t in tests
    ):
        reason = f"{len(tests)} failing test(s), all listed in fix.triage.flaky-tests: flaky"
        return Decision(Strategy.RERUN, Kind.TEST, reason, "known-flaky")
    return _insights_flaky(tests, job, policy.known_flaky)


def _insights_flaky(tests: Sequence[str], job: str, known: KnownFlaky) -> Decision | None:
    """Only failing tests, each (or their job) marked flaky by the CI insights dashboard."""
    where = f" ({known.source})" if known.source else ""
    evidence = known.tests_evidence(tests)
    if evidence is not None:
        reason = (
            f"{len(tests)} failing test(s), all flaky by the CI insights dashboard{where}: "
            f"{evidence}"
        )
        return Decision(Strategy.RERUN, Kind.TEST, reason, "insights-flaky")
    if job and job in known.jobs:
        reason = (
            f"job '{job}' is flaky by the CI insights dashboard{where}: {known.jobs[job]}; "
            f"its failing test(s): {', '.join(tests[:3])}{' ...' if len(tests) > 3 else ''}"
        )
        return Decision(Strategy.RERUN, Kind.TEST, reason, "insights-flaky")
    return None


def combine(decisions: Sequence[tuple[str, Decision]]) -> Decision:
    """The decision for a whole run: the strongest strategy any failed job needs."""
    if not decisions:
        return Decision(Strategy.ANALYZE, Kind.UNKNOWN, "no failed job was triaged", "unknown")
    _, strongest = max(decisions, key=lambda item: _STRENGTH[item[1].strategy])
    if len(decisions) == 1:
        return strongest
    strategies = Counter(d.strategy for _, d in decisions)
    parts = [f"{job}: {d.strategy} ({d.reason})" for job, d in decisions]
    head = (
        f"all {len(decisions)} failed jobs need {strongest.strategy}"
        if len(strategies) == 1
        else f"{strongest.strategy} is the strongest need"
    )
    return Decision(strongest.strategy, strongest.kind, f"{head}: " + "; ".join(parts), "jobs")
