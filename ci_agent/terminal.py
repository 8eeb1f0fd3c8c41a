"""Human-facing output: messages on stderr, groups, progress; quiet, colour and Actions aware.

Inside Actions every line goes through :class:`~ci_agent.runner.job_log.JobLog`: our own
workflow commands are the only ones the runner obeys, whatever the messages quote.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from ci_agent.errors import CiAgentError
from ci_agent.redact import Redactor

if TYPE_CHECKING:
    from ci_agent.runner.job_log import JobLog

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


class _RichProgress:
    """rich's bar and its task (a plain class: a dataclass costs every start to build)."""

    def __init__(self, bar: Any, task: Any) -> None:
        self.bar = bar
        self.task = task

    def advance(self, amount: float = 1) -> None:
        """Move the bar forward."""
        self.bar.advance(self.task, amount)

    def describe(self, text: str) -> None:
        """Replace the bar's description."""
        self.bar.update(self.task, description=text)


class Terminal:
    """Where ci-agent talks to people: stderr, so stdout stays machine-readable.

    With ``in_actions`` the runner reads both streams for workflow commands: ``secrets`` are
    masked first, groups are real commands, and every message, result and traceback is made
    inert (``output="json"`` keeps the result's JSON value). Elsewhere text is written as is.
    """

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
        output: str = "text",
        secrets: Iterable[str] = (),
    ) -> None:
        self.out = out
        self.err = err
        self.redact = redact
        self.quiet = quiet
        self.verbosity = verbosity
        self.in_actions = in_actions
        self.output = output
        self.color = color and not in_actions and _isatty(err)
        self._log: JobLog | None = None
        if in_actions:
            # Imported here: a run outside Actions never needs the runner package.
            from ci_agent.runner.job_log import JobLog

            self._log = JobLog(out, err, secrets=secrets)

    def _style(self, text: str, **style: Any) -> str:
        if not self.color:
            return text
        import click  # only for colours on a terminal: a run that prints none starts without it

        return click.style(text, **style)

    def _write(self, stream: TextIO, text: str, *, json: bool = False) -> None:
        if self._log is not None:
            self._log.write(stream, text, json=json)
        else:
            stream.write(text)

    def mask_secrets(self) -> None:
        """In Actions, ask the runner to mask the secrets now, before anything else is printed."""
        if self._log is not None:
            self._log.mask_secrets()

    def info(self, message: str) -> None:
        """A progress message; silenced by --quiet."""
        if not self.quiet:
            self._write(self.err, self.redact(message) + "\n")

    def detail(self, message: str, level: int = 1) -> None:
        """A message shown only at -v (level 1) or -vv (level 2)."""
        if self.verbosity >= level and not self.quiet:
            self._write(self.err, self._style(self.redact(message), dim=True) + "\n")

    def warn(self, message: str) -> None:
        """A warning; shown even with --quiet."""
        head = self._style("warning: ", fg="yellow", bold=True)
        self._write(self.err, head + self.redact(message) + "\n")

    def error(self, error: CiAgentError) -> None:
        """A coded error with its suggestion; never a traceback."""
        head = self._style(f"error[{error.code}]", fg="red", bold=True)
        hint = self._style("hint", fg="cyan")
        self._write(
            self.err,
            f"{head}: {self.redact(error.message)}\n"
            f"  {hint}: {self.redact(error.suggestion)}\n"
            f"  see: ci-agent explain {error.code}\n",
        )

    def traceback(self, text: str) -> None:
        """A formatted traceback (asked for with -vv), redacted; it may quote any input."""
        self._write(self.err, self.redact(text))

    def result(self, text: str) -> None:
        """The command's result on stdout (already rendered and redacted)."""
        if text:
            ending = "" if text.endswith("\n") else "\n"
            self._write(self.out, text + ending, json=self.output == "json")
        self.out.flush()

    @contextmanager
    def group(self, title: str) -> Iterator[None]:
        """A collapsible group in Actions logs (on stderr, by the messages); a heading elsewhere."""
        if self._log is not None:
            commands = self._log.commands
            commands.start_group(self.redact(title))
            try:
                yield
            finally:
                commands.end_group()
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
