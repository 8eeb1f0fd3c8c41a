"""Helpers shared by the test suites: git in a temp repository, a clock that never sleeps."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

__all__ = ["FakeClock", "git"]


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
