"""``ci-agent plan`` called in-process, in a repository's directory, its JSON result parsed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import RunCli

__all__ = ["PlanCli", "plan_cli"]

PlanCli = Callable[..., tuple[int, dict[str, Any]]]


@pytest.fixture
def plan_cli(run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> PlanCli:
    """``plan_cli(repo, *args)``: exit code and JSON of ``ci-agent plan ARGS --output json``."""

    def invoke(repo: Path, *args: str) -> tuple[int, dict[str, Any]]:
        monkeypatch.chdir(repo)
        done = run_cli("plan", *args, "--output", "json")
        return done.code, done.json()

    return invoke
