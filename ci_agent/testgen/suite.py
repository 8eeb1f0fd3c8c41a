"""The last gate: the whole suite, with every accepted test in place, is still green. A
candidate that turns it red on its own is dropped (it pollutes global state or breaks a fixture)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from ci_agent.testgen.execute import Execution, Executor
from ci_agent.testgen.funnel import clean_failure
from ci_agent.testgen.scratch import scratch_copy
from ci_agent.testgen.writer import GeneratedFile

__all__ = ["SuiteResult", "check_suite", "run_suite"]


@dataclass(frozen=True)
class SuiteResult:
    """The files the suite keeps, the targets whose tests it drops and why."""

    kept: tuple[GeneratedFile, ...]
    dropped: dict[str, str]  # key (a target, or a file when merging) -> reason
    runs: int
    seconds: float


T = TypeVar("T")


def run_suite(
    executor: Executor, root: Path, files: Sequence[GeneratedFile], *, timeout: float
) -> Execution:
    """The whole suite of a scratch copy of ``root`` with ``files`` added."""
    with scratch_copy(root) as copy:
        for generated in files:
            target = copy / generated.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(generated.text, encoding="utf-8")
        extra = [str(copy)] + ([str(copy / "src")] if (copy / "src").is_dir() else [])
        return executor.python(
            ["-m", "pytest", "-q", "-p", "no:cacheprovider", "-rfE"],
            cwd=copy,
            timeout=timeout,
            env={"PYTHONPATH": ":".join(extra)},
        )


def check_suite(
    executor: Executor,
    root: Path,
    accepted: Sequence[T],
    compose: Callable[[Sequence[T]], list[GeneratedFile]],
    key: Callable[[T], str],
    *,
    timeout: float,
) -> SuiteResult:
    """All accepted candidates together; when the suite is red, each candidate alone, dropping
    those that turn it red; when only the combination fails, they are added one by one in the
    given order and each one that turns it red is dropped."""
    if not accepted:
        return SuiteResult((), {}, 0, 0.0)
    files = compose(accepted)
    together = run_suite(executor, root, files, timeout=timeout)
    if together.ok:
        return SuiteResult(tuple(files), {}, 1, together.seconds)
    kept: list[T] = []
    dropped: dict[str, str] = {}
    seconds, runs = together.seconds, 1
    for verdict in accepted:
        alone = run_suite(executor, root, compose([verdict]), timeout=timeout)
        seconds, runs = seconds + alone.seconds, runs + 1
        if alone.ok:
            kept.append(verdict)
        else:
            dropped[key(verdict)] = _reason(alone)
    files = compose(kept)
    if len(kept) > 1:
        again = run_suite(executor, root, files, timeout=timeout)
        seconds, runs = seconds + again.seconds, runs + 1
        if not again.ok:
            # Only a combination fails: add them one by one in the given order (those harmed
            # by others first, as the caller orders them), dropping each one that turns the
            # suite red together with those kept before it.
            together_ok: list[T] = []
            for verdict in kept:
                trial = run_suite(executor, root, compose([*together_ok, verdict]), timeout=timeout)
                seconds, runs = seconds + trial.seconds, runs + 1
                if trial.ok:
                    together_ok.append(verdict)
                else:
                    reason = "the suite fails with it and the tests kept before it: "
                    dropped[key(verdict)] = reason + _reason(trial)
            kept = together_ok
            files = compose(kept)
    return SuiteResult(tuple(files), dropped, runs, seconds)


def _reason(ran: Execution) -> str:
    if ran.timed_out:
        return "the suite timed out"
    summary = [line for line in ran.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))]
    if summary:
        return "the suite fails: " + "; ".join(summary[:3])
    return "the suite fails: " + clean_failure(ran.output)[-300:]
