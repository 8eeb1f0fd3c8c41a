"""The engines used without a model: observed examples first, then Hypothesis' ghostwriter,
then Pynguin when it is given time."""

from __future__ import annotations

from pathlib import Path

from ci_agent.config_testgen import TestGenerationConfig
from ci_agent.testgen.engine import Engine
from ci_agent.testgen.examples_engine import ExamplesEngine
from ci_agent.testgen.execute import Executor
from ci_agent.testgen.ghostwriter_engine import GhostwriterEngine
from ci_agent.testgen.scope import python_sources
from ci_agent.testgen.verdict import Limits

__all__ = ["offline_engines"]


def offline_engines(
    executor: Executor, root: Path, work: Path, config: TestGenerationConfig
) -> list[Engine]:
    """The offline engines in the order they are tried for a target."""
    limits = Limits(config.repeat_runs, config.test_timeout, config.max_mutants, config.sleep_bound)
    engines: list[Engine] = [
        ExamplesEngine(executor, root, work, python_sources(root), limits),
        GhostwriterEngine(executor, root, work, limits),
    ]
    if config.pynguin_seconds > 0:
        from ci_agent.testgen.pynguin_engine import PynguinEngine

        # Pynguin's own environment runs inside the same sandbox as everything else.
        runner = executor.using(config.pynguin_python) if config.pynguin_python else executor
        engines.append(
            PynguinEngine(
                runner, root, work, limits, config.pynguin_seconds, config.pynguin_plateau
            )
        )
    return engines
