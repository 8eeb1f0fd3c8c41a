"""``ci-agent tests`` as an outcome: pick the interpreter and the engines, run, write the new
files (unless a dry run), and render the result."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ci_agent.atomic import write_bytes_atomically
from ci_agent.change.isolation import Isolation
from ci_agent.change.secret_places import secrets_in_reach
from ci_agent.config_testgen import TestGenerationConfig
from ci_agent.config_tests import TestsConfig
from ci_agent.errors import CiAgentError, fail
from ci_agent.git import Git
from ci_agent.json_form import to_json
from ci_agent.llm.provider import LLMProvider
from ci_agent.outcome import Outcome
from ci_agent.record import replace
from ci_agent.render import TemplateRenderer
from ci_agent.testgen.engine import Engine
from ci_agent.testgen.execute import Executor, SandboxExecutor
from ci_agent.testgen.report import result_dict, result_markdown, result_text
from ci_agent.testgen.run import RunResult, TestGenRun
from ci_agent.testgen.scope import Scope, changed_lines, check_paths, python_sources
from ci_agent.testgen.writer import GeneratedFile

__all__ = ["TestsRequest", "merge_shards", "run_tests", "write_files"]


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
    tests: TestsConfig = field(default_factory=TestsConfig)  # command, isolation
    executor: Executor | None = None  # for tests of this package only: another runner


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


def _executor(request: TestsRequest, work: Path) -> tuple[Executor, str]:
    """The sandboxed runner of the project's interpreter, and how reports name it."""
    if request.executor is not None:
        return request.executor, "the given runner"
    from ci_agent.testgen.interpreter import sandbox_executor

    configured = request.python or request.config.python
    return sandbox_executor(configured, request.tests, request.environ, request.root, work)


# Stops that mean the model never answered (a spent budget is a limit, not a failure).
_MODEL_FAILURES = ("CA401:", "CA402:", "CA403:")


def run_tests(request: TestsRequest) -> Outcome:
    """Generate, check, write; the outcome holds the whole result."""
    renderer = request.renderer or TemplateRenderer()
    sources = python_sources(request.root)
    changed = None
    if request.scope.mode == "path":
        # Before the interpreter is looked for: a mistyped path is answered in a second.
        check_paths(request.root, request.scope.paths, sources)
    elif request.scope.mode == "base":
        # So is a base the clone does not hold (a depth-1 checkout in CI).
        changed = changed_lines(request.root, request.scope.base or "", request.scope.head)
    with tempfile.TemporaryDirectory(prefix="ci-agent-testgen-") as work_dir:
        work = Path(work_dir)
        (work / "home").mkdir()
        executor, python = _executor(request, work)
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
            sources,
            changed,
        )
        result = run.execute()
    unwritten: list[CiAgentError] = []
    try:
        written = [] if request.dry_run else write_files(request.root, result.files)
    except CiAgentError as exc:  # the run's result is kept: it holds every file's text
        written, unwritten = [], [exc]
    isolation = executor.sandbox.isolation if isinstance(executor, SandboxExecutor) else None
    reach = secrets_in_reach(request.environ) if isolation and not isolation.isolated else ()
    outcome = outcome_of(
        result, written, python, request.dry_run, renderer, isolation=isolation, secrets=reach
    )
    if unwritten:
        outcome = replace(outcome, errors=[*outcome.errors, *unwritten])
    if not result.verdicts and result.stopped.startswith(_MODEL_FAILURES):
        # Nothing was tried: a scheduled job must not go green on a model it never reached.
        outcome = replace(outcome, errors=[*outcome.errors, fail("CA410", problem=result.stopped)])
    git = Git(request.root)
    # Files checked on uncommitted code are not that commit's: a merge refuses them.
    # Without optional locks: a plain status refreshes .git/index, a write --dry-run promises
    # not to make.
    status = ("--no-optional-locks", "status", "--porcelain", "--", "*.py")
    dirty = bool(git.run(*status, check=False))
    marks: dict[str, Any] = {"commit": git.head()}
    if dirty:
        marks["dirty"] = True
    return outcome.with_result(None, **marks)


def merge_shards(request: TestsRequest, shards: Sequence[Path]) -> Outcome:
    """One delivery from the shards' results: files combined, the whole suite run again with
    all of them, the funnel counts summed."""
    from ci_agent.testgen.merge import join_candidates, load_shards, split_candidates
    from ci_agent.testgen.suite import check_suite

    merged = load_shards(shards, request.root)
    head = Git(request.root).head()
    if merged.commit and head and merged.commit != head:
        # Files checked on other code would be delivered as if checked on this one.
        raise fail("CA590", shards=str(merged.commit)[:12], head=head[:12])
    with tempfile.TemporaryDirectory(prefix="ci-agent-testgen-") as work_dir:
        executor, python = _executor(request, Path(work_dir))
        # Judged candidate by candidate: one test that breaks the suite drops its own
        # candidate, not every shard's tests of the same module.
        units = [unit for generated in merged.files for unit in split_candidates(generated)]
        keys = {id(u): f"{u.path} ({', '.join(u.targets)})#{n}" for n, u in enumerate(units)}
        suite = check_suite(
            executor,
            request.root,
            units,
            lambda chosen: join_candidates(chosen, request.root),
            lambda unit: keys[id(unit)],
            timeout=request.config.run_time_limit,
        )
    dropped_pairs = {(u.path, t) for u in units if keys[id(u)] in suite.dropped for t in u.targets}
    # A whole file is dropped when its text has no per-candidate comments (one unit).
    dropped_files = {u.path for u in units if keys[id(u)] in suite.dropped and not u.targets}

    def kept(accepted: dict[str, Any]) -> bool:
        where = (accepted.get("file"), accepted.get("target"))
        return where not in dropped_pairs and where[0] not in dropped_files

    written = [] if request.dry_run else write_files(request.root, suite.kept)
    result = {
        "commit": merged.commit,
        "shards": list(merged.shards),
        "missing_shards": list(merged.missing),
        "python": python,
        "funnel": {**merged.funnel, "suite": len([a for a in merged.accepted if kept(a)])},
        "accepted": [a for a in merged.accepted if kept(a)],
        "dropped_by_suite": [
            {"file": u.path, "targets": list(u.targets), "reason": suite.dropped[keys[id(u)]]}
            for u in units
            if keys[id(u)] in suite.dropped
        ],
        "candidates": list(merged.candidates),
        "files": to_json(suite.kept),
        "written": written,
        "skipped": list(merged.skipped),
        "suite_runs": suite.runs,
        "targets_total": merged.targets_total,
        "targets_in_run": merged.targets_in_run,
        "engines": list(merged.engines),
        "seconds": merged.seconds,
        "superseded": list(merged.superseded),
    }
    verb = "would write" if request.dry_run else "wrote"
    paths = [f.path for f in suite.kept]
    lines = [f"merged {len(shards)} shard result(s) of commit {str(merged.commit)[:12]}"]
    if merged.missing:
        lines.append("missing shards: " + ", ".join(merged.missing))
    lines += [f"left out (an earlier attempt of its shard): {p}" for p in merged.superseded]
    lines += [f"dropped {f}: {r}" for f, r in suite.dropped.items()]
    lines.append(f"{verb} {len(paths)} file(s)" + (": " + ", ".join(paths) if paths else ""))
    from ci_agent.testgen.shard_report import merged_markdown

    markdown = merged_markdown(result, request.renderer or TemplateRenderer())
    return Outcome("tests", result=result, text="\n".join(lines), markdown=markdown)


def outcome_of(
    result: RunResult,
    written: Sequence[str],
    python: str,
    dry_run: bool,
    renderer: TemplateRenderer,
    *,
    isolation: Isolation | None = None,
    secrets: Sequence[str] = (),
) -> Outcome:
    """The command's outcome for a run; ``isolation`` is what confined the project's code
    (named in the JSON; the text and Markdown warn when nothing did)."""
    data = result_dict(result, written, python)
    text = result_text(result, written, dry_run)
    markdown = result_markdown(result, written, renderer)
    if isolation is not None:
        data["isolation"] = {"mechanism": isolation.mechanism, "note": isolation.note}
        if not isolation.isolated:
            warning = isolation.note
            if secrets:
                warning += f"; secrets in reach of that code: {', '.join(secrets)}"
            data["isolation"]["secrets_in_reach"] = list(secrets)
            text = f"warning: {warning}\n{text}"
            markdown = f"> [!WARNING]\n> {warning}\n\n{markdown}"
    return Outcome("tests", result=data, text=text, markdown=markdown)


def write_files(root: Path, files: Sequence[GeneratedFile]) -> list[str]:
    """Write new test files; a path that exists by now is never overwritten (CA251)."""
    for generated in files:
        if (root / generated.path).exists():
            raise fail("CA251", path=generated.path)
    written: list[str] = []
    for generated in files:
        path = root / generated.path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_bytes_atomically(path, generated.text.encode("utf-8"))
        except OSError as exc:
            for done in written:  # all or nothing: no half of a delivery stays behind
                (root / done).unlink(missing_ok=True)
            raise fail("CA252", path=generated.path, problem=exc.strerror or str(exc)) from None
        written.append(generated.path)
    return written
