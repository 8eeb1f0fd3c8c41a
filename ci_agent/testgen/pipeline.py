"""``ci-agent tests`` as an outcome: pick the interpreter and the engines, run, write the new
files (unless a dry run), and render the result."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ci_agent.atomic import write_bytes_atomically
from ci_agent.config_testgen import TestGenerationConfig
from ci_agent.errors import fail
from ci_agent.llm.provider import LLMProvider
from ci_agent.outcome import Outcome
from ci_agent.render import TemplateRenderer
from ci_agent.testgen.engine import Engine
from ci_agent.testgen.execute import Executor, PlainExecutor, find_project_python
from ci_agent.testgen.report import result_dict, result_markdown, result_text
from ci_agent.testgen.run import RunResult, TestGenRun
from ci_agent.testgen.scope import Scope, python_sources
from ci_agent.testgen.writer import GeneratedFile

__all__ = ["TestsRequest", "run_tests", "write_files"]


@dataclass(frozen=True)
class TestsRequest:
    """What the command was asked to do."""

    __test__ = False

    root: Path
    scope: Scope
    config: TestGenerationConfig
    environ: Mapping[str, str]
    dry_run: bool = False
    coverage_data: Path | None = None
    python: str | None = None  # overrides test-generation.python
    provider: Callable[[], LLMProvider] | None = None  # None: no model is configured
    renderer: TemplateRenderer | None = None
    progress: Callable[[str], None] = lambda message: None
    executor: Executor | None = None  # for tests: another runner


def _engines(
    request: TestsRequest, renderer: TemplateRenderer, executor: Executor, work: Path
) -> list[Engine]:
    from ci_agent.testgen.model_engine import ModelEngine

    engine = request.config.engine
    if engine == "model" or (engine == "auto" and request.provider is not None):
        if request.provider is None:
            raise fail("CA406", "no LLM is configured (test-generation.engine is 'model')")
        return [
            ModelEngine(
                request.provider(),
                renderer,
                python_sources(request.root),
                request.config.sleep_bound,
            )
        ]
    from ci_agent.testgen.offline import offline_engines

    return offline_engines(executor, request.root, work, request.config)


def run_tests(request: TestsRequest) -> Outcome:
    """Generate, check, write; the outcome holds the whole result."""
    renderer = request.renderer or TemplateRenderer()
    configured = request.python or request.config.python
    interpreter = find_project_python(configured, request.environ, sys.prefix)
    if interpreter is None and request.executor is None:
        tried = (
            f"'{configured}'"
            if configured
            else "python3 and python on PATH outside ci-agent's environment"
        )
        raise fail("CA190", tried=tried)
    python = str(interpreter) if interpreter else "the given runner"
    with tempfile.TemporaryDirectory(prefix="ci-agent-testgen-") as work_dir:
        work = Path(work_dir)
        (work / "home").mkdir()
        executor = request.executor or PlainExecutor(interpreter or Path("python3"), work / "home")
        run = TestGenRun(
            request.root,
            request.scope,
            request.config,
            executor,
            python,
            _engines(request, renderer, executor, work),
            work,
            request.coverage_data,
            request.progress,
        )
        result = run.execute()
    written = [] if request.dry_run else write_files(request.root, result.files)
    return outcome_of(result, written, python, request.dry_run, renderer)


def outcome_of(
    result: RunResult,
    written: Sequence[str],
    python: str,
    dry_run: bool,
    renderer: TemplateRenderer,
) -> Outcome:
    """The command's outcome for a run."""
    return Outcome(
        "tests",
        result=result_dict(result, written, python),
        text=result_text(result, written, dry_run),
        markdown=result_markdown(result, written, renderer),
    )


def write_files(root: Path, files: Sequence[GeneratedFile]) -> list[str]:
    """Write new test files; a path that exists by now is never overwritten (CA251)."""
    for generated in files:
        if (root / generated.path).exists():
            raise fail("CA251", path=generated.path)
    written = []
    for generated in files:
        path = root / generated.path
        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomically(path, generated.text.encode("utf-8"))
        written.append(generated.path)
    return written
