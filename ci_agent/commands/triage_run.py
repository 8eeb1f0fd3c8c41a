"""What ``ci-agent triage`` does once its options are parsed, by click or by the fast path of
:mod:`ci_agent.commands.triage_args`: nothing here imports click."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ci_agent.commands.common import Invocation, execute
from ci_agent.commands.triage_local import (
    check_arguments,
    local_options,
    printed_outcome,
    triage_outcome,
)
from ci_agent.config import CliOverrides
from ci_agent.outcome import Outcome

if TYPE_CHECKING:
    from ci_agent.forge.protocol import IssueTracker
    from ci_agent.triage.triage import TriageOptions, TriageResult

__all__ = [
    "run_triage",
    "run_triage_job",
    "triage_options",
    "triage_outcome",
    "with_known_flaky",
]


def run_triage(
    overrides: CliOverrides,
    *,
    logs: tuple[Path, ...] = (),
    run_id: int | None = None,
    repo: str | None = None,
    junit: tuple[Path, ...] = (),
    rerun: bool = False,
    roots: tuple[str, ...] = (),
    passed: tuple[str, ...] = (),
    default_branch: str | None = None,
    json_out: Path | None = None,
) -> int:
    """Run the triage command with parsed options; the exit code."""

    def body(invocation: Invocation) -> Outcome:
        from ci_agent.triage.triage import triage_logs

        check_arguments(logs=logs, run_id=run_id, junit=junit, rerun=rerun, repo=repo)
        options = triage_options(
            invocation, roots=roots, passed=passed, junit=junit, default_branch=default_branch
        )
        if run_id is None:
            result = triage_logs(logs, options)
        else:
            repository = repo or invocation.settings.repository
            result = _github(invocation, repository, run_id, options, rerun)
        settings = invocation.settings
        return printed_outcome(result, json_out, settings.dry_run, settings.output)

    return execute(overrides, "triage", body)


def triage_options(
    invocation: Invocation,
    *,
    roots: tuple[str, ...] = (),
    passed: tuple[str, ...] = (),
    junit: tuple[Path, ...] = (),
    default_branch: str | None = None,
) -> TriageOptions:
    """Triage options from Settings, the workspace and the event."""
    return local_options(
        invocation.settings.config.fix.triage,
        invocation.cwd,
        invocation.environ,
        roots=roots,
        passed=passed,
        junit=junit,
        default_branch=default_branch,
    )


def with_known_flaky(
    invocation: Invocation, forge: IssueTracker, options: TriageOptions
) -> TriageOptions:
    """``options`` with the tests and jobs the CI insights dashboard issue marks flaky; none
    when there is no dashboard, or when it cannot be read (said at -v)."""
    from ci_agent.errors import CiAgentError
    from ci_agent.record import replace
    from ci_agent.triage.known_flaky import find_known_flaky

    label = invocation.settings.config.insights.label
    try:
        known = find_known_flaky(forge, label)
    except CiAgentError as exc:
        invocation.term.detail(
            f"flaky tests of the insights dashboard not read: {exc.code} {exc.message}"
        )
        return options
    if known:
        invocation.term.detail(
            f"the insights dashboard marks {len(known.tests)} test(s) and {len(known.jobs)} "
            "job(s) flaky"
        )
    return replace(options, known_flaky=known)


def run_triage_job(invocation: Invocation, repository: str | None, run_id: int) -> Outcome:
    """The action's triage job: triage the failed run and re-run what is flaky (capped); the
    whole result is uploaded as an artifact (``ci-agent-triage-RUN.json``)."""
    options = triage_options(invocation)
    result = _github(invocation, repository, run_id, options, rerun=True)
    name = f"ci-agent-triage-{run_id}.json"
    temp = invocation.environ.get("RUNNER_TEMP")
    json_out = Path(temp) / name if temp else None
    return triage_outcome(
        result, json_out, dry_run=invocation.settings.dry_run, artifact=name if temp else None
    )


def _github(
    invocation: Invocation,
    repository: str | None,
    run_id: int,
    options: TriageOptions,
    rerun: bool,
) -> TriageResult:
    from ci_agent.forge.github import require_repository, settings_for
    from ci_agent.triage.triage import triage_run

    repository = require_repository(repository)
    settings = settings_for(invocation.settings, repository)
    forge = invocation.use.github(repository)
    options = with_known_flaky(invocation, forge, options)
    try:
        with invocation.metrics.timed("triage"):
            return triage_run(
                forge,
                run_id,
                options,
                repository=repository,
                rerun=rerun,
                dry_run=settings.dry_run,
                progress=invocation.term.detail,
            )
    finally:
        forge.close()
