"""Console entry point: answers --help/--version without importing click, else runs the click app.

The click group lives in ``ci_agent.cli_app``; commands live in ``ci_agent.commands`` and are
imported only when invoked, so start-up stays fast and imports no SDK.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from ci_agent import __version__
from ci_agent.capabilities import COMMANDS

__all__ = ["COMMANDS", "TOP_HELP", "main"]

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
    from ci_agent.help_pages import fast_answer

    answer = fast_answer(args)
    if answer is not None:
        sys.stdout.write(answer + "\n")
        sys.exit(0)
    from ci_agent.cli_app import invoke

    sys.exit(invoke(args))
