"""The one writer for a step's job log: our workflow commands live, every other line inert.

Inside Actions, everything ci-agent prints goes through :class:`JobLog`. Our own commands
(masks, groups) are written by :class:`~ci_agent.runner.commands.WorkflowCommands` on stderr,
the stream people read, so stdout holds only the result: ``--output json`` captured with
``$(...)`` stays one JSON document. Every other line, on either stream, is made inert by
:mod:`ci_agent.runner.inert` before it is written, whoever wrote its words.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TextIO

from ci_agent.runner.commands import WorkflowCommands
from ci_agent.runner.inert import inert_json, inert_text

__all__ = ["JobLog"]


class JobLog:
    """A step's stdout and stderr as the runner reads them; nothing is written until used."""

    def __init__(self, out: TextIO, err: TextIO, *, secrets: Iterable[str] = ()) -> None:
        self.out = out
        self.err = err
        self._secrets = tuple(dict.fromkeys(secrets))  # once each, in the order given
        self._commands = WorkflowCommands(err)
        self._masked = False

    @property
    def commands(self) -> WorkflowCommands:
        """Our own workflow commands, on stderr, after the masks."""
        self.mask_secrets()
        return self._commands

    def mask_secrets(self) -> None:
        """Ask the runner to mask the run's secrets, once, before any other line is written."""
        if self._masked:
            return
        self._masked = True
        for secret in self._secrets:
            self._commands.add_mask(secret)

    def write(self, stream: TextIO, text: str, *, json: bool = False) -> None:
        """Write ``text`` (one or more lines) to ``stream`` with no line the runner would obey.

        ``json`` keeps the text's JSON value while making it inert (see :func:`inert_json`).
        """
        self.mask_secrets()
        stream.write(inert_json(text) if json else inert_text(text))
        stream.flush()
