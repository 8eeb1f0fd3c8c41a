"""``ci-agent tests``: write pytest tests for uncovered code and keep only those proven to pass
reliably, add coverage and kill a mutant."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import click

from ci_agent.commands.common import Invocation, execute, global_options
from ci_agent.config import CliOverrides
from ci_agent.errors import fail
from ci_agent.outcome import Outcome

__all__ = ["shard_files", "tests", "tests_outcome"]


@click.command()
@click.option(
    "--base", "base", metavar="REF", help="Pull-request mode: functions changed since REF."
)
@click.option("--head", "head", metavar="REF", default="HEAD", show_default=True, help="Up to REF.")
@click.option(
    "--path",
    "paths",
    multiple=True,
    metavar="FILE",
    help="Module mode: uncovered code of FILE (repeatable).",
)
@click.option("--all", "whole", is_flag=True, help="Whole repository: every uncovered function.")
@click.option("--shard", "shard", metavar="I/N", help="Only shard I of N of the targets.")
@click.option(
    "--coverage-data",
    "coverage_data",
    type=click.Path(path_type=Path, dir_okay=False),
    help="A .coverage file or coverage JSON report (with branches) the CI job made.",
)
@click.option(
    "--python",
    "python",
    metavar="PATH",
    help="The project's interpreter (default: test-generation.python, else the tests' python).",
)
@click.option(
    "--engine",
    "engine",
    type=click.Choice(["auto", "model", "offline"]),
    help="Who writes candidates (default: test-generation.engine).",
)
@click.option(
    "--merge",
    "merge",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Merge these shard results (--output json of --shard runs, or a directory of them: "
    "every *.json in it) into one delivery.",
)
@click.option(
    "--repo",
    "repo",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="The repository (default: current directory).",
)
@global_options
def tests(overrides: CliOverrides, **options: Any) -> int:
    """Generate pytest tests; write only those that pass 5 times in random order, add
    coverage of their target and kill at least one of its mutants, with the suite still green.
    """
    repo = options.get("repo")
    if overrides.config is None:
        from ci_agent.testgen.scope import project_root

        # The project's configuration applies, wherever this runs: the repository named, or
        # the one the current directory lies in (run from its src/).
        start = Path(repo) if repo is not None else Path.cwd()
        found = project_root(start) / ".github" / "ci-agent.yml"
        if found.is_file():
            overrides = dataclasses.replace(overrides, config=found)
    return execute(overrides, "tests", lambda invocation: tests_outcome(invocation, **options))


def tests_outcome(
    invocation: Invocation,
    *,
    base: str | None = None,
    head: str = "HEAD",
    paths: tuple[str, ...] = (),
    whole: bool = False,
    shard: str | None = None,
    coverage_data: Path | None = None,
    python: str | None = None,
    engine: str | None = None,
    repo: Path | None = None,
    merge: tuple[Path, ...] = (),
) -> Outcome:
    """The run as an outcome (the CLI's and the action's)."""
    from ci_agent.testgen.pipeline import TestsRequest, merge_shards, run_tests
    from ci_agent.testgen.scope import Scope, parse_shard, project_root

    given = (repo or invocation.cwd).resolve()
    root = project_root(given)
    # A --path is read from where it was given (the shell's directory, or --repo's).
    paths = tuple(p if Path(p).is_absolute() else os.path.relpath(given / p, root) for p in paths)
    if merge:
        if base is not None or paths or whole or shard:
            raise fail("CA108", problem="--merge takes no other scope", usage="ci-agent tests")
        request = TestsRequest(
            root=root,
            scope=Scope("all"),
            config=invocation.settings.config.test_generation,
            environ=invocation.environ,
            dry_run=invocation.settings.dry_run,
            python=python,
            tests=invocation.settings.config.tests,
            renderer=_renderer(invocation, root),
        )
        return merge_shards(request, shard_files(merge))
    modes = [
        m for m, on in (("base", base is not None), ("path", bool(paths)), ("all", whole)) if on
    ]
    if len(modes) != 1:
        raise fail(
            "CA108",
            problem="give exactly one of --base REF, --path FILE or --all",
            usage="ci-agent tests",
        )
    for option, ref in (("--base", base), ("--head", head)):
        # git would read it as one of its options (``--output=FILE`` writes a file).
        if ref is not None and ref.startswith("-"):
            raise fail(
                "CA108",
                problem=f"{option} {ref!r} is not a git revision (it starts with '-')",
                usage="ci-agent tests",
            )
    settings = invocation.settings
    config = settings.config.test_generation
    if engine is not None:
        config = dataclasses.replace(config, engine=engine)  # type: ignore[arg-type]
    scope = Scope(modes[0], base, head, tuple(paths), parse_shard(shard))  # type: ignore[arg-type]
    return run_tests(
        TestsRequest(
            root=root,
            scope=scope,
            config=config,
            environ=invocation.environ,
            dry_run=settings.dry_run,
            coverage_data=coverage_data,
            python=python,
            tests=settings.config.tests,
            provider=_provider(invocation),
            renderer=_renderer(invocation, root),
            progress=invocation.term.detail,
        )
    )


def shard_files(paths: tuple[Path, ...]) -> list[Path]:
    """The result files named, a directory standing for every ``*.json`` under it (the
    shards' artifacts as download-artifact leaves them); CA195 for a directory with none."""
    found: list[Path] = []
    for path in paths:
        if not path.is_dir():
            found.append(path)
            continue
        inside = sorted(p for p in path.rglob("*.json") if p.is_file())
        if not inside:
            raise fail("CA195", path=path)
        found += inside
    return found


def _provider(invocation: Invocation) -> Any:
    """A factory of the run's model provider, or None when no model is configured."""
    from ci_agent.llm.choice import choose_provider

    setup = invocation.use.llm_setup()
    if choose_provider(setup).provider == "none":
        return None

    def make() -> Any:
        from ci_agent.llm.factory import build_provider

        return build_provider(
            setup, metrics=invocation.metrics, retry=invocation.retry, log=invocation.term.detail
        )

    return make


def _renderer(invocation: Invocation, root: Path) -> Any:
    from ci_agent.config_trust import repository_renderer

    return repository_renderer(invocation.settings, root)
