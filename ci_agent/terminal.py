"""Human-facing output: messages on stderr, groups, progress; quiet, colour and Actions aware."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol, TextIO

import click

from ci_agent.errors import CiAgentError
from ci_agent.redact import Redactor

__all__ = ["Progress", "Terminal"]


class Progress(Protocol):
    """A running progress indicator."""

    def advance(self, amount: float = 1) -> None:
        """Record ``amount`` units of work done."""

    def describe(self, text: str) -> None:
        """Show what is being done now."""


class _NoProgress:
    def advance(self, amount: float = 1) -> None:
        """Do nothing: progress is not shown here."""

    def describe(self, text: str) -> None:
        """Do nothing: progress is not shown here."""


@dataclass
class _RichProgress:
    bar: Any
    task: Any

    def advance(self, amount: float = 1) -> None:
        """Move the bar forward."""
        self.bar.advance(self.task, amount)

    def describe(self, text: str) -> None:
        """Replace the bar's description."""
        self.bar.update(self.task, description=text)


class Terminal:
    """Where ci-agent talks to people: stderr, so stdout stays machine-readable."""

    def __init__(
        self,
        out: TextIO,
        err: TextIO,
        *,
        redact: Redactor,
        color: bool = True,
        quiet: bool = False,
        verbosity: int = 0,
        in_actions: bool = False,
    ) -> None:
        self.out = out
        self.err = err
        self.redact = redact
        self.quiet = quiet
        self.verbosity = verbosity
        self.in_actions = in_actions
        self.color = color and not in_actions and _isatty(err)

    def _style(self, text: str, **style: Any) -> str:
        return click.style(text, **style) if self.color else text

    def info(self, message: str) -> None:
        """A progress message; silenced by --quiet."""
        if not self.quiet:
            self.err.write(self.redact(message) + "\n")

    def detail(self, message: str, level: int = 1) -> None:
        """A message shown only at -v (level 1) or -vv (level 2)."""
        if self.verbosity >= level and not self.quiet:
            self.err.write(self._style(self.redact(message), dim=True) + "\n")

    def warn(self, message: str) -> None:
        """A warning; shown even with --quiet."""
        self.err.write(
            self._style("warning: ", fg="yellow", bold=True) + self.redact(message) + "\n"
        )

    def error(self, error: CiAgentError) -> None:
        """A coded error with its suggestion; never a traceback."""
        head = self._style(f"error[{error.code}]", fg="red", bold=True)
        hint = self._style("hint", fg="cyan")
        self.err.write(f"{head}: {self.redact(error.message)}\n")
        self.err.write(f"  {hint}: {self.redact(error.suggestion)}\n")
        self.err.write(f"  see: ci-agent explain {error.code}\n")

    def result(self, text: str) -> None:
        """The command's result on stdout (already rendered and redacted)."""
        if text:
            self.out.write(text if text.endswith("\n") else text + "\n")
        self.out.flush()

    @contextmanager
    def group(self, title: str) -> Iterator[None]:
        """A collapsible group in Actions logs; a heading on a terminal."""
        if self.in_actions:
            self.out.write(f"::group::{title}\n")
            try:
                yield
            finally:
                self.out.write("::endgroup::\n")
            return
        self.info(self._style(f"── {title}", bold=True))
        yield

    @contextmanager
    def progress(self, total: float | None, description: str) -> Iterator[Progress]:
        """A progress bar on an interactive terminal; nothing in Actions, pipes or --quiet."""
        if self.quiet or self.in_actions or not _isatty(self.err):
            yield _NoProgress()
            return
        from rich.console import Console
        from rich.progress import Progress as RichProgress

        console = Console(file=self.err, no_color=not self.color)
        with RichProgress(console=console, transient=True) as bar:
            yield _RichProgress(bar, bar.add_task(description, total=total))


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
