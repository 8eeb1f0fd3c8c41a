"""A Python port of what @actions/core does, without the network, plus GitHub's display limits.

:class:`Runner` is the facade most code needs; the modules hold the pieces:
``commands`` (workflow commands), ``files`` (``GITHUB_OUTPUT`` and friends), ``inputs``,
``summary`` (the job summary), ``annotations`` (and their budget), ``events`` (the payload),
``environment`` (``GITHUB_*`` variables), ``local`` (plain text outside Actions), and
``job_log`` with ``inert``: the one writer of a step's output, which lets the runner obey
only our own commands.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

# Names resolve on first use: importing one module of the package (``inputs`` on every run's
# start) must not import all of them (the job summary's HTML, sockets for events, ...).
_MODULES = {
    "ActionsEnvironment": "environment",
    "Annotation": "annotations",
    "AnnotationBudget": "annotations",
    "AnnotationLevel": "commands",
    "AnnotationProperties": "commands",
    "AnnotationSelection": "annotations",
    "CommandSink": "commands",
    "Event": "events",
    "LocalCommands": "local",
    "MAX_PER_JOB": "annotations",
    "MAX_PER_LEVEL_PER_STEP": "annotations",
    "Runner": "facade",
    "STEP_SUMMARY_LIMIT_BYTES": "summary",
    "StepSummary": "summary",
    "TableCell": "summary",
    "WorkflowCommands": "commands",
    "add_path": "files",
    "emit_annotations": "annotations",
    "escape_data": "commands",
    "escape_property": "commands",
    "export_variable": "files",
    "format_command": "commands",
    "get_bool_input": "inputs",
    "get_input": "inputs",
    "get_multiline_input": "inputs",
    "issue_file_command": "files",
    "load_event": "events",
    "parse_event": "events",
    "prepare_key_value_message": "files",
    "read_job_usage": "annotations",
    "record_job_usage": "annotations",
    "save_state": "files",
    "set_output": "files",
    "to_command_value": "commands",
}


def __getattr__(name: str) -> Any:
    """Import the module that holds ``name`` when it is first asked for."""
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


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
