"""Commands whose capability is not built yet: they say so with a coded error, never pretend."""

from __future__ import annotations

import click

from ci_agent import __version__
from ci_agent.commands.common import Invocation, execute, global_options
from ci_agent.config import CliOverrides
from ci_agent.errors import fail
from ci_agent.outcome import Outcome

__all__ = ["tests"]

_LENIENT = {"ignore_unknown_options": True, "allow_extra_args": True}


def _pending(name: str, summary: str) -> click.Command:
    """A command that exits 2 with CA109 whatever arguments it is given."""

    @click.command(
        name=name.rsplit(maxsplit=1)[-1],
        help=f"{summary}\n\nNot available yet.",
        context_settings=_LENIENT,
    )
    @click.argument("args", nargs=-1, type=click.UNPROCESSED)
    @global_options
    def command(overrides: CliOverrides, args: tuple[str, ...]) -> int:
        def body(invocation: Invocation) -> Outcome:
            raise fail("CA109", command=name, version=__version__)

        return execute(overrides, name, body)

    return command


tests = _pending("tests", "Generate pytest tests for changed code.")
