"""The ``test-generation:`` section of ``.github/ci-agent.yml``: how ``ci-agent tests`` finds the
project's interpreter, where it writes, how hard its funnel checks and what it may spend."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal

from ci_agent.config_rules import SECTION_CONFIG, Rule

__all__ = ["TestGenerationConfig"]


class _Section:
    # The validator's settings for every section (read by pydantic; plain data here).
    __pydantic_config__: ClassVar[dict[str, Any]] = SECTION_CONFIG


@dataclass(frozen=True, kw_only=True)
class TestGenerationConfig(_Section):
    """``test-generation:`` settings."""

    __test__ = False  # not a pytest class, whatever its name says

    python: Annotated[
        str | None,
        Rule(
            description=(
                "The project's interpreter (a name on PATH or a path); default: the one "
                "the tests run with (tests.command, else the job's python outside ci-agent's own "
                "environment). It runs inside the tests.isolation sandbox either way."
            )
        ),
    ] = None
    engine: Annotated[
        Literal["auto", "model", "offline"],
        Rule(description="auto: the model when one is configured, else offline."),
    ] = "auto"
    output: Annotated[
        str,
        Rule(
            description=(
                "Where new tests go, relative to the repository: a test_*.py or *_test.py "
                "name; {module} and {package} are filled in."
            ),
        ),
    ] = "tests/test_{module}_generated.py"
    delivery: Annotated[
        Literal["artifact", "pull-request", "commit"],
        Rule(
            description=(
                "How the action's tests job lands accepted tests on a pull request: the "
                "artifact and comment only, a pull request into its branch, or a commit on it "
                "(opt-in)."
            )
        ),
    ] = "artifact"
    workflow: Annotated[
        str | None,
        Rule(
            pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*\.ya?ml$",
            description=(
                "File name of the workflow that runs ci-agent with 'command: tests' on "
                "pull_request (e.g. tests.yml): '/ci-agent tests' re-runs its run for the pull "
                "request's head. Unset: the comment command answers CA194."
            ),
        ),
    ] = None
    max_attempts: Annotated[int, Rule(ge=1, le=5, description="Candidates per target.")] = 3
    repeat_runs: Annotated[
        int, Rule(ge=1, le=20, description="Fresh-process runs in random order (flakiness).")
    ] = 5
    max_mutants: Annotated[int, Rule(ge=1, le=100, description="Mutants per candidate.")] = 12
    max_targets: Annotated[int, Rule(ge=1, description="Targets per run; the rest is listed.")] = 50
    test_timeout: Annotated[float, Rule(gt=0, description="Seconds per test process.")] = 120.0
    run_time_limit: Annotated[
        float, Rule(gt=0, description="Seconds for the whole run; later targets are skipped.")
    ] = 1800.0
    sleep_bound: Annotated[
        float, Rule(ge=0, description="Longest time.sleep a generated test may call (seconds).")
    ] = 1.0
    pynguin_seconds: Annotated[
        float,
        Rule(ge=0, description="Search time for Pynguin per module (0: Pynguin is not used)."),
    ] = 0.0
    pynguin_plateau: Annotated[
        int,
        Rule(
            ge=0,
            description=(
                "Pynguin's search stops after this many iterations without a change in its "
                "coverage, before pynguin-seconds (0: it always searches pynguin-seconds)."
            ),
        ),
    ] = 500
    pynguin_python: Annotated[
        str | None,
        Rule(
            description=(
                "An interpreter with Pynguin (and the project importable); default: the "
                "project's interpreter."
            )
        ),
    ] = None
    concurrency: Annotated[int, Rule(ge=1, le=16, description="Targets checked at once.")] = 1

    def __post_init__(self) -> None:
        """Refuse an ``output`` that could not hold a generated test module: it must be a
        relative path inside the repository, a ``test_*.py`` or ``*_test.py`` name (never
        ``conftest.py``), with no placeholder but ``{module}`` and ``{package}``: said when
        the file is read, not after a whole run."""
        problem = _output_problem(self.output)
        if problem:
            raise ValueError(f"output {self.output!r}: {problem}")


def _output_problem(pattern: str) -> str:
    import string
    from pathlib import PurePosixPath

    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(pattern) if name is not None}
    except ValueError as exc:
        return str(exc)
    unknown = fields - {"module", "package"}
    if unknown:
        return f"unknown placeholder(s) {', '.join(sorted(unknown))} (use {{module}}, {{package}})"
    path = PurePosixPath(pattern.format(module="m", package="p"))
    if path.is_absolute() or ".." in path.parts or "\\" in pattern:
        return "it must be a relative path inside the repository"
    if (
        path.name == "conftest.py"
        or not (path.name.startswith("test_") or path.name.endswith("_test.py"))
        or path.suffix != ".py"
    ):
        return "the file must be named test_*.py or *_test.py (not conftest.py)"
    return ""
