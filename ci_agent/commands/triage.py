"""``ci-agent triage``: classify failed CI jobs from their logs (``--log``) or a workflow run's
failed jobs (``--run``), and optionally re-run infrastructure and flaky failures."""

from __future__ import annotations

from pathlib import Path

import click

from ci_agent.commands.common import global_options
from ci_agent.commands.triage_run import (
    run_triage,
    run_triage_job,
    triage_options,
    triage_outcome,
    with_known_flaky,
)
from ci_agent.config import CliOverrides

__all__ = ["run_triage_job", "triage", "triage_options", "triage_outcome", "with_known_flaky"]


@click.command()
@click.option(
    "--log",
    "logs",
    multiple=True,
    type=click.Path(path_type=Path),
    metavar="FILE|DIR",
    help="A job log, or a directory of them (*.log, *.txt); repeatable. No GitHub needed.",
)
@click.option("--run", "run_id", type=int, metavar="ID", help="GitHub mode: a workflow run id.")
@click.option("--repo", "repo", metavar="OWNER/NAME", help="GitHub mode: the repository.")
@click.option(
    "--junit",
    "junit",
    multiple=True,
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="A JUnit XML report of the same tests; repeatable.",
)
@click.option(
    "--rerun",
    is_flag=True,
    help="Re-run the failed jobs when every failure is infrastructure or flaky "
    "(at most fix.triage.max-reruns-per-sha per commit).",
)
@click.option(
    "--root",
    "roots",
    multiple=True,
    metavar="DIR",
    help="Make absolute paths in the logs relative to DIR (default: the current directory).",
)
@click.option(
    "--passed",
    "passed",
    multiple=True,
    metavar="TEST|JOB",
    help="Local mode: a test id or job that passed before on the same commit (flaky).",
)
@click.option(
    "--json-out",
    "json_out",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help="Write the whole result (every failing test, location and failure) as JSON to FILE.",
)
@click.option(
    "--default-branch",
    "default_branch",
    metavar="BRANCH",
    help="GitHub mode: the default branch (default: from the event payload).",
)
@global_options
def triage(
    overrides: CliOverrides,
    *,
    logs: tuple[Path, ...],
    run_id: int | None,
    repo: str | None,
    junit: tuple[Path, ...],
    rerun: bool,
    roots: tuple[str, ...],
    passed: tuple[str, ...],
    default_branch: str | None,
    json_out: Path | None,
) -> int:
    """Classify failed CI jobs and choose a recovery strategy: rerun, fixers, patch, analyze.

    Local mode reads --log files; GitHub mode downloads only the failed jobs' logs of --run ID.
    Deterministic: no language model is involved.
    """
    return run_triage(
        overrides,
        logs=logs,
        run_id=run_id,
        repo=repo,
        junit=junit,
        rerun=rerun,
        roots=roots,
        passed=passed,
        default_branch=default_branch,
        json_out=json_out,
    )
