"""Fixtures: the fix flow's world (fake GitHub, fake model, a failing project) and a runner of
``ci-agent`` as a separate process, as a workflow step runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.integration.fix_flow.conftest import fake_github, fake_openai, world
from tests.integration.triage.conftest import project
from tests.unit.runner.runner_log import Command, executed

__all__ = ["ROOT", "Step", "fake_github", "fake_openai", "project", "run_step", "world"]

ROOT = Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class Step:
    """What one ``ci-agent`` process printed, and what the runner would obey in it."""

    code: int
    out: str
    err: str

    @property
    def obeyed(self) -> list[Command]:
        """Commands executed from stdout and from stderr (two pipes, read independently)."""
        return executed(self.out) + executed(self.err)


def run_step(*args: str, cwd: Path, env: dict[str, str] | None = None) -> Step:
    """Run ``python -m ci_agent ARGS`` in a new process with this checkout's code first."""
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    environ = {**os.environ, "PYTHONPATH": path, "PYTHONDONTWRITEBYTECODE": "1", **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-m", "ci_agent", *args],
        cwd=cwd,
        env=environ,
        capture_output=True,
        encoding="utf-8",
        timeout=300,
        check=False,
    )
    return Step(proc.returncode, proc.stdout, proc.stderr)
