"""The action's jobs, one per registry entry, all with the same signature.

``ci-agent run`` looks a job up in :mod:`ci_agent.capabilities` and calls it with the
invocation, the event and the words of the ``args`` input (empty unless the entry takes them).
Each adapter only unpacks the event for the command module that does the work.
"""

from __future__ import annotations

from collections.abc import Sequence

from ci_agent.commands.common import Invocation
from ci_agent.errors import fail
from ci_agent.outcome import Outcome
from ci_agent.runner.events import Event

__all__ = ["backup_job", "doctor_job", "fix_job", "review_job", "triage_job"]


def review_job(invocation: Invocation, event: Event, args: Sequence[str]) -> Outcome:
    """Review the event's pull request."""
    from ci_agent.commands.run_jobs import pull_request_review

    return pull_request_review(invocation, event)


def fix_job(invocation: Invocation, event: Event, args: Sequence[str]) -> Outcome:
    """Compute a fix in the PR's CI job, or land one from ``workflow_run``."""
    from ci_agent.commands.fix import fix_job as job

    return job(invocation, event, args)


def triage_job(invocation: Invocation, event: Event, args: Sequence[str]) -> Outcome:
    """Triage the failed workflow run of a ``workflow_run`` event and re-run what is flaky."""
    from ci_agent.commands.triage import run_triage_job

    if event.workflow_run_id is None:
        raise fail("CA113", event=event.name, command="triage", allowed="workflow_run")
    return run_triage_job(
        invocation, invocation.settings.repository or event.repository, event.workflow_run_id
    )


def backup_job(invocation: Invocation, event: Event, args: Sequence[str]) -> Outcome:
    """``backup SUBCOMMAND ARGS``; no args is a daily ``create``."""
    from ci_agent.commands.backup import backup_job as job

    return job(invocation, args)


def doctor_job(invocation: Invocation, event: Event, args: Sequence[str]) -> Outcome:
    """Describe the runner's environment and list problems."""
    from ci_agent.commands.doctor import diagnose

    return diagnose(invocation)
