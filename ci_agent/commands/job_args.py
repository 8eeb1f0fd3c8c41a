"""The action's ``args`` input of a job, parsed: a bad word is a coded error (CA108), never
argparse's usage text and exit."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import NoReturn

from ci_agent.errors import fail

__all__ = ["JobArgs", "parse_job_args"]


class JobArgs(argparse.ArgumentParser):
    """An argument parser for a job's ``args`` that raises instead of printing and exiting."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog=prog, add_help=False, exit_on_error=False)

    def error(self, message: str) -> NoReturn:
        """Missing or unknown arguments: raised, so the job reports them with its code."""
        raise argparse.ArgumentError(None, message)


def parse_job_args(parser: JobArgs, words: Sequence[str], usage: str) -> argparse.Namespace:
    """``words`` parsed by ``parser``, or CA108 naming the problem and the usage."""
    try:
        return parser.parse_args(list(words))
    except argparse.ArgumentError as exc:
        raise fail("CA108", problem=f"{parser.prog} args: {exc}", usage=usage) from None
