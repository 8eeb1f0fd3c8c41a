"""The capability registry: what ci-agent can do, and where each entry point finds it.

One table read by the CLI (commands and ``--help``), the action's ``run`` dispatch, ``command:
auto`` (which job answers which event) and PR comment commands (``/ci-agent VERB``). Adding a
capability is one row here, a package that returns a report, a CLI command module and an
action job. This module imports nothing, so listing commands stays fast.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CAPABILITIES",
    "COMMANDS",
    "TOOLS",
    "Capability",
    "Tool",
    "action_jobs",
    "capability",
    "comment_verbs",
    "event_jobs",
]


@dataclass(frozen=True)
class Capability:
    """One job ci-agent does for a repository."""

    name: str
    summary: str  # one line, for --help
    command: str  # "module:attribute" of the click command
    action_job: str | None = None  # "module:attribute" of the action's job, None if not built
    events: tuple[str, ...] = ()  # events `command: auto` answers with this job
    comment_verb: str | None = None  # `/ci-agent VERB` on a pull request
    takes_args: bool = False  # whether the action's `args` input reaches the job

    @property
    def available(self) -> bool:
        """False for capabilities not built yet: they answer CA109, and `auto` never picks them."""
        return self.action_job is not None


@dataclass(frozen=True)
class Tool:
    """A CLI command that is not a capability (the action's entry point, setup, diagnostics)."""

    name: str
    summary: str
    command: str
    action_job: str | None = None


CAPABILITIES: tuple[Capability, ...] = (
    Capability(
        "review",
        "AI code review of a pull request or local diff.",
        "ci_agent.commands.review:review",
        "ci_agent.commands.jobs:review_job",
        events=("pull_request", "pull_request_target"),
        comment_verb="review",
    ),
    Capability(
        "tests",
        "Generate pytest tests for changed code.",
        "ci_agent.commands.tests:tests",
        "ci_agent.commands.jobs:tests_job",
        comment_verb="tests",
        takes_args=True,
    ),
    Capability(
        "fix",
        "Fix a failed CI run with a verified patch.",
        "ci_agent.commands.fix:fix",
        "ci_agent.commands.jobs:fix_job",
        events=("workflow_run",),
        comment_verb="fix",
        takes_args=True,
    ),
    Capability(
        "triage",
        "Classify a failed CI run from its logs.",
        "ci_agent.commands.triage:triage",
        "ci_agent.commands.jobs:triage_job",
    ),
    Capability(
        "plan",
        "Plan a deployment from the changed paths.",
        "ci_agent.commands.plan:plan",
        "ci_agent.commands.jobs:plan_job",
        events=("push",),
        takes_args=True,
    ),
    Capability(
        "backup",
        "Create, verify, restore and prune backups.",
        "ci_agent.commands.backup:backup",
        "ci_agent.commands.jobs:backup_job",
        events=("schedule",),
        takes_args=True,
    ),
    Capability(
        "insights",
        "CI health dashboard: metrics, flaky tests, recommendations.",
        "ci_agent.commands.insights:insights",
        "ci_agent.commands.jobs:insights_job",
        takes_args=True,
    ),
)

TOOLS: tuple[Tool, ...] = (
    Tool(
        "run",
        "Entry point of the GitHub Action: pick the job from the event.",
        "ci_agent.commands.run:run",
    ),
    Tool(
        "init",
        "Write a starter config and workflows into a repository.",
        "ci_agent.commands.init:init",
    ),
    Tool(
        "doctor",
        "Describe the environment and list problems.",
        "ci_agent.commands.doctor:doctor",
        "ci_agent.commands.jobs:doctor_job",
    ),
    Tool("explain", "Explain an error code.", "ci_agent.commands.explain:explain"),
)

# name -> (module:attribute, one-line help), in the order --help lists them.
COMMANDS: dict[str, tuple[str, str]] = {
    **{c.name: (c.command, c.summary) for c in CAPABILITIES},
    **{t.name: (t.command, t.summary) for t in TOOLS},
}


def capability(name: str) -> Capability | None:
    """The capability called ``name``, if there is one."""
    return next((c for c in CAPABILITIES if c.name == name), None)


def action_jobs() -> tuple[str, ...]:
    """Every value the action's ``command`` input takes, ``auto`` first."""
    return ("auto", *(c.name for c in CAPABILITIES), *(t.name for t in TOOLS if t.action_job))


def event_jobs() -> dict[str, str]:
    """Event name -> the built capability that ``command: auto`` runs for it."""
    return {event: c.name for c in CAPABILITIES if c.available for event in c.events}


def comment_verbs() -> tuple[str, ...]:
    """The ``/ci-agent VERB`` commands, ``help`` last."""
    return (*(c.comment_verb for c in CAPABILITIES if c.available and c.comment_verb), "help")
