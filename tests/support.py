"""Helpers shared by the test suites: git in a temp repository, a clock that never sleeps, pip
without a package index."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

__all__ = ["WHEELHOUSE", "FakeClock", "git", "offline_pip"]

WHEELHOUSE = Path(__file__).resolve().parents[1] / ".wheelhouse"


def offline_pip() -> dict[str, str]:
    """Environment for pip in the tests' fresh environments: its index is the local one
    ``scripts/bootstrap dev`` made of the wheels it fetched (the runtime and build locks,
    pytest), and no configuration file adds another."""
    index = WHEELHOUSE / "simple"
    if not index.is_dir():
        pytest.fail("no package index in .wheelhouse: run scripts/bootstrap dev")
    return {"PIP_INDEX_URL": index.as_uri(), "PIP_CONFIG_FILE": os.devnull}


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` as a fixed test identity and return its output."""
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


class FakeClock:
    """Starts at the real time (the fake's rate-limit resets are real epochs); sleeping only
    records the wait and moves the time on."""

    def __init__(self) -> None:
        self.now = time.time()
        self.sleeps: list[float] = []

    def time(self) -> float:
        """The fake time."""
        return self.now

    def sleep(self, seconds: float) -> None:
        """Record the wait; never block."""
        self.sleeps.append(seconds)
        self.now += seconds

    @property
    def retry_waits(self) -> list[float]:
        """Sleeps other than the <= 1 s spacing between writes."""
        return [s for s in self.sleeps if s > 1.0]
