"""The proof of a patch: the failing tests fail before it, pass N times after it, and the
broader check passes. pytest runs as an argument list, never a shell, in a clean environment."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ci_agent.change.edits import safe_path

__all__ = [
    "ProofConfig",
    "TestRun",
    "Verdict",
    "broader_targets",
    "clean_environment",
    "prove",
    "run_pytest",
    "valid_test_ids",
]

TAIL_LINES = 40
# Only what a test run needs; tokens and every other variable of the CI job stay out.
KEPT_VARIABLES = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "SYSTEMROOT", "TEMP", "TMP")
_COUNT = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed|deselected)")


def clean_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment pytest gets: a few harmless variables, no tokens or secrets."""
    source = os.environ if environ is None else environ
    env = {k: source[k] for k in KEPT_VARIABLES if k in source}
    env.update(PYTHONDONTWRITEBYTECODE="1", PYTHONHASHSEED="0", CI="true")
    return env


@dataclass(frozen=True)
class ProofConfig:
    """How hard a patch is tested: runs after the patch, and a timeout per pytest run."""

    runs: int = 3
    timeout: float = 300.0


@dataclass(frozen=True)
class TestRun:
    """One pytest run: what it ran, its counts, exit status and the tail of its output."""

    __test__ = False  # not a pytest test class

    targets: tuple[str, ...]
    passed: int
    failed: int
    returncode: int | None
    tail: str
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        """pytest exited 0 (all collected tests passed) and ran at least one test."""
        return self.returncode == 0 and self.passed > 0 and self.failed == 0

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "targets": list(self.targets),
            "passed": self.passed,
            "failed": self.failed,
            "returncode": self.returncode,
            "timed_out": self.timed_out,
            "tail": self.tail,
        }


@dataclass(frozen=True)
class Verdict:
    """Whether the patch is proven, why not, and the runs that show it."""

    verified: bool
    reason: str
    after: tuple[TestRun, ...] = ()
    broader: TestRun | None = None
    before: TestRun | None = field(default=None)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "verified": self.verified,
            "reason": self.reason,
            "before": self.before.to_dict() if self.before else None,
            "after": [r.to_dict() for r in self.after],
            "broader": self.broader.to_dict() if self.broader else None,
        }


def valid_test_ids(root: Path, test_ids: Sequence[str]) -> tuple[str, ...]:
    """The test ids that name a file inside ``root`` and cannot pass as a pytest option."""
    kept = []
    for test_id in test_ids:
        file = test_id.split("::", 1)[0]
        if test_id.startswith("-") or "\n" in test_id or not file.endswith(".py"):
            continue
        target = safe_path(root, file)
        if target is not None and target.is_file():
            kept.append(test_id)
    return tuple(dict.fromkeys(kept))


def broader_targets(test_ids: Sequence[str]) -> tuple[str, ...]:
    """The default broader check: the whole test files the failing tests live in."""
    return tuple(dict.fromkeys(t.split("::", 1)[0] for t in test_ids))


def run_pytest(root: Path, targets: Sequence[str], timeout: float) -> TestRun:
    """Run ``python -m pytest TARGETS`` in ``root``; the targets were checked by the caller."""
    args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--color=no"]
    try:
        proc = subprocess.run(
            [*args, *targets],
            cwd=root,
            env=clean_environment(),
            capture_output=True,
            stdin=subprocess.DEVNULL,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        output = _text(exc.stdout) + _text(exc.stderr)
        return TestRun(tuple(targets), 0, 0, None, _tail(output), timed_out=True)
    output = _text(proc.stdout) + _text(proc.stderr)
    counts: dict[str, int] = {}
    for number, word in _COUNT.findall(output.splitlines()[-1] if output.strip() else ""):
        counts[word.rstrip("s") if word.startswith("error") else word] = int(number)
    failed = counts.get("failed", 0) + counts.get("error", 0)
    return TestRun(tuple(targets), counts.get("passed", 0), failed, proc.returncode, _tail(output))


def prove(
    root: Path,
    test_ids: Sequence[str],
    broader: Sequence[str],
    config: ProofConfig,
    before: TestRun | None = None,
) -> Verdict:
    """After the patch: the failing tests pass ``config.runs`` times in a row, then the
    broader check passes. ``before`` is the run that showed them failing."""
    runs: list[TestRun] = []
    for number in range(1, config.runs + 1):
        run = run_pytest(root, test_ids, config.timeout)
        runs.append(run)
        if not run.ok:
            why = "timed out" if run.timed_out else f"{run.failed} failed, {run.passed} passed"
            reason = f"the failing tests still fail after the patch (run {number}: {why})"
            return Verdict(False, reason, tuple(runs), None, before)
        if run.passed < len(test_ids):  # some were deselected or not collected
            reason = f"only {run.passed} of {len(test_ids)} failing tests ran after the patch"
            return Verdict(False, reason, tuple(runs), None, before)
    wider = run_pytest(root, broader, config.timeout)
    if not wider.ok:
        why = "timed out" if wider.timed_out else f"{wider.failed} failed, {wider.passed} passed"
        reason = f"the broader check failed after the patch ({why})"
        return Verdict(False, reason, tuple(runs), wider, before)
    reason = f"failing tests pass {config.runs}x after the patch; broader check passed"
    return Verdict(True, reason, tuple(runs), wider, before)


def _text(data: bytes | str | None) -> str:
    if data is None:
        return ""
    return data if isinstance(data, str) else data.decode("utf-8", errors="replace")


def _tail(output: str) -> str:
    return "\n".join(output.rstrip().splitlines()[-TAIL_LINES:])
