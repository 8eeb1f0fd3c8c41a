"""Action inputs (``INPUT_*`` variables), read as @actions/core's getInput family does."""

from __future__ import annotations

from collections.abc import Mapping

from ci_agent.errors import fail
from ci_agent.runner.commands import split_lines

__all__ = [
    "FALSE_SPELLINGS",
    "TRUE_SPELLINGS",
    "get_bool_input",
    "get_input",
    "get_multiline_input",
    "input_variable_names",
]

# The YAML 1.2 core schema spellings, the only ones @actions/core's getBooleanInput accepts.
TRUE_SPELLINGS = ("true", "True", "TRUE")
FALSE_SPELLINGS = ("false", "False", "FALSE")


def input_variable_names(name: str) -> tuple[str, ...]:
    """``INPUT_`` + the upper-cased name, and the variant with ``-`` replaced by ``_``."""
    runner_name = "INPUT_" + name.replace(" ", "_").upper()
    # Composite actions pass inputs on through `env:`, and shells cannot see names with "-".
    shell_name = runner_name.replace("-", "_")
    return (runner_name,) if shell_name == runner_name else (runner_name, shell_name)


def get_input(
    environ: Mapping[str, str], name: str, *, required: bool = False, trim: bool = True
) -> str:
    """The input's value ('' when unset); CA105 when required and empty."""
    value = next((environ[v] for v in input_variable_names(name) if environ.get(v)), "")
    # As in @actions/core, "required" is checked before trimming: whitespace counts as given.
    if required and not value:
        raise fail("CA105", name=name)
    return value.strip() if trim else value


def get_bool_input(
    environ: Mapping[str, str], name: str, *, required: bool = False, default: bool = False
) -> bool:
    """The input as a boolean; ``default`` when empty; CA106 for any other spelling."""
    value = get_input(environ, name, required=required)
    if not value:
        return default
    if value in TRUE_SPELLINGS:
        return True
    if value in FALSE_SPELLINGS:
        return False
    raise fail("CA106", name=name, value=value, allowed="true, false")


def get_multiline_input(
    environ: Mapping[str, str], name: str, *, required: bool = False, trim: bool = True
) -> list[str]:
    """The input's lines, without empty ones (blank ones too, when trimming)."""
    lines = split_lines(get_input(environ, name, required=required, trim=False))
    if trim:
        lines = [line.strip() for line in lines]
    return [line for line in lines if line]
