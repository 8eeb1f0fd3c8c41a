"""Plain-text stand-ins for workflow commands, used when ci-agent runs outside GitHub Actions."""

from __future__ import annotations

from typing import TextIO, Unpack

from ci_agent.runner.commands import AnnotationLevel, AnnotationProperties, CommandSink

__all__ = ["LocalCommands", "format_local_annotation"]


def format_local_annotation(
    level: AnnotationLevel, message: str, **props: Unpack[AnnotationProperties]
) -> str:
    """Render ``path:line:col: level: title: message``, the shape editors and terminals link."""
    location = ""
    file = props.get("file")
    if file:
        location = str(file)
        line = props.get("line")
        if line is not None:
            location += f":{line}"
            col = props.get("col")
            if col is not None:
                location += f":{col}"
        location += ": "
    title = props.get("title")
    prefix = f"{title}: " if title else ""
    return f"{location}{level}: {prefix}{message}"


class LocalCommands(CommandSink):
    """Prints readable lines instead of workflow commands, which would be noise in a terminal."""

    def __init__(self, stream: TextIO, *, show_debug: bool = False) -> None:
        self._stream = stream
        self._show_debug = show_debug

    def _print(self, text: str) -> None:
        self._stream.write(text + "\n")
        self._stream.flush()

    def debug(self, message: str) -> None:
        """Print ``debug: message`` only when debug output was asked for."""
        if self._show_debug:
            self._print(f"debug: {message}")

    def annotate(
        self, level: AnnotationLevel, message: str, **props: Unpack[AnnotationProperties]
    ) -> None:
        """Print ``path:line:col: level: message``."""
        self._print(format_local_annotation(level, message, **props))

    def add_mask(self, value: str) -> None:
        """Do nothing: there is no runner to mask the log, and echoing the secret would leak it."""

    def start_group(self, title: str) -> None:
        """Print the group's title as a heading line."""
        self._print(f"== {title} ==")

    def end_group(self) -> None:
        """Do nothing: a terminal has no groups to close."""

    def echo(self, enabled: bool) -> None:
        """Do nothing: no commands are printed, so there is nothing to echo."""

    def untrusted(self, text: str) -> None:
        """Print the text as it is: no runner reads it for commands."""
        self._stream.write(text if text.endswith("\n") or not text else text + "\n")
        self._stream.flush()
