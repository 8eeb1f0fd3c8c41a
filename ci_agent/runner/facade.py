"""``Runner``: one step's view of the GitHub Actions runner, degrading to plain text elsewhere."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TextIO, Unpack

from ci_agent.runner import files, inputs
from ci_agent.runner.annotations import (
    Annotation,
    AnnotationBudget,
    AnnotationSelection,
    emit_annotations,
    read_job_usage,
    record_job_usage,
)
from ci_agent.runner.commands import (
    AnnotationLevel,
    AnnotationProperties,
    CommandSink,
    WorkflowCommands,
    to_command_value,
)
from ci_agent.runner.environment import ActionsEnvironment
from ci_agent.runner.events import Event, load_event
from ci_agent.runner.local import LocalCommands, format_local_annotation
from ci_agent.runner.summary import StepSummary

__all__ = ["Runner"]


class Runner:
    """Inputs, log commands, outputs, summary and event for one step; no I/O until used.

    Inside Actions (``GITHUB_ACTIONS=true``) it writes workflow commands to ``stream`` and the
    runner's files. Outside, commands become readable lines, masks and echo do nothing, and
    outputs, variables, state and path entries are printed as ``output: name=value`` lines
    (``env:``, ``state:``, ``path:``) unless ``quiet``.
    """

    def __init__(self, environ: Mapping[str, str], stream: TextIO, *, quiet: bool = False) -> None:
        self.environ = environ
        self.stream = stream
        self.quiet = quiet
        self.env = ActionsEnvironment.from_environ(environ)
        self.commands: CommandSink = (
            WorkflowCommands(stream)
            if self.env.is_actions
            else LocalCommands(stream, show_debug=self.env.runner_debug)
        )
        # Created on first use: it reads the job's count from RUNNER_TEMP.
        self._budget: AnnotationBudget | None = None

    @property
    def in_actions(self) -> bool:
        """Whether this process runs as a GitHub Actions step."""
        return self.env.is_actions

    def get_input(self, name: str, *, required: bool = False, trim: bool = True) -> str:
        """See :func:`ci_agent.runner.inputs.get_input`."""
        return inputs.get_input(self.environ, name, required=required, trim=trim)

    def get_bool_input(self, name: str, *, required: bool = False, default: bool = False) -> bool:
        """See :func:`ci_agent.runner.inputs.get_bool_input`."""
        return inputs.get_bool_input(self.environ, name, required=required, default=default)

    def get_multiline_input(
        self, name: str, *, required: bool = False, trim: bool = True
    ) -> list[str]:
        """See :func:`ci_agent.runner.inputs.get_multiline_input`."""
        return inputs.get_multiline_input(self.environ, name, required=required, trim=trim)

    def debug(self, message: str) -> None:
        """Write a debug line (outside Actions only when ``RUNNER_DEBUG=1``)."""
        self.commands.debug(message)

    def add_mask(self, value: str) -> None:
        """Mask a secret in the log, line by line (nothing to do outside Actions)."""
        self.commands.add_mask(value)

    @contextmanager
    def group(self, title: str) -> Iterator[None]:
        """Wrap a block in a collapsible log group (a heading line outside Actions)."""
        with self.commands.group(title):
            yield

    def untrusted(self, text: str) -> None:
        """Print text that must not be read as workflow commands (tool output, model answers)."""
        self.commands.untrusted(text)

    def annotate(self, annotations: Iterable[Annotation]) -> AnnotationSelection:
        """Emit annotations within GitHub's limits; dropped ones go to the log as plain lines.

        The budget spans this Runner (one step) and, through ``RUNNER_TEMP``, earlier ci-agent
        steps of the job. Outside Actions nothing is dropped.
        """
        if not self.env.is_actions:
            selection = AnnotationSelection(tuple(annotations))
            emit_annotations(self.commands, selection.emitted)
            return selection
        if self._budget is None:
            self._budget = AnnotationBudget(job_used=read_job_usage(self.environ))
        selection = self._budget.select(annotations)
        emit_annotations(self.commands, selection.emitted)
        record_job_usage(self.environ, self._budget.job_used)
        if selection.dropped:
            lines = [
                format_local_annotation(a.level, a.message, **a.properties())
                for a in selection.dropped
            ]
            self.commands.untrusted("\n".join([selection.summary_text(), *lines]))
        return selection

    def _annotate_one(
        self, level: AnnotationLevel, message: str, props: AnnotationProperties
    ) -> bool:
        selection = self.annotate([Annotation(level, message, **props)])
        return bool(selection.emitted)

    def notice(self, message: str, **props: Unpack[AnnotationProperties]) -> bool:
        """Emit one notice through the budget; False if it was dropped."""
        return self._annotate_one("notice", message, props)

    def warning(self, message: str, **props: Unpack[AnnotationProperties]) -> bool:
        """Emit one warning through the budget; False if it was dropped."""
        return self._annotate_one("warning", message, props)

    def error(self, message: str, **props: Unpack[AnnotationProperties]) -> bool:
        """Emit one error annotation through the budget; False if it was dropped."""
        return self._annotate_one("error", message, props)

    def _print_locally(self, kind: str, text: str) -> None:
        if not self.quiet:
            self.stream.write(f"{kind}: {text}\n")
            self.stream.flush()

    def set_output(self, name: str, value: object) -> None:
        """Set a step output (``GITHUB_OUTPUT``; an ``output:`` line outside Actions)."""
        if self.env.is_actions:
            files.set_output(self.environ, name, value)
        else:
            self._print_locally("output", f"{name}={to_command_value(value)}")

    def export_variable(self, name: str, value: object) -> None:
        """Set a variable for later steps (``GITHUB_ENV``); this process's environ is unchanged."""
        if self.env.is_actions:
            files.export_variable(self.environ, name, value)
        else:
            self._print_locally("env", f"{name}={to_command_value(value)}")

    def save_state(self, name: str, value: object) -> None:
        """Save state for the post step (``GITHUB_STATE``; a ``state:`` line outside Actions)."""
        if self.env.is_actions:
            files.save_state(self.environ, name, value)
        else:
            self._print_locally("state", f"{name}={to_command_value(value)}")

    def add_path(self, directory: str) -> None:
        """Add a directory to later steps' PATH (``GITHUB_PATH``); this process's is unchanged."""
        if self.env.is_actions:
            files.add_path(self.environ, directory)
        else:
            self._print_locally("path", directory)

    def write_summary(
        self, summary: StepSummary, *, overwrite: bool = False, echo: bool = False
    ) -> int:
        """Write the summary to ``GITHUB_STEP_SUMMARY`` (printed outside Actions only if ``echo``).

        Returns the bytes cut to respect the 1 MiB cap; the summary's buffer is emptied.
        """
        if self.env.is_actions:
            return summary.write(self.environ, overwrite=overwrite)
        if echo:
            self.stream.write(summary.stringify())
            self.stream.flush()
        summary.clear()
        return 0

    def load_event(self) -> Event:
        """The triggering event; see :func:`ci_agent.runner.events.load_event`."""
        return load_event(self.environ)
