"""File commands: the ``GITHUB_OUTPUT``/``ENV``/``STATE``/``PATH`` files the runner reads back.

A port of @actions/core's file-command.ts. Each entry is built in full before one write, so a
refused value leaves the file untouched.
"""

from __future__ import annotations

import errno
import os
import uuid
from collections.abc import Mapping
from pathlib import Path

from ci_agent.errors import CiAgentError, fail
from ci_agent.runner.commands import to_command_value

__all__ = [
    "add_path",
    "export_variable",
    "file_command_path",
    "issue_file_command",
    "prepare_key_value_message",
    "save_state",
    "set_output",
    "write_runner_file",
]

# The runner splits "name<<delimiter" at the first "<<" unless an "=" comes earlier, in which
# case it reads "name=value" and every following line becomes an entry of its own.
_FORBIDDEN_IN_NAME = ("\n", "\r", "=", "<<")


def prepare_key_value_message(key: str, value: object) -> str:
    """Build ``key<<ghadelimiter_UUID``, the value and the delimiter, each line ended."""
    delimiter = f"ghadelimiter_{uuid.uuid4()}"
    text = to_command_value(value)
    # As in @actions/core: a delimiter inside the key or value would let it end the entry early.
    if delimiter in key or delimiter in text:
        raise fail("CA502", name=key)
    for bad in _FORBIDDEN_IN_NAME:
        if bad in key:
            raise fail(
                "CA502",
                f"the name {key!r} contains {bad!r}, which the runner reads as a separator",
                name=key,
            )
    return f"{key}<<{delimiter}\n{text}\n{delimiter}\n"


def _write_error(path: Path, exc: OSError) -> CiAgentError:
    if exc.errno == errno.ENOSPC:
        return fail("CA701", path=str(path))
    return fail("CA205", path=str(path), problem=exc.strerror or str(exc))


def write_runner_file(path: str | os.PathLike[str], text: str, *, overwrite: bool = False) -> None:
    """Append (or overwrite with) UTF-8 text in one write; the file must already exist."""
    target = Path(path)
    # The runner creates these files before the step starts; a missing one means nobody will
    # read what we write, so refuse as @actions/core does rather than create it.
    if not target.is_file():
        raise fail("CA205", path=str(target), problem="the file does not exist")
    try:
        with target.open("wb" if overwrite else "ab") as handle:
            handle.write(text.encode("utf-8"))
    except OSError as exc:
        raise _write_error(target, exc) from exc


def issue_file_command(path: str | os.PathLike[str], key: str, value: object) -> None:
    """Append one ``key<<delimiter`` entry to a file command's file."""
    write_runner_file(path, prepare_key_value_message(key, value))


def file_command_path(environ: Mapping[str, str], variable: str) -> str:
    """The file named by ``variable`` (e.g. ``GITHUB_OUTPUT``); CA108 if it is not set."""
    path = environ.get(variable, "")
    if not path:
        raise fail(
            "CA108",
            problem=f"{variable} is not set, so the value cannot be passed to the runner",
            suggestion=f"Run inside GitHub Actions, or set {variable} to an existing file.",
        )
    return path


def set_output(environ: Mapping[str, str], name: str, value: object) -> None:
    """Set a step output through ``GITHUB_OUTPUT``."""
    issue_file_command(file_command_path(environ, "GITHUB_OUTPUT"), name, value)


def export_variable(environ: Mapping[str, str], name: str, value: object) -> None:
    """Set an environment variable for later steps through ``GITHUB_ENV``."""
    issue_file_command(file_command_path(environ, "GITHUB_ENV"), name, value)


def save_state(environ: Mapping[str, str], name: str, value: object) -> None:
    """Save state for the action's post step through ``GITHUB_STATE``."""
    issue_file_command(file_command_path(environ, "GITHUB_STATE"), name, value)


def add_path(environ: Mapping[str, str], directory: str | os.PathLike[str]) -> None:
    """Prepend a directory to later steps' ``PATH`` through ``GITHUB_PATH``."""
    text = os.fspath(directory)
    # One line is one entry: a line break would smuggle in a second directory.
    if "\n" in text or "\r" in text:
        raise fail("CA502", f"the path {text!r} contains a line break", name="path")
    write_runner_file(file_command_path(environ, "GITHUB_PATH"), text + "\n")
