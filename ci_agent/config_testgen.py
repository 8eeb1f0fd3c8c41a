"""The ``test-generation:`` section of ``.github/ci-agent.yml``: how ``ci-agent tests`` finds the
project's interpreter, where it writes, how hard its funnel checks and what it may spend."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["TestGenerationConfig"]


def _kebab(name: str) -> str:
    return name.replace("_", "-")


class TestGenerationConfig(BaseModel):
    """``test-generation:`` settings."""

    __test__ = False  # not a pytest class, whatever its name says
    model_config = ConfigDict(
        extra="forbid", frozen=True, alias_generator=_kebab, populate_by_name=True
    )

    python: str | None = Field(
        default=None,
        description="The project's interpreter (a name on PATH or a path); default: the one "
        "the tests run with (tests.command, else the job's python outside ci-agent's own "
        "environment). It runs inside the tests.isolation sandbox either way.",
    )
    engine: Literal["auto", "model", "offline"] = Field(
        default="auto", description="auto: the model when one is configured, else offline."
    )
    output: str = Field(
        default="tests/test_{module}_generated.py",
        description="Where new tests go; {module} and {package} are filled in.",
    )
    delivery: Literal["artifact", "pull-request", "commit"] = Field(
        default="artifact",
        description="How the action's tests job lands accepted tests on a pull request: the "
        "artifact and comment only, a pull request into its branch, or a commit on it (opt-in).",
    )
    max_attempts: int = Field(default=3, ge=1, le=5, description="Candidates per target.")
    repeat_runs: int = Field(
        default=5, ge=1, le=20, description="Fresh-process runs in random order (flakiness)."
    )
    max_mutants: int = Field(default=12, ge=1, le=100, description="Mutants per candidate.")
    max_targets: int = Field(default=50, ge=1, description="Targets per run; the rest is listed.")
    test_timeout: float = Field(default=120.0, gt=0, description="Seconds per test process.")
    run_time_limit: float = Field(
        default=1800.0, gt=0, description="Seconds for the whole run; later targets are skipped."
    )
    sleep_bound: float = Field(
        default=1.0, ge=0, description="Longest time.sleep a generated test may call (seconds)."
    )
    pynguin_seconds: float = Field(
        default=0.0,
        ge=0,
        description="Search time for Pynguin per module (0: Pynguin is not used).",
    )
    pynguin_python: str | None = Field(
        default=None,
        description="An interpreter with Pynguin (and the project importable); default: the "
        "project's interpreter.",
    )
    concurrency: int = Field(default=1, ge=1, le=16, description="Targets checked at once.")
