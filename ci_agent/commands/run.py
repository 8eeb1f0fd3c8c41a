"""``ci-agent run``: the GitHub Action's entry point — pick the job from the event and inputs."""

from __future__ import annotations

import html
import json
import shlex
from typing import Any

import click

from ci_agent import __version__
from ci_agent.commands.common import Invocation, execute, global_options, unknown_command
from ci_agent.config import CliOverrides
from ci_agent.errors import CiAgentError, fail
from ci_agent.outcome import Outcome, envelope
from ci_agent.runner.events import Event

__all__ = ["ACTION_COMMANDS", "choose_command", "run"]

ACTION_COMMANDS = ("auto", "review", "tests", "fix", "triage", "plan", "backup", "doctor")
COMMENT_PREFIX = "/ci-agent"
COMMENT_COMMANDS = ("review", "fix", "help")
# What `command: auto` runs for each event; comments are parsed separately.
EVENT_COMMANDS = {
    "pull_request": "review",
    "pull_request_target": "review",
    "workflow_run": "fix",
    "schedule": "backup",
    "push": "plan",
}
# GitHub allows 1 MB of outputs per job; keep result-json well inside it.
RESULT_JSON_LIMIT = 512 * 1024


@click.command()
@global_options
def run(overrides: CliOverrides) -> int:
    """Run inside GitHub Actions: read the action's inputs and the event, run the chosen job."""
    return execute(overrides, "run", _run)


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
        outcome = _dispatch(invocation, load_event(invocation.environ))
    except CiAgentError as exc:
        outcome = Outcome("run", errors=[exc])
    _publish(invocation, outcome)
    return outcome


def _dispatch(invocation: Invocation, event: Event) -> Outcome:
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
        return Outcome(
            "run", result={"job": None, "skipped": reason}, text=f"nothing to do: {reason}"
        )
    if command == "triage" and not args:
        from ci_agent.commands.triage import run_triage_job

        if event.workflow_run_id is None:
            raise fail("CA113", event=event.name, command="triage", allowed="workflow_run")
        outcome = run_triage_job(
            invocation, settings.repository or event.repository, event.workflow_run_id
        )
        outcome.result = {"job": "triage", **outcome.result}
        return outcome
    if command == "fix":
        from ci_agent.commands.fix import fix_job

        return fix_job(invocation, event, args)
    if command == "backup":
        from ci_agent.commands.backup import backup_job

        outcome = backup_job(invocation, args)
        outcome.result = {"job": "backup", **outcome.result}
        return outcome
    if args:
        # Only backup and fix take extra arguments; ignoring them silently would hide a mistake.
        raise fail(
            "CA106",
            name="args",
            value=settings.args,
            allowed=f"nothing ({command} takes its settings from the inputs and the config file)",
        )
    if command == "doctor":
        from ci_agent.commands.doctor import diagnose

        outcome = diagnose(invocation)
        outcome.result = {"job": "doctor", **outcome.result}
        return outcome
    if command == "review":
        from ci_agent.commands.run_jobs import pull_request_review

        return pull_request_review(invocation, event)
    if command.startswith("comment-"):
        from ci_agent.commands.run_jobs import comment_command

        return comment_command(invocation, event, command)
    raise fail("CA109", command=command, version=__version__)


def _publish(invocation: Invocation, outcome: Outcome) -> None:
    """Step outputs and the job summary, written even when the job failed."""
    from ci_agent.runner.files import set_output
    from ci_agent.runner.summary import StepSummary

    environ = invocation.environ
    data = envelope(outcome, invocation.metrics)
    result_json = json.dumps(data, separators=(",", ":"), default=str)
    if len(result_json) > RESULT_JSON_LIMIT:
        data["result"] = {
            "truncated": True,
            "note": "result too large for an output; see the job summary",
        }
        result_json = json.dumps(data, separators=(",", ":"), default=str)
    result = outcome.result
    artifact: dict[str, Any] = result.get("artifact") or {}
    outputs = {
        "result-json": invocation.term.redact(result_json),
        "status": outcome.status,
        "exit-code": str(outcome.exit_code),
        "findings-count": str(result.get("findings_count", 0)),
        "max-severity": str(result.get("max_severity", "none")),
        "artifact-path": str(artifact.get("path", "")),
        "artifact-name": str(artifact.get("name", "")),
        "sha256": str(artifact.get("sha256", "")),
    }
    for name, value in outputs.items():
        set_output(environ, name, value)
    if environ.get("GITHUB_STEP_SUMMARY"):
        summary = StepSummary().add_heading(
            f"ci-agent {result.get('job') or 'run'}: {outcome.status}", 3
        )
        if outcome.markdown:
            # A blank line ends the HTML heading block so the markdown after it renders.
            summary.add_raw("\n" + invocation.term.redact(outcome.markdown), add_eol=True)
        for error in outcome.errors:
            message = html.escape(invocation.term.redact(error.message))
            summary.add_raw(
                f"\n> **{error.code}** {message}  \n> {html.escape(error.suggestion)}\n"
            )
        summary.write(environ)
