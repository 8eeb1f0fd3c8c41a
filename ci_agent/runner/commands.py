"""Workflow commands (``::name key=value::message``) written as @actions/core's command.ts does."""

from __future__ import annotations

import abc
import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Literal, TextIO, TypedDict, Unpack

from ci_agent.runner.inert import inert_text

__all__ = [
    "AnnotationLevel",
    "AnnotationProperties",
    "CommandSink",
    "WorkflowCommands",
    "annotation_command_properties",
    "escape_data",
    "escape_property",
    "format_command",
    "split_lines",
    "to_command_value",
]

AnnotationLevel = Literal["error", "warning", "notice"]

_LINE_BREAK = re.compile(r"\r?\n|\r")

# Python keyword -> the property name the runner expects, in command.ts's order.
_PROPERTY_NAMES = (
    ("title", "title"),
    ("file", "file"),
    ("line", "line"),
    ("end_line", "endLine"),
    ("col", "col"),
    ("end_column", "endColumn"),
)


class AnnotationProperties(TypedDict, total=False):
    """Optional location and title of an annotation, as @actions/core's AnnotationProperties."""

    title: str | None
    file: str | None
    line: int | None
    end_line: int | None
    col: int | None
    end_column: int | None


def to_command_value(value: object) -> str:
    """Turn a value into command text like toCommandValue: None is empty, containers are JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | dict | list | tuple):
        # JSON.stringify writes no spaces and keeps non-ASCII characters as they are.
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
    return str(value)


def escape_data(value: object) -> str:
    """Escape a command's message: ``%`` first so the runner's unescaping is unambiguous."""
    text = to_command_value(value)
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: object) -> str:
    """Escape a property value: as :func:`escape_data`, plus the ``:`` and ``,`` separators."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def format_command(
    command: str, properties: Mapping[str, object] | None = None, message: object = ""
) -> str:
    """Render ``::command key=value,key=value::message``; empty or None properties are left out."""
    pairs = [
        f"{key}={escape_property(value)}"
        for key, value in (properties or {}).items()
        if to_command_value(value) != ""
    ]
    # command.ts substitutes this name rather than emitting a bare "::" line.
    head = "::" + (command or "missing.command")
    if pairs:
        head += " " + ",".join(pairs)
    return f"{head}::{escape_data(message)}"


def annotation_command_properties(props: AnnotationProperties) -> dict[str, object]:
    """Map ``end_line``-style keywords to the runner's ``endLine`` property names."""
    return {wire: props.get(key) for key, wire in _PROPERTY_NAMES if props.get(key) is not None}


def split_lines(text: str) -> list[str]:
    """Split on any line break (``\\n``, ``\\r\\n`` or ``\\r``)."""
    return _LINE_BREAK.split(text)


class CommandSink(abc.ABC):
    """Where log commands go: the runner's workflow commands, or plain text outside Actions."""

    @abc.abstractmethod
    def debug(self, message: str) -> None:
        """Write a debug message (shown only when step debug logging is on)."""

    @abc.abstractmethod
    def annotate(
        self, level: AnnotationLevel, message: str, **props: Unpack[AnnotationProperties]
    ) -> None:
        """Write an annotation of the given level."""

    @abc.abstractmethod
    def add_mask(self, value: str) -> None:
        """Ask the runner to mask a secret in the log."""

    @abc.abstractmethod
    def start_group(self, title: str) -> None:
        """Open a collapsible log group."""

    @abc.abstractmethod
    def end_group(self) -> None:
        """Close the current log group."""

    @abc.abstractmethod
    def echo(self, enabled: bool) -> None:
        """Turn the echoing of workflow commands on or off."""

    @abc.abstractmethod
    def untrusted(self, text: str) -> None:
        """Print text that may contain ``::`` lines without the runner acting on them."""

    def notice(self, message: str, **props: Unpack[AnnotationProperties]) -> None:
        """Write a notice annotation."""
        self.annotate("notice", message, **props)

    def warning(self, message: str, **props: Unpack[AnnotationProperties]) -> None:
        """Write a warning annotation."""
        self.annotate("warning", message, **props)

    def error(self, message: str, **props: Unpack[AnnotationProperties]) -> None:
        """Write an error annotation."""
        self.annotate("error", message, **props)

    def echo_on(self) -> None:
        """Echo workflow commands into the log."""
        self.echo(True)

    def echo_off(self) -> None:
        """Stop echoing workflow commands into the log."""
        self.echo(False)

    @contextmanager
    def group(self, title: str) -> Iterator[None]:
        """Wrap a block in a log group; the group is closed even if the block raises."""
        self.start_group(title)
        try:
            yield
        finally:
            self.end_group()


class WorkflowCommands(CommandSink):
    """Writes workflow commands to the stream the runner reads (the step's stdout)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def issue(
        self, command: str, properties: Mapping[str, object] | None = None, message: object = ""
    ) -> None:
        """Write one command line and flush, so it stays ordered with child processes' output."""
        self._stream.write(format_command(command, properties, message) + "\n")
        self._stream.flush()

    def debug(self, message: str) -> None:
        """Write ``::debug::message``."""
        self.issue("debug", None, message)

    def annotate(
        self, level: AnnotationLevel, message: str, **props: Unpack[AnnotationProperties]
    ) -> None:
        """Write ``::error file=...,line=...::message`` (or warning/notice)."""
        self.issue(level, annotation_command_properties(props), message)

    def add_mask(self, value: str) -> None:
        """Mask each line of a secret separately: the runner matches masks line by line."""
        for line in split_lines(value):
            # A blank mask would star out every run of spaces in the log; stripping keeps
            # the mask a substring of the line however the tool pads it.
            secret = line.strip()
            if secret:
                self.issue("add-mask", None, secret)

    def start_group(self, title: str) -> None:
        """Write ``::group::title``."""
        self.issue("group", None, title)

    def end_group(self) -> None:
        """Write ``::endgroup::``."""
        self.issue("endgroup")

    def echo(self, enabled: bool) -> None:
        """Write ``::echo::on`` or ``::echo::off``."""
        self.issue("echo", None, "on" if enabled else "off")

    def untrusted(self, text: str) -> None:
        """Print text with every line the runner would obey escaped (see ``runner.inert``)."""
        self._stream.write(inert_text(text if text.endswith("\n") or not text else text + "\n"))
        self._stream.flush()
