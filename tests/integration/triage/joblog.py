"""GitHub Actions job logs built around real tool output: a byte-order mark, a timestamp on
every line, the runner's set-up lines, a ``##[group]Run`` header per step and
``##[error]Process completed with exit code N.`` after a failed step, then post-job cleanup.
Shared by the triage tests and ``bench/triage.py``."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

__all__ = ["RunStep", "job_log", "run_tool", "stamp"]

START = datetime(2026, 11, 21, 10, 0, 0, tzinfo=UTC)


@dataclass(frozen=True)
class RunStep:
    """One ``run:`` step: its command, what it printed, and its exit code (0: it passed)."""

    command: str
    output: str
    exit_code: int = 0


def stamp(moment: datetime) -> str:
    """An Actions timestamp: seven fractional digits and a Z."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}0Z"


def _lines(steps: Sequence[RunStep]) -> Iterable[str]:
    yield "Current runner version: '2.321.0'"
    yield "##[group]Operating System"
    yield "Ubuntu"
    yield "24.04.1"
    yield "##[endgroup]"
    yield "##[group]Run actions/checkout@v4"
    yield "with:"
    yield "  repository: acme/widgets"
    yield "##[endgroup]"
    yield "Syncing repository: acme/widgets"
    for step in steps:
        yield f"##[group]Run {step.command}"
        yield step.command
        yield "shell: /usr/bin/bash -e {0}"
        yield "env:"
        yield "  FORCE_COLOR: 1"
        yield "##[endgroup]"
        yield from step.output.splitlines()
        if step.exit_code:
            yield f"##[error]Process completed with exit code {step.exit_code}."
            break
    yield "Post job cleanup."
    yield "[command]/usr/bin/git version"
    yield "git version 2.47.1"
    yield "Cleaning up orphan processes"


def job_log(
    steps: Sequence[RunStep],
    *,
    start: datetime = START,
    tick: timedelta = timedelta(milliseconds=37),
    bom: bool = True,
) -> str:
    """The job log GitHub would serve for ``steps`` (after a failed step, none runs)."""
    out = ["\ufeff"] if bom else []
    moment = start
    for line in _lines(steps):
        out.append(f"{stamp(moment)} {line}\n")
        moment += tick
    return "".join(out)


def run_tool(
    args: Sequence[str], cwd: Path, env: Mapping[str, str] | None = None, timeout: float = 120
) -> tuple[str, int]:
    """Run a real tool; its stdout and stderr interleaved as a runner records them, and its
    exit code."""
    environ = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **(env or {})}
    proc = subprocess.run(
        list(args),
        cwd=cwd,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        check=False,
    )
    return proc.stdout, proc.returncode
