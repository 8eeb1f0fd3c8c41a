"""``ci-agent review``: review a local diff (``--base``) or a pull request (``--repo --pr``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ci_agent.commands.common import Invocation, execute, global_options
from ci_agent.config import CliOverrides
from ci_agent.errors import CiAgentError, fail
from ci_agent.json_form import to_json
from ci_agent.outcome import Outcome

if TYPE_CHECKING:
    from ci_agent.forge.github import GitHubForge
    from ci_agent.review.pipeline import ReviewReport

__all__ = ["partial_errors", "review"]


@click.command()
@click.option("--base", "base", metavar="REF", help="Local mode: review the change from REF.")
@click.option(
    "--head",
    "head",
    metavar="REF",
    default="HEAD",
    show_default=True,
    help="Local mode: up to REF.",
)
@click.option("--repo", "repo", metavar="OWNER/NAME", help="GitHub mode: the repository.")
@click.option("--pr", "number", type=int, metavar="N", help="GitHub mode: the pull request number.")
@click.option(
    "--path",
    "path",
    type=click.Path(path_type=Path, file_okay=False),
    help="Local repository (default: current directory).",
)
@click.option(
    "--fail-level",
    "fail_level",
    metavar="SEVERITY",
    help="Exit 1 on findings at or above it (none..critical).",
)
@global_options
def review(
    overrides: CliOverrides,
    *,
    base: str | None,
    head: str,
    repo: str | None,
    number: int | None,
    path: Path | None,
) -> int:
    """Review a change: locally between refs, or a GitHub pull request.

    Local mode prints the review (text, --output json or markdown) and posts nothing.
    """

    def body(invocation: Invocation) -> Outcome:
        if number is not None and base is not None:
            raise fail(
                "CA126",
                first="--base",
                second="--pr",
                choice="--base REF for a local change, or --pr N for a pull request",
            )
        if number is not None:
            return github_review(invocation, repo or invocation.settings.repository, number)
        if repo is not None:
            raise fail("CA108", problem="--repo needs --pr N", usage="ci-agent review")
        if base is None:
            raise fail(
                "CA108",
                problem="give --base REF for a local review, or --repo OWNER/NAME --pr N",
                usage="ci-agent review",
            )
        return _local_review(invocation, path or invocation.cwd, base, head)

    return execute(overrides, "review", body)


def _local_review(invocation: Invocation, path: Path, base: str, head: str) -> Outcome:
    from ci_agent.config_trust import repository_renderer
    from ci_agent.forge.local import LOCAL_PULL_REQUEST, LocalForge, LocalRepository
    from ci_agent.review.engine import build_engines
    from ci_agent.review.pipeline import run_review
    from ci_agent.review.summary import review_markdown, review_report, review_result, review_text

    settings = invocation.settings
    review_config = settings.config.review
    repository = LocalRepository.open(path)
    forge = LocalForge(repository, base, head)
    renderer = repository_renderer(settings, repository.root)
    engines, note = build_engines(
        settings,
        llm=invocation.use.llm_setup(),
        metrics=invocation.metrics,
        log=invocation.term.detail,
        renderer=renderer,
        pull_request=forge.pull_request(LOCAL_PULL_REQUEST),
        retry=invocation.retry,
    )
    invocation.term.info(f"reviewing {base}..{head} in {path}")
    # A spinner with the current stage on a terminal; nothing in Actions, pipes or --quiet.
    with invocation.metrics.timed("review"), invocation.term.progress(None, "reviewing") as bar:

        def stage(message: str) -> None:
            bar.describe(message)
            invocation.term.detail(message)

        report = run_review(
            forge,
            LOCAL_PULL_REQUEST,
            review_config,
            settings.fail_level,
            engines,
            progress=stage,
        )
    result = review_result(report)
    result["notes"] = [*result["notes"], note]
    markdown = review_markdown(
        report,
        renderer,
        invocation.metrics,
        note=note,
        max_inline=settings.config.review.max_inline_comments,
        list_all=True,
    )
    return Outcome(
        "review",
        result=result,
        text=review_text(report, note=note),
        markdown=markdown,
        findings_at_fail_level=report.at_fail_level,
        errors=partial_errors(report),
        report=review_report(report),
    )


def github_review(
    invocation: Invocation,
    repository: str | None,
    number: int,
    forge: GitHubForge | None = None,
) -> Outcome:
    """Review pull request ``number`` of ``repository`` on GitHub (``--dry-run`` posts nothing).

    ``forge`` is the caller's, for the same repository (one forge per job keeps its writes
    spaced); without one, a forge is made and closed here.
    """
    from ci_agent.forge.github import require_repository, settings_for
    from ci_agent.report.value import ArtifactRef, Report
    from ci_agent.review.github_run import review_pull_request
    from ci_agent.review.summary import review_report

    repository = require_repository(repository)
    settings = settings_for(invocation.settings, repository)
    forge = forge or invocation.use.github(repository)
    server = invocation.environ.get("GITHUB_SERVER_URL") or "https://github.com"
    artifact, whole = _whole_report(invocation, repository, number)
    done = review_pull_request(
        forge,
        number,
        settings,
        invocation.metrics,
        invocation.term,
        repository=repository,
        server_url=server,
        retry=invocation.retry,
        whole=whole,
        llm=invocation.use.llm_setup(),
    )
    written: ArtifactRef | None = None
    if artifact and done.published is not None:
        from ci_agent.report.artifact import write_json_artifact

        written = write_json_artifact(invocation.environ, artifact, done.result)
        if written is not None:
            done.result["artifact"] = to_json(written)
    # Counts findings reported by an earlier run too: the exit code agrees with the check run.
    at_fail_level = int(done.result.get("at_fail_level", 0))
    return Outcome(
        "review",
        result=done.result,
        text=done.text,
        markdown=done.markdown,
        findings_at_fail_level=at_fail_level,
        annotations=done.annotations,
        read_only=done.published is not None and done.published.read_only,
        errors=partial_errors(done.report) if done.report is not None else [],
        report=review_report(done.report, written) if done.report is not None else Report(),
    )


def partial_errors(report: ReviewReport) -> list[CiAgentError]:
    """CA408 when an engine failed on some files: the exit status says the review is partial."""
    missing = report.partial
    if not missing:
        return []
    reasons = sorted({f.reason.removeprefix("not reviewed: ") for f in missing})
    shown = "; ".join(reasons[:3]) + (f"; and {len(reasons) - 3} more" if len(reasons) > 3 else "")
    return [fail("CA408", count=len(missing), reasons=shown)]


def _whole_report(invocation: Invocation, repository: str, number: int) -> tuple[str, str]:
    """The artifact that will hold the whole review (in Actions) and how the summary names it.

    Posted texts that must leave rows out to fit GitHub's limits say where the rest is: the
    run's artifact in Actions, the JSON output of a dry run elsewhere.
    """
    from ci_agent.report.artifact import report_artifact_name, run_url

    environ = invocation.environ
    wanted = invocation.settings.config.report.artifact and not invocation.settings.dry_run
    if wanted and invocation.settings.in_actions and environ.get("RUNNER_TEMP"):
        name = report_artifact_name("review", f"pr{number}", environ)
        url = run_url(environ)
        place = f"[this workflow run]({url})" if url else "this workflow run"
        return name, f"the `{name}` artifact of {place}"
    command = f"ci-agent review --repo {repository} --pr {number} --dry-run --output json"
    return "", f"`{command}`"
