"""The click application: lazy command loading, and parse errors turned into coded errors."""

from __future__ import annotations

import importlib
from typing import Any

import click

from ci_agent import __version__
from ci_agent.capabilities import COMMANDS

__all__ = ["LazyGroup", "cli", "invoke"]

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
        """List commands from the table without importing them."""
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


def invoke(args: list[str]) -> int:
    """Run the click app on ``args``; return the exit code. Errors are coded, never tracebacks."""
    from ci_agent.commands.common import report_early_error
    from ci_agent.errors import CiAgentError, fail, signal_name

    try:
        result: Any = cli.main(args=args, prog_name="ci-agent", standalone_mode=False)
    except KeyboardInterrupt as exc:
        return report_early_error(fail("CA702", signal=signal_name(exc)), args)
    except click.exceptions.Abort:
        return report_early_error(fail("CA702", signal="SIGINT"), args)
    except click.ClickException as exc:
        usage = " ".join(["ci-agent", *(a for a in args[:1] if a in COMMANDS)])
        problem = exc.format_message()
        return report_early_error(fail("CA108", problem=problem, usage=usage), args)
    except CiAgentError as exc:  # coded errors raised while parsing options
        return report_early_error(exc, args)
    return result if isinstance(result, int) else 0
