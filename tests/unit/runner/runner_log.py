"""A model of how the Actions runner reads a step's output for workflow commands.

It follows actions/runner: ``OutputManager.OnDataReceived`` hands every line of stdout and of
stderr to one ``ActionCommandManager.TryProcessCommand``, which tries
``ActionCommand.TryParseV2`` (the line, after ``TrimStart()``, starts with ``::`` and holds a
second ``::``; the name runs to the first space) and then ``TryParse`` (``##[`` anywhere, the
name up to ``]`` or a space). Names are matched case-insensitively against the registered
commands. ``stop-commands`` pauses everything until a command named by its token; a lone CR
ends a line (``StreamReader.ReadLine``). .NET's culture-sensitive ``StartsWith``/``IndexOf``
run on ICU, which skips default-ignorable code points: the model drops them before matching.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

__all__ = ["Command", "RunnerLog", "executed", "parse_line"]

REGISTERED = frozenset(
    {
        "stop-commands",
        "add-mask",
        "add-matcher",
        "remove-matcher",
        "add-path",
        "set-env",
        "set-output",
        "save-state",
        "echo",
        "debug",
        "warning",
        "error",
        "notice",
        "group",
        "endgroup",
    }
)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

# Default_Ignorable_Code_Point (Unicode DerivedCoreProperties.txt), plus C0/C1 controls,
# which ICU's root collation ignores as well.
_IGNORABLE_RANGES = (
    (0x0000, 0x0008),
    (0x000E, 0x001F),
    (0x007F, 0x0084),
    (0x0086, 0x009F),
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)


def _ignorable(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in _IGNORABLE_RANGES)


def _dotnet_whitespace(char: str) -> bool:
    """``char.IsWhiteSpace``: the separators Zs/Zl/Zp, TAB..CR, NEL and NBSP."""
    return unicodedata.category(char) in {"Zs", "Zl", "Zp"} or char in "\t\n\v\f\r\x85\xa0"


def _icu_view(text: str) -> str:
    return "".join(char for char in text if not _ignorable(char))


@dataclass(frozen=True)
class Command:
    """One command the runner recognised: its name (lower case) and its data."""

    name: str
    data: str


def _parse_v2(line: str) -> Command | None:
    start = 0
    while start < len(line) and _dotnet_whitespace(line[start]):
        start += 1
    text = _icu_view(line[start:])
    if not text.startswith("::"):
        return None
    end = text.find("::", 2)
    if end < 0:
        return None
    name = text[2:end].split(" ", 1)[0]
    if name.lower() not in REGISTERED:
        return None
    return Command(name.lower(), text[end + 2 :])


def _parse_v1(line: str) -> Command | None:
    text = _icu_view(line)
    prefix = text.find("##[")
    if prefix < 0:
        return None
    bracket = text.find("]", prefix)
    if bracket < 0:
        return None
    name = text[prefix + 3 : bracket].split(" ", 1)[0]
    if name.lower() not in REGISTERED:
        return None
    return Command(name.lower(), text[bracket + 1 :])


def parse_line(line: str) -> Command | None:
    """The command the runner would see in one line, ignoring the stop-commands state."""
    return _parse_v2(line) or _parse_v1(line)


@dataclass
class RunnerLog:
    """Feeds lines through the runner's command state machine; records what it executes."""

    executed: list[Command] = field(default_factory=list)
    stop_token: str | None = None

    def feed(self, output: str) -> None:
        """Process a stream's text line by line."""
        for line in _LINE_BREAK.split(output):
            self._line(line)

    def _line(self, line: str) -> None:
        command = parse_line(line)
        if command is None:
            command = self._token_command(line)
            if command is None:
                return
        if self.stop_token is not None:
            if command.name == self.stop_token.lower():
                self.stop_token = None
                self.executed.append(Command("resume", command.name))
            return
        if command.name == "stop-commands":
            self.stop_token = command.data
        self.executed.append(command)

    def _token_command(self, line: str) -> Command | None:
        # While paused the token is a registered name too.
        if self.stop_token is None:
            return None
        text = _icu_view(line.lstrip())
        token = self.stop_token.lower()
        if text.lower().startswith(f"::{token}::") or f"##[{token}]" in text.lower():
            return Command(token, "")
        return None


def executed(*streams: str) -> list[Command]:
    """The commands executed when each stream is read on its own from a fresh state."""
    found: list[Command] = []
    for stream in streams:
        log = RunnerLog()
        log.feed(stream)
        found.extend(log.executed)
    return found
