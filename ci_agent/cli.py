"""Console entry point: answers --help/--version without importing click, else runs the click app.

The click group lives in ``ci_agent.cli_app``; commands live in ``ci_agent.commands`` and are
imported only when invoked, so start-up stays fast and imports no SDK.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from ci_agent import __version__

__all__ = ["COMMANDS", "TOP_HELP", "main"]

# name -> (module:attribute, one-line help). The help is here so listing commands imports nothing.
COMMANDS: dict[str, tuple[str, str]] = {
    "review": (
        "ci_agent.commands.review:review",
        "AI code review of a pull request or local diff.",
    ),
    "tests": ("ci_agent.commands.pending:tests", "Generate pytest tests for changed code."),
    "fix": ("ci_agent.commands.fix:fix", "Fix a failed CI run with a verified patch."),
    "triage": ("ci_agent.commands.triage:triage", "Classify a failed CI run from its logs."),
    "plan": ("ci_agent.commands.pending:plan", "Plan a deployment from the changed paths."),
    "backup": ("ci_agent.commands.backup:backup", "Create, verify, restore and prune backups."),
    "run": (
        "ci_agent.commands.run:run",
        "Entry point of the GitHub Action: pick the job from the event.",
    ),
    "init": (
        "ci_agent.commands.init:init",
        "Write a starter config and workflows into a repository.",
    ),
    "doctor": ("ci_agent.commands.doctor:doctor", "Describe the environment and list problems."),
    "explain": ("ci_agent.commands.explain:explain", "Explain an error code."),
}

# click's own rendering of `ci-agent --help` at 80 columns; a test keeps the two identical.
# Printing it directly saves importing click (about 15 ms of a 45 ms start).
TOP_HELP = (
    "Usage: ci-agent [OPTIONS] COMMAND [ARGS]...\n\n"
    "  ci-agent: verified AI review, tests, CI fixes, deployment plans and backups.\n\n"
    "  Every command takes the global options -v/--verbose, -q/--quiet, --dry-run,\n"
    "  --output text|json|markdown, --config PATH and --no-color. Exit codes: 0 ok, 1\n"
    "  findings at or above fail-level, 2 usage or configuration error, 3 an external\n"
    "  service failed, 4 verification refused a result, 5 internal error\n"
    "  (docs/cli.md).\n\n"
    "Options:\n"
    "  -V, --version  Show the version and exit.\n"
    "  -h, --help     Show this message and exit.\n\n"
    "Commands:\n" + "".join(f"  {name:<7}  {short}\n" for name, (_, short) in COMMANDS.items())
)


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point: never lets a user error become a traceback."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args in (["--help"], ["-h"], []):
        sys.stdout.write(TOP_HELP)
        sys.exit(0)
    if args in (["--version"], ["-V"]):
        sys.stdout.write(f"ci-agent, version {__version__}\n")
        sys.exit(0)
    from ci_agent.cli_app import invoke

    sys.exit(invoke(args))
