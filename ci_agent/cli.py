"""Console entry point: answers ``--help``, ``--version``, ``CMD --help`` and ``explain CODE``
without importing click or any command, and runs a local ``triage`` without click when its
arguments are plain (``ci_agent.commands.triage_args``); everything else runs the click app.

The click group lives in ``ci_agent.cli_app``; commands live in ``ci_agent.commands`` and are
imported only when invoked. The pages answered here are click's own rendering, stored by
``scripts/gen-docs`` in ``ci_agent/help_pages.json`` (see ``ci_agent.help_pages``).
"""

from __future__ import annotations

import sys

__all__ = ["COMMANDS", "TOP_HELP", "main"]  # noqa: F822 - the first two from __getattr__


def __getattr__(name: str) -> object:
    """``COMMANDS`` and ``TOP_HELP`` on demand: importing them costs every start-up."""
    if name == "COMMANDS":
        from ci_agent.capabilities import COMMANDS

        return COMMANDS
    if name == "TOP_HELP":
        from ci_agent.help_pages import fast_answer

        return f"{fast_answer(['--help'])}\n"
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: never lets a user error become a traceback."""
    args = list(sys.argv[1:] if argv is None else argv)
    if argv is None:  # the console script, not a caller's own process
        # The C module: ``signal`` imports enum and builds its enums, a cost at every start.
        import _signal  # type: ignore[import-not-found]

        _signal.signal(_signal.SIGTERM, _terminated)
    if args in (["--version"], ["-V"]):
        from ci_agent import __version__

        sys.stdout.write(f"ci-agent, version {__version__}\n")
        sys.exit(0)
    # Local triage starts without click when click is not needed (help: the stored pages).
    if args[:1] == ["triage"] and "-h" not in args and "--help" not in args:
        from ci_agent.commands.triage_args import fast_triage

        code = fast_triage(args[1:])
        if code is not None:
            sys.exit(code)
    from ci_agent.help_pages import fast_answer

    answer = fast_answer(args)
    if answer is not None:
        sys.stdout.write(answer + "\n")
        sys.exit(0)
    from ci_agent.cli_app import invoke

    sys.exit(invoke(args))


def _terminated(signum: int, frame: object) -> None:
    from ci_agent.errors import Terminated

    raise Terminated
