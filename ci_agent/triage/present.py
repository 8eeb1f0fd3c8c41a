"""The triage as people read it: terminal text and GitHub markdown."""

from __future__ import annotations

import re

from ci_agent.triage.extractor import MAX_FAILURES
from ci_agent.triage.report import JobReport
from ci_agent.triage.triage import TriageResult

__all__ = ["triage_markdown", "triage_text"]

_SHOWN = 10  # test ids and locations listed per job before "and N more"
_BACKTICKS = re.compile(r"`+")


def _listing(items: tuple[str, ...], code: bool = False) -> str:
    shown = list(items[:_SHOWN])
    if code:
        # The Markdown helpers (and their parser) load only for Markdown: a terminal needs neither.
        from ci_agent.report.markdown import code_span

        shown = [code_span(item) for item in shown]
    more = f" and {len(items) - _SHOWN} more" if len(items) > _SHOWN else ""
    return ", ".join(shown) + more


def _headline(result: TriageResult) -> str:
    source = result.source
    count = len(result.jobs)
    jobs = f"{count} failed job{'' if count == 1 else 's'}"
    if source.get("kind") == "run":
        branch = f" on {source['head_branch']}" if source.get("head_branch") else ""
        return (
            f"run {source['run_id']} of {source['repository']} ({source['workflow']}, "
            f"{str(source['head_sha'])[:7]}{branch}): {jobs}"
        )
    passed = source.get("passed_jobs", [])
    if passed:  # an archive's jobs that passed: said, not triaged
        shown = ", ".join(passed[:_SHOWN]) + (
            f" and {len(passed) - _SHOWN} more" if len(passed) > _SHOWN else ""
        )
        jobs += f" ({len(passed)} passed, left out: {shown})"
    return f"{len(source.get('paths', []))} log file(s): {jobs}"


def _whole_note(job: JobReport, whole: str | None) -> str:
    """What was found, what is listed, and where the whole list is; '' when all is listed."""
    tests, places = len(job.failing_tests), len(job.locations)
    if tests <= _SHOWN and places <= _SHOWN and not job.omitted:
        return ""
    found = [
        f"{tests} failing test{'' if tests == 1 else 's'}",
        f"{places} location{'' if places == 1 else 's'}",
        f"{len(job.failures)} failure{'' if len(job.failures) == 1 else 's'}",
    ]
    kept = (
        f"; {job.omitted} more failures were counted but not kept (a log keeps at most "
        f"{MAX_FAILURES:,})"
        if job.omitted
        else ""
    )
    where = whole or "--output json, or --json-out FILE"
    return (
        f"found {', '.join(found)}; up to {_SHOWN} of each are listed here{kept}; "
        f"the whole list: {where}"
    )


def triage_text(result: TriageResult, whole: str | None = None) -> str:
    """The report for a terminal; ``whole`` names the file holding the whole result."""
    lines = [f"triage of {_headline(result)}"]
    for job in result.jobs:
        lines += ["", *_job_text(job, whole)]
    decision = result.decision
    lines += ["", f"strategy: {decision.strategy} ({decision.rule}): {decision.reason}"]
    if result.rerun is not None:
        done = "requested" if result.rerun.requested else "not requested"
        lines.append(f"re-run: {done}: {result.rerun.reason}")
    return "\n".join(lines)


def _job_text(job: JobReport, whole: str | None) -> list[str]:
    where = f", step '{job.steps[0]}'" if job.steps else ""
    code = f", exit code {job.exit_code}" if job.exit_code is not None else ""
    lines = [
        f"job '{job.job}'{where}{code}",
        f"  kind: {job.kind}  strategy: {job.decision.strategy}  signature: {job.signature}",
        f"  reason: {job.decision.reason}",
    ]
    if job.failing_tests:
        lines.append(f"  failing tests: {_listing(job.failing_tests)}")
    if job.locations:
        lines.append(f"  locations: {_listing(job.locations)}")
    note = _whole_note(job, whole)
    if note:
        lines.append(f"  ({note})")
    if job.excerpt:
        lines.append(f"  excerpt ({job.excerpt_tokens} tokens):")
        lines += [f"    | {line}" if line else "    |" for line in job.excerpt.splitlines()]
    return lines


def triage_markdown(result: TriageResult, whole: str | None = None) -> str:
    """The report for a pull-request comment or a job summary (templates/comments/triage.md.j2);
    ``whole`` names the file (or artifact) holding the whole result."""
    from ci_agent.render import TemplateRenderer
    from ci_agent.report.markdown import plain_text

    decision = result.decision
    rerun = None
    if result.rerun is not None:
        done = "requested" if result.rerun.requested else "not requested"
        rerun = f"{done}: {_prose(result.rerun.reason)}"
    jobs = [
        {
            "name_cell": _cell(job.job),
            "step_cell": _cell(job.steps[0] if job.steps else ""),
            "kind": job.kind,
            "strategy": job.decision.strategy,
            "signature": job.signature,
            "title": plain_text(job.job),
            "reason": _prose(job.decision.reason),
            "tests": _listing(job.failing_tests, code=True) if job.failing_tests else "",
            "locations": _listing(job.locations, code=True) if job.locations else "",
            "note": _prose(note) if (note := _whole_note(job, whole)) else "",
            "excerpt": _fenced(job.excerpt) if job.excerpt else "",
            "excerpt_tokens": job.excerpt_tokens,
        }
        for job in result.jobs
    ]
    text = TemplateRenderer().render(
        "comments/triage.md.j2",
        strategy=decision.strategy,
        rule=decision.rule,
        reason=_prose(decision.reason),
        headline=_prose(_headline(result)),  # job and workflow names come from the repository
        rerun=rerun,
        jobs=jobs,
    )
    return text.rstrip("\n")


def _fenced(excerpt: str) -> str:
    """The excerpt in a fence longer than any backtick run in it."""
    fence = "`" * max(3, 1 + max((len(m) for m in _BACKTICKS.findall(excerpt)), default=0))
    return f"{fence}text\n{excerpt}\n{fence}"


def _prose(text: str) -> str:
    """A reason as markdown: it can quote a log line, so mentions, links and HTML are defused."""
    from ci_agent.report.markdown import plain_text

    return plain_text(text)


def _cell(text: str) -> str:
    """A job or step name (from the workflow, which a pull request can change) as a table cell."""
    from ci_agent.report.markdown import table_cell

    return table_cell(text)
