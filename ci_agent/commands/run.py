"""``ci-agent run``: the GitHub Action's entry point — pick the job from the event and inputs."""

from __future__ import annotations

import importlib
import shlex

import click

from ci_agent import __version__
from ci_agent.capabilities import (
    TOOLS,
    action_jobs,
    capability,
    comment_verbs,
    event_jobs,
)
from ci_agent.commands.common import (
    Invocation,
    execute,
    global_options,
    unknown_command,
    with_base_config,
)
from ci_agent.config import CliOverrides
from ci_agent.errors import CiAgentError, fail
from ci_agent.json_form import to_json
from ci_agent.outcome import Outcome, envelope
from ci_agent.record import replace
from ci_agent.runner.events import Event

__all__ = ["ACTION_COMMANDS", "EVENT_COMMANDS", "choose_command", "run"]

# Every value of the action's `command` input, and what `auto` runs for each event: both read
# from the capability registry, so only jobs that exist are offered or picked.
ACTION_COMMANDS = action_jobs()
EVENT_COMMANDS = event_jobs()
COMMENT_PREFIX = "/ci-agent"
COMMENT_COMMANDS = comment_verbs()


@click.command()
@global_options
def run(overrides: CliOverrides) -> int:
    """Run inside GitHub Actions: read the action's inputs and the event, run the chosen job."""
    # The job's configuration is read once the event asks for a job (_dispatch).
    return execute(overrides, "run", _run, base_config=False)


def choose_command(requested: str, event: Event) -> tuple[str | None, str]:
    """The job to run and why; None when the event asks for nothing (e.g. an ordinary comment)."""
    if requested not in ACTION_COMMANDS:
        raise unknown_command(requested, list(ACTION_COMMANDS))
    if requested != "auto":
        return requested, "set by the 'command' input"
    if event.name in {"issue_comment", "pull_request_review_comment"}:
        return _comment_command(event)
    if event.name == "workflow_dispatch" and event.inputs.get("command") in ACTION_COMMANDS[1:]:
        return event.inputs["command"], "set by the workflow_dispatch input 'command'"
    if event.name in EVENT_COMMANDS:
        return EVENT_COMMANDS[event.name], f"chosen for the '{event.name}' event"
    allowed = ", ".join([*EVENT_COMMANDS, "issue_comment"])
    raise fail("CA113", event=event.name, command="auto", allowed=allowed)


def _comment_command(event: Event) -> tuple[str | None, str]:
    body = (event.comment_body or "").strip()
    words = body.splitlines()[0].split() if body else []
    if not words or words[0] != COMMENT_PREFIX:
        return None, "the comment is not a ci-agent command"
    if event.is_bot_sender:
        return None, "comments from bots are ignored"
    if event.name == "issue_comment" and not event.is_pr_comment:
        return None, "ci-agent commands work on pull requests only"
    sub = words[1] if len(words) > 1 else "help"
    # An unknown sub-command is answered with the help text, as the review issue specifies.
    return f"comment-{sub if sub in COMMENT_COMMANDS else 'help'}", "asked for in a PR comment"


def _run(invocation: Invocation) -> Outcome:
    settings = invocation.settings
    if not settings.in_actions:
        raise fail("CA112")
    from ci_agent.runner.events import load_event
    from ci_agent.runner.inputs import get_input

    try:
        # The action always passes `command` (default auto); without it, `run` was called
        # outside the action, where none of its inputs exist.
        get_input(invocation.environ, "command", required=True)
        invocation, outcome = _dispatch(invocation, load_event(invocation.environ))
    except CiAgentError as exc:
        outcome = Outcome("run", errors=[exc])
    # execute() sets this after the body returns; the outputs are written before that.
    outcome = replace(outcome, dry_run=settings.dry_run)
    _publish(invocation, outcome)
    return outcome


def _dispatch(invocation: Invocation, event: Event) -> tuple[Invocation, Outcome]:
    """The job's outcome, and the invocation it ran with (settings from the base commit)."""
    settings = invocation.settings
    command, reason = choose_command(settings.command, event)
    invocation.term.info(f"ci-agent {__version__}: event '{event.name}', job: {command} ({reason})")
    try:
        args = shlex.split(settings.args)
    except ValueError as exc:
        raise fail(
            "CA106", name="args", value=settings.args, allowed=f"shell-like words ({exc})"
        ) from None
    if command is None:
        skipped = Outcome(
            "run", result={"job": None, "skipped": reason}, text=f"nothing to do: {reason}"
        )
        return invocation, skipped
    if command.startswith("comment-"):
        from ci_agent.commands.run_jobs import comment_command

        invocation = with_base_config(invocation)
        answered = comment_command(invocation, event, command).with_report(job=command)
        return invocation, _with_config(invocation, answered)
    entry = capability(command) or next((t for t in TOOLS if t.name == command), None)
    target = entry.action_job if entry is not None else None
    if target is None:
        raise fail("CA109", command=command, version=__version__)
    if args and not getattr(entry, "takes_args", False):
        # Only some jobs take extra arguments; ignoring them silently would hide a mistake.
        raise fail(
            "CA106",
            name="args",
            value=settings.args,
            allowed=f"nothing ({command} takes its settings from the inputs and the config file)",
        )
    if command != "doctor":  # doctor reports the settings as they are, reading nothing
        invocation = with_base_config(invocation)
    module, attribute = target.split(":")
    job = getattr(importlib.import_module(module), attribute)
    outcome: Outcome = job(invocation, event, args)
    if "job" not in outcome.result:
        outcome = outcome.with_result({"job": command})
    outcome = outcome.with_report(job=outcome.report.job or command)
    return invocation, outcome if command == "doctor" else _with_config(invocation, outcome)


def _with_config(invocation: Invocation, outcome: Outcome) -> Outcome:
    """The result says which configuration the job ran with (and the summary shows its note)."""
    source = invocation.settings.config_source
    return outcome.with_result(config=to_json(source)).with_report(config_note=source.note)


def _publish(invocation: Invocation, outcome: Outcome) -> None:
    """The run's surfaces in the job: annotations, outputs and the job summary — written even
    when the job failed. Which of them a run uses is the ``report`` configuration."""
    from ci_agent.report.annotations import publish_annotations, wants_annotations
    from ci_agent.report.job_summary import write_job_summary
    from ci_agent.report.outputs import write_outputs

    surfaces = invocation.settings.config.report
    report = outcome.report
    notes: list[str] = [report.config_note] if report.config_note else []
    if wants_annotations(surfaces.annotations, read_only=outcome.read_only):
        dropped = publish_annotations(invocation.use.runner(), outcome.annotations)
        notes += [dropped] if dropped else []
    redact = invocation.term.redact
    data = envelope(outcome, invocation.metrics)
    write_outputs(invocation.environ, data, report, redact)
    if surfaces.job_summary:
        title = f"ci-agent {report.job or 'run'}: {outcome.status}"
        write_job_summary(
            invocation.environ, title, outcome.markdown, outcome.errors, redact, notes=notes
        )
