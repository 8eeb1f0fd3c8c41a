"""One failed job's report from its extracted log: the failed steps (named as the API names
them), the failures in them, JUnit results merged in, the decision, signature and excerpt."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ci_agent.record import replace
from ci_agent.triage.classify import History, Policy, classify
from ci_agent.triage.extract import Extraction
from ci_agent.triage.model import Failure, Kind
from ci_agent.triage.report import JobReport, excerpt, signature
from ci_agent.triage.steps import StepLog

if TYPE_CHECKING:
    from ci_agent.forge.run_types import Job

__all__ = ["failed_steps", "job_report", "junit_report", "merge_junit"]

_NOT_IN_LOG_SECTIONS = ("Set up job", "Complete job")


def job_report(
    name: str,
    extraction: Extraction,
    *,
    policy: Policy,
    history: History,
    budget: int,
    job: Job | None = None,
    source: str = "",
    junit: Sequence[Failure] = (),
) -> JobReport:
    """Classify the failures of the job's failed steps and build its report."""
    steps, names = failed_steps(extraction, job)
    failures = list(extraction.failures_in(steps))
    if job is not None and job.conclusion == "timed_out":
        message = "the job timed out (conclusion: timed_out)"
        failures.append(Failure(Kind.TIMEOUT, "github-actions", message))
    failures = merge_junit(failures, junit, steps[0].number if steps else 0)
    tail = next((s.tail for s in reversed(steps) if s.tail), ())
    exit_code = next((s.exit_code for s in steps if s.exit_code is not None), None)
    decision = classify(
        failures,
        policy=policy,
        history=history,
        job=name,
        step=names[0] if names else None,
        exit_code=exit_code,
    )
    return JobReport(
        name,
        job.id if job else None,
        source or (job.url if job else str(extraction.path)),
        tuple(names),
        exit_code,
        tuple(failures),
        decision,
        signature(failures, tail),
        excerpt(failures, tail, budget),
        extraction.size,
        extraction.dropped,
    )


def failed_steps(extraction: Extraction, job: Job | None) -> tuple[tuple[StepLog, ...], list[str]]:
    """The log's failed steps, named as the API names them when the two line up.

    The log's ``Run ...`` sections follow the API's steps minus "Set up job", skipped and
    post steps and "Complete job"; a step that failed with ``continue-on-error`` has an error
    marker but a successful conclusion, and is left out. When they do not line up (a composite
    action's steps have Run headers of their own), the failed steps are named as the API's
    failed steps when there are as many.
    """
    failed = extraction.failed_steps()
    if job is None or not job.steps:
        return failed, [s.name for s in failed]
    sections = [s for s in extraction.steps if s.number > 1 and not s.post]
    api = [
        s
        for s in job.steps
        if s.name not in _NOT_IN_LOG_SECTIONS
        and not s.name.startswith("Post ")
        and s.conclusion != "skipped"
    ]
    if len(sections) != len(api):
        # The log's Run headers do not line up with the API's steps (a composite action's own
        # steps have headers too): the failed ones still do, one for one, when as many failed.
        api_failed = [s.name for s in job.steps if s.conclusion == "failure"]
        names = [s.name for s in failed]
        return failed, api_failed if len(api_failed) == len(failed) else names
    by_number = {section.number: step for section, step in zip(sections, api, strict=True)}
    chosen = [
        section
        for section in extraction.steps
        if (section.failed and section.number not in by_number)
        or (section.number in by_number and by_number[section.number].conclusion == "failure")
    ] or list(failed)
    names = [by_number[s.number].name if s.number in by_number else s.name for s in chosen]
    return tuple(chosen), names


def merge_junit(failures: list[Failure], junit: Sequence[Failure], step: int) -> list[Failure]:
    """Add JUnit's test failures: a test the log already names only gets its location."""
    by_id = {f.test_id: i for i, f in enumerate(failures) if f.test_id}
    for failure in junit:
        index = by_id.get(failure.test_id or "")
        if index is None:
            failures.append(replace(failure, step=step))
        elif failures[index].location is None and failure.location is not None:
            failures[index] = replace(failures[index], location=failure.location)
    return failures


def junit_report(
    junit: Sequence[Failure], *, policy: Policy, history: History, budget: int, source: str
) -> JobReport:
    """The report of JUnit results given without a log."""
    decision = classify(list(junit), policy=policy, history=history, job="junit")
    return JobReport(
        "junit",
        None,
        source,
        (),
        None,
        tuple(junit),
        decision,
        signature(junit),
        excerpt(junit, (), budget),
        0,
    )
