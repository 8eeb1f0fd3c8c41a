"""Thin click layer: parse arguments, build Settings at the edge, run a command, exit with its code.

Commands live in ``ci_agent.commands`` and are imported only when invoked, so ``--help`` and
``--version`` stay fast and import no SDK.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from typing import Any

import click

from ci_agent import __version__

__all__ = ["cli", "main"]

# name -> (module:attribute, one-line help). The help is here so listing commands imports nothing.
COMMANDS: dict[str, tuple[str, str]] = {
    "review": (
        "ci_agent.commands.pending:review",
        "AI code review of a pull request or local diff.",
    ),
    "tests": ("ci_agent.commands.pending:tests", "Generate pytest tests for changed code."),
    "fix": ("ci_agent.commands.pending:fix", "Fix a failed CI run with a verified patch."),
    "triage": ("ci_agent.commands.pending:triage", "Classify a failed CI run from its logs."),
    "plan": ("ci_agent.commands.pending:plan", "Plan a deployment from the changed paths."),
    "backup": ("ci_agent.commands.pending:backup", "Create, verify, restore and prune backups."),
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

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class LazyGroup(click.Group):
    """A group whose commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Command names in declaration order."""
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Import and return the command, or None when unknown."""
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module_name, attribute = entry[0].split(":")
        command: click.Command = getattr(importlib.import_module(module_name), attribute)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List commands from the table above without importing them."""
        with formatter.section("Commands"):
            formatter.write_dl([(name, short) for name, (_, short) in COMMANDS.items()])

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """Turn an unknown command into a coded error with a did-you-mean hint."""
        name = args[0] if args else ""
        if name and not name.startswith("-") and name not in COMMANDS:
            from ci_agent.commands.common import unknown_command

            raise unknown_command(name, list(COMMANDS))
        return super().resolve_command(ctx, args)


@click.group(cls=LazyGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", prog_name="ci-agent")
def cli() -> None:
    """ci-agent: verified AI review, tests, CI fixes, deployment plans and backups.

    Every command takes the global options -v/--verbose, -q/--quiet, --dry-run,
    --output text|json|markdown, --config PATH and --no-color. Exit codes: 0 ok,
    1 findings at or above fail-level, 2 usage or configuration error, 3 an external
    service failed, 4 verification refused a result, 5 internal error (docs/cli.md).
    """


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point: never lets a user error become a traceback."""
    args = list(sys.argv[1:] if argv is None else argv)
    code = _invoke(args)
    sys.exit(code)


def _invoke(args: list[str]) -> int:
    try:
        result: Any = cli.main(args=args, prog_name="ci-agent", standalone_mode=False)
    except click.exceptions.Abort:
        return _report_interrupt(args)
    except click.ClickException as exc:
        return _report_usage(exc, args)
    except KeyboardInterrupt:
        return _report_interrupt(args)
    except Exception as exc:
        from ci_agent.errors import CiAgentError

        if not isinstance(exc, CiAgentError):
            raise
        from ci_agent.commands.common import report_early_error

        return report_early_error(exc, args)
    return result if isinstance(result, int) else 0


def _report_usage(exc: click.ClickException, args: list[str]) -> int:
    from ci_agent.commands.common import report_early_error
    from ci_agent.errors import fail

    command = next((a for a in args if a in COMMANDS), "")
    return report_early_error(fail("CA108", problem=exc.format_message(), command=command), args)


def _report_interrupt(args: list[str]) -> int:
    from ci_agent.commands.common import report_early_error
    from ci_agent.errors import fail

    return report_early_error(fail("CA702", signal="SIGINT"), args)
