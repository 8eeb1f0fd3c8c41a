"""The action's ``tests`` job: generate tests for the event's pull request (or the scope in
``args``), post the sticky comment, and keep the result (with the files) as an artifact.

A shard (``--shard I/N``) only keeps its artifact, named after its shard; the matrix's final
job (``--merge DIR`` of the shards' artifacts) delivers once for all of them, or, with
``--no-deliver``, only keeps the merged artifact for a job that runs nothing and has write
access (``--deliver DIR``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ci_agent.commands.common import Invocation
from ci_agent.errors import CiAgentError, fail
from ci_agent.json_form import to_json
from ci_agent.outcome import Outcome
from ci_agent.record import replace
from ci_agent.runner.events import Event

if TYPE_CHECKING:
    from ci_agent.change.claims import Claims

__all__ = ["TESTS_MARKER", "publish_tests", "run_tests_job"]

TESTS_MARKER = "tests"
_USAGE = "tests --path F | --all [--shard I/N] | --merge DIR [--no-deliver] | --deliver DIR"


def run_tests_job(invocation: Invocation, event: Event, args: Sequence[str]) -> Outcome:
    """Pull-request mode on pull-request events; ``args`` choose another scope."""
    from ci_agent.commands.tests import tests_outcome

    options = _parse(list(args))
    if options.get("deliver"):
        return _deliver_job(invocation, event, options)
    hold = options.pop("no_deliver", False)
    if hold and not options.get("merge"):
        raise fail("CA108", problem="--no-deliver goes with --merge DIR", usage=_USAGE)
    if not any(options.get(k) for k in ("base", "paths", "whole", "merge")):
        if event.pr_number is None or not event.base_sha:
            raise fail(
                "CA113",
                event=event.name,
                command="tests",
                allowed="pull_request, issue_comment (on a pull request)",
            )
        options["base"] = event.base_sha
    settings = invocation.settings
    # The job writes nothing into the checkout: the files travel in the result and artifact.
    outcome = tests_outcome(
        replace(invocation, settings=replace(settings, dry_run=True)), **options
    )
    result = dict(outcome.result)
    if not settings.dry_run:
        from ci_agent.report.artifact import report_artifact_name, write_json_artifact

        key = (event.head_sha or "local")[:12]
        shard = str(options.get("shard") or "")
        if shard:
            # One artifact per matrix job: the jobs share GITHUB_JOB, and a name is taken once.
            key += "-shard-" + shard.replace("/", "-of-")
        if shard or options.get("merge"):
            # The next job keeps the newest attempt (a re-run keeps the earlier ones).
            attempt = invocation.environ.get("GITHUB_RUN_ATTEMPT", "")
            result["attempt"] = int(attempt) if attempt.isdigit() else 1
        name = report_artifact_name("tests", key, invocation.environ)
        written = write_json_artifact(invocation.environ, name, result)
        if written is not None:
            result["artifact"] = to_json(written)
            outcome = outcome.with_report(artifact=written)
        repository = settings.repository or event.repository
        if shard:
            result["delivery"] = {"mode": "none", "why": "a shard: the merge job delivers"}
        elif hold:
            why = "--no-deliver: the run's job with --deliver lands the merged artifact"
            result["delivery"] = {"mode": "none", "why": why}
        elif event.pr_number is not None:
            result["delivery"] = _deliver(invocation, event, result, repository)
            forge = invocation.use.github(repository)
            try:
                result["comment"] = publish_tests(forge, event.pr_number, outcome.markdown)
            except CiAgentError as exc:
                if exc.code != "CA304":
                    raise
                # A fork's pull_request run gets a read-only token: the summary has it all.
                why = f"{exc.code}: {exc.message}; the job summary and the artifact hold it"
                result["comment"] = {"skipped": why}
                outcome = replace(outcome, read_only=True)
        elif options.get("merge"):
            from ci_agent.commands.tests_merge_job import deliver_merged

            result.update(deliver_merged(invocation, event, result, repository, outcome.markdown))
    return replace(outcome, result=result)


def _deliver_job(invocation: Invocation, event: Event, options: dict[str, Any]) -> Outcome:
    """Land the merged result of this run's read-only merge job; nothing of the repository
    runs here, so this job alone may hold write access."""
    from ci_agent.commands.tests_merge_job import delivered_claims, merged_outcome

    if set(options) != {"deliver"}:
        raise fail("CA108", problem="--deliver DIR takes no other option", usage=_USAGE)
    outcome = merged_outcome(invocation, options["deliver"])
    result = dict(outcome.result)
    settings = invocation.settings
    if settings.dry_run:
        result["delivery"] = {"mode": "none", "why": "--dry-run: nothing is pushed"}
        return replace(outcome, result=result)
    claims = delivered_claims(result, invocation.environ)
    repository = settings.repository or event.repository
    if event.pr_number is not None:
        result["delivery"] = _deliver(invocation, event, result, repository, claims)
        forge = invocation.use.github(repository)
        result["comment"] = publish_tests(forge, event.pr_number, outcome.markdown)
    else:
        from ci_agent.commands.tests_merge_job import deliver_merged

        found = deliver_merged(
            invocation, event, result, repository, outcome.markdown, claims=claims
        )
        result.update(found)
    return replace(outcome, result=result)


def _deliver(
    invocation: Invocation,
    event: Event,
    result: dict[str, Any],
    repository: str | None,
    claims: Claims | None = None,
) -> dict[str, object]:
    """Land the accepted files on the event's pull request as configured."""
    from ci_agent.testgen.deliver import PullRequestHead, deliver_tests
    from ci_agent.testgen.writer import GeneratedFile

    config = invocation.settings.config
    files = [GeneratedFile(f["path"], f["text"], tuple(f["targets"])) for f in result["files"]]
    if not event.head_sha or not event.head_ref or event.pr_number is None:
        return {"mode": "artifact", "why": "the event does not name the pull request's branch"}
    pull = PullRequestHead(event.pr_number, event.head_sha, event.head_ref, event.is_fork)
    # The job ran on the pull request's head: a path present in the checkout exists there.
    existing = [f.path for f in files if (invocation.cwd / f.path).exists()]
    return deliver_tests(
        invocation.use.github(repository, push=True),
        files,
        pull,
        mode=config.test_generation.delivery,
        author=config.fix.author,
        output=config.test_generation.output,
        existing=existing,
        claims=claims,
    )


def publish_tests(forge: Any, number: int, markdown: str) -> dict[str, Any]:
    """The result as the pull request's sticky comment (edited in place on a re-run)."""
    from ci_agent.forge.types import CommentKind
    from ci_agent.markers import marker
    from ci_agent.report.sticky_comment import find_ours, upsert_comment

    key = f"pr-{number}"
    body = marker(TESTS_MARKER, key) + "\n" + markdown
    existing = find_ours(forge.comments(number, CommentKind.ISSUE), TESTS_MARKER, key)
    comment_id, action = upsert_comment(forge, number, body, existing)
    return {"id": comment_id, "action": action}


def _parse(words: list[str]) -> dict[str, Any]:
    from ci_agent.commands.job_args import JobArgs, parse_job_args

    parser = JobArgs("tests")
    parser.add_argument("--base")
    parser.add_argument("--path", dest="paths", action="append", default=[])
    parser.add_argument("--all", dest="whole", action="store_true")
    parser.add_argument("--shard")
    parser.add_argument("--engine", choices=("auto", "model", "offline"))
    parser.add_argument("--merge", action="append", default=[], type=Path)
    parser.add_argument("--no-deliver", action="store_true")
    parser.add_argument("--deliver", action="append", default=[], type=Path)
    parsed = parse_job_args(parser, words, _USAGE)
    found = vars(parsed)
    for many in ("paths", "merge", "deliver"):
        found[many] = tuple(found[many])
    return {k: v for k, v in found.items() if v not in (None, (), False)}
