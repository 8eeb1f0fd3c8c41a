"""A Python port of what @actions/core does, without the network, plus GitHub's display limits.

:class:`Runner` is the facade most code needs; the modules hold the pieces:
``commands`` (workflow commands), ``files`` (``GITHUB_OUTPUT`` and friends), ``inputs``,
``summary`` (the job summary), ``annotations`` (and their budget), ``events`` (the payload),
``environment`` (``GITHUB_*`` variables), ``local`` (plain text outside Actions), and
``job_log`` with ``inert``: the one writer of a step's output, which lets the runner obey
only our own commands.
"""

from __future__ import annotations

from ci_agent.runner.annotations import (
    MAX_PER_JOB,
    MAX_PER_LEVEL_PER_STEP,
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
    escape_data,
    escape_property,
    format_command,
    to_command_value,
)
from ci_agent.runner.environment import ActionsEnvironment
from ci_agent.runner.events import Event, load_event, parse_event
from ci_agent.runner.facade import Runner
from ci_agent.runner.files import (
    add_path,
    export_variable,
    issue_file_command,
    prepare_key_value_message,
    save_state,
    set_output,
)
from ci_agent.runner.inputs import get_bool_input, get_input, get_multiline_input
from ci_agent.runner.local import LocalCommands
from ci_agent.runner.summary import STEP_SUMMARY_LIMIT_BYTES, StepSummary, TableCell

__all__ = [
    "MAX_PER_JOB",
    "MAX_PER_LEVEL_PER_STEP",
    "STEP_SUMMARY_LIMIT_BYTES",
    "ActionsEnvironment",
    "Annotation",
    "AnnotationBudget",
    "AnnotationLevel",
    "AnnotationProperties",
    "AnnotationSelection",
    "CommandSink",
    "Event",
    "LocalCommands",
    "Runner",
    "StepSummary",
    "TableCell",
    "WorkflowCommands",
    "add_path",
    "emit_annotations",
    "escape_data",
    "escape_property",
    "export_variable",
    "format_command",
    "get_bool_input",
    "get_input",
    "get_multiline_input",
    "issue_file_command",
    "load_event",
    "parse_event",
    "prepare_key_value_message",
    "read_job_usage",
    "record_job_usage",
    "save_state",
    "set_output",
    "to_command_value",
]
