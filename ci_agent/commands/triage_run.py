"""What ``ci-agent triage`` does once its options are parsed, by click or by the fast path of
:mod:`ci_agent.commands.triage_args`: nothing here imports click."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ci_agent.commands.common import Invocation, execute
from ci_agent.config import CliOverrides
from ci_agent.errors import fail
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

_USAGE = "ci-agent triage"


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

        if logs and run_id is not None:
            raise fail("CA108", problem="give --log or --run, not both", usage=_USAGE)
        if not logs and run_id is None and not junit:
            raise fail("CA108", problem="give --log FILE|DIR or --run ID", usage=_USAGE)
        if (rerun or repo) and run_id is None:
            raise fail("CA108", problem="--rerun and --repo need --run ID", usage=_USAGE)
        options = triage_options(
            invocation, roots=roots, passed=passed, junit=junit, default_branch=default_branch
        )
        if run_id is None:
            result = triage_logs(logs, options)
        else:
            repository = repo or invocation.settings.repository
            result = _github(invocation, repository, run_id, options, rerun)
        # Markdown only when it is printed: rendering it loads the template engine. The JSON
        # result only when it is printed or written: with tens of thousands of failures it
        # costs more than the rest of the report.
        output = invocation.settings.output
        return triage_outcome(
            result,
            json_out,
            dry_run=invocation.settings.dry_run,
            markdown=output == "markdown",
            data=output != "text",
        )

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
    from ci_agent.triage.classify import History, Policy
    from ci_agent.triage.triage import TriageOptions

    config = invocation.settings.config.fix.triage
    workspace = invocation.environ.get("GITHUB_WORKSPACE")
    return TriageOptions(
        roots=roots or tuple(filter(None, (str(invocation.cwd), workspace))),
        policy=Policy.from_config(config),
        history=History(dict.fromkeys(passed, "given with --passed"), frozenset(passed)),
        excerpt_tokens=config.excerpt_tokens,
        junit=junit,
        default_branch=default_branch or _event_default_branch(invocation.environ),
        max_reruns_per_sha=config.max_reruns_per_sha,
    )


def with_known_flaky(
    invocation: Invocation, forge: IssueTracker, options: TriageOptions
) -> TriageOptions:
    """``options`` with the tests and jobs the CI insights dashboard issue marks flaky; none
    when there is no dashboard, or when it cannot be read (said at -v)."""
    import dataclasses

    from ci_agent.errors import CiAgentError
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
    return dataclasses.replace(options, known_flaky=known)


def triage_outcome(
    result: TriageResult,
    json_out: Path | None = None,
    *,
    dry_run: bool = False,
    artifact: str | None = None,
    markdown: bool = True,
    data: bool = True,
) -> Outcome:
    """The command's outcome for a triage result; the whole result is written to ``json_out``
    (not with ``dry_run``) and the text names it (or ``artifact``, the name it is uploaded as);
    ``markdown`` False leaves the markdown out, ``data`` False the JSON result unless it is
    written (nothing will show them)."""
    from ci_agent.json_form import to_json
    from ci_agent.report.value import ArtifactRef, Report
    from ci_agent.triage.present import triage_markdown, triage_text
    from ci_agent.triage.whole import write_whole

    writes = json_out is not None and not dry_run
    result_data: dict[str, Any] = to_json(result) if data or writes else {}
    whole: str | None = None
    written: ArtifactRef | None = None
    if json_out is not None and dry_run:
        whole = f"not written to {json_out} (--dry-run); --output json prints it"
    elif json_out is not None:
        sha = write_whole(json_out, result_data)
        whole = f"artifact {artifact}" if artifact else str(json_out)
        result_data = {**result_data, "whole": {"path": str(json_out), "sha256": sha}}
        if artifact:
            written = ArtifactRef(json_out, artifact, sha)
            result_data["artifact"] = to_json(written)
    return Outcome(
        "triage",
        result=result_data,
        text=triage_text(result, whole),
        markdown=triage_markdown(result, whole) if markdown else "",
        report=Report(result.decision.reason, artifact=written),
    )


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


def _event_default_branch(environ: Mapping[str, str]) -> str | None:
    """The repository's default branch from the event payload, inside Actions."""
    if not environ.get("GITHUB_EVENT_PATH"):
        return None  # no event: the event modules need not load
    from ci_agent.runner.events import event_payload
    from ci_agent.runner.payload import dig_str

    return dig_str(event_payload(environ), "repository", "default_branch")
