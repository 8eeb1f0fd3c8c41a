"""Text the runner cannot read as workflow commands, made so line by line on any stream.

The runner (``ActionCommandManager`` in actions/runner) reads every line of a step's stdout
*and* stderr. A line is a command when, after its leading whitespace is trimmed, it starts with
``::`` (``::name props::data``), or when it holds ``##[`` anywhere (``##[name props]data``, the
legacy form). It splits lines at ``\\n``, ``\\r\\n`` and a lone ``\\r``. Its ``StartsWith`` and
``IndexOf`` are culture-sensitive, and ICU skips ignorable characters when matching, so
``:\\u200b:error::x`` counts as ``::error::x``: the checks here skip every format, control and
combining character and compare NFKC forms (full-width colons too), which finds a superset of
the lines the runner would take.

A line found so gets one visible backslash: before its first character when it starts with
``::`` (``\\::error::x``), and before the ``[`` of every ``##[`` (``##\\[error]x``). A backslash is
neither whitespace nor ignorable, and Markdown renders ``\\:`` and ``\\[`` as the bare character.
Every other line is left exactly as it was. JSON keeps its value: there the ``[`` becomes the
``\\u005b`` escape, which only a JSON string can hold, and ``#`` occurs nowhere else.

Escaping, not ``::stop-commands::``: stdout and stderr are two pipes the runner drains in no
fixed order into one command parser, so a pause opened on one stream could swallow our own
``::add-mask::`` on the other, or end before the text it was to cover arrived.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

__all__ = ["RUNNER_LINE_BREAK", "command_like", "inert_json", "inert_line", "inert_text"]

# System.IO.StreamReader.ReadLine, which feeds the runner, ends a line at each of these.
RUNNER_LINE_BREAK = re.compile(r"\r\n|\r|\n")

_ESCAPE = "\\"
# Text of printable ASCII lines needs no per-character pass: no character is ignorable and
# each is its own NFKC form, so two C-speed substitutions do what the walk below does.
_PRINTABLE_ASCII = bytes(range(0x20, 0x7F)) + b"\n"
_PLAIN_COMMAND_START = re.compile(r"\n( *)::")
# Every character whose NFKC form holds a ``#``: a ``##[`` needs two of them.
_HASHES = re.compile("[#\ufe5f\uff03]")
# Every character whose NFKC form holds a ``:``.
_COLONS = frozenset(":\ufe13\ufe55\uff1a\u2a74")
# Characters ICU may skip when matching: controls, format characters (zero-width spaces, bidi
# marks, soft hyphen), unassigned and private code points, combining marks, Hangul fillers.
_IGNORABLE_CATEGORIES = frozenset({"Cc", "Cf", "Cn", "Co", "Cs", "Mn", "Me"})
_HANGUL_FILLERS = frozenset("\u115f\u1160\u3164\uffa0")


@lru_cache(maxsize=4096)
def _view(char: str) -> str:
    """What the runner's matching may see for one character: "" if it skips it, else NFKC."""
    return "".join(
        part
        for part in unicodedata.normalize("NFKC", char)
        if part not in _HANGUL_FILLERS and unicodedata.category(part) not in _IGNORABLE_CATEGORIES
    )


def _seen(line: str) -> str:
    return "".join(_view(char) for char in line)


def _starts_with_colons(line: str) -> bool:
    """Whether the line's view starts with ``::`` after whitespace; reads only its start."""
    start = line.lstrip()
    if start and start[0] not in _COLONS and _view(start[0]).strip():
        return False  # the first character that counts is no colon
    seen = ""
    for char in line:
        seen += _view(char)
        start = seen.lstrip()
        if len(start) >= 2:
            return start.startswith("::")
    return False


def command_like(line: str) -> bool:
    """Whether the runner could take this one line (no line breaks) as a workflow command."""
    if line.isascii() and line.isprintable():
        # The common case: printable ASCII has no ignorable character and is its own NFKC.
        return line.lstrip(" ").startswith("::") or "##[" in line
    if _starts_with_colons(line):
        return True
    return len(_HASHES.findall(line)) >= 2 and "##[" in _seen(line)


def _escape_start(line: str) -> str:
    """Put the escape before the first character that is neither whitespace nor ignorable."""
    index = next((i for i, char in enumerate(line) if _view(char).strip()), 0)
    return line[:index] + _ESCAPE + line[index:]


def _break_legacy(line: str, bracket: Callable[[str], str]) -> str:
    """Rewrite, with ``bracket``, every character that would complete a ``##[``."""
    out: list[str] = []
    tail = ""
    for char in line:
        seen = _view(char)
        if seen and "##[" in tail + seen:
            replacement = bracket(char)
            out.append(replacement)
            tail = (tail + _seen(replacement))[-2:]
            continue
        out.append(char)
        tail = (tail + seen)[-2:]
    return "".join(out)


def _text_bracket(char: str) -> str:
    return _ESCAPE + char


def _json_bracket(char: str) -> str:
    # Inside a JSON string (the only place a ``##`` can stand) this escape decodes to ``char``.
    return "".join(f"\\u{unit:04x}" for unit in _utf16_units(char))


def _utf16_units(char: str) -> list[int]:
    data = char.encode("utf-16-be")
    return [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)]


def _plain(text: str) -> bool:
    """Whether ``text`` is printable ASCII and ``\\n`` only (``str.isprintable`` is slower)."""
    return text.isascii() and not text.encode("ascii").translate(None, _PRINTABLE_ASCII)


def _plain_inert(text: str, bracket: str) -> str:
    """:func:`inert_line` for text whose lines are all printable ASCII."""
    text = text.replace("##[", "##" + bracket)
    if "::" not in text:
        return text
    return _PLAIN_COMMAND_START.sub(r"\n\1\\::", "\n" + text)[1:]


def inert_line(line: str) -> str:
    """One line (no line breaks) the runner will not take as a command; unchanged if harmless."""
    if line.isascii() and line.isprintable():
        return _plain_inert(line, "\\[")
    if not command_like(line):
        return line
    if _starts_with_colons(line):
        line = _escape_start(line)
    return _break_legacy(line, _text_bracket)


def inert_text(text: str) -> str:
    """Every line made inert; line breaks become ``\\n`` (the runner treats a lone CR as one)."""
    if _plain(text):
        return _plain_inert(text, "\\[")
    return "\n".join(inert_line(line) for line in RUNNER_LINE_BREAK.split(text))


def inert_json(text: str) -> str:
    """JSON text made inert with its value unchanged: ``##[`` in strings becomes ``##\\u005b``.

    ``json.dumps`` never starts a line with ``::`` (strings are quoted, line breaks escaped),
    so only the legacy form needs care; a line that is not JSON is escaped as text.
    """
    if _plain(text):
        return _plain_inert(text, "\\u005b")
    return "\n".join(
        inert_line(_break_legacy(line, _json_bracket)) if command_like(line) else line
        for line in RUNNER_LINE_BREAK.split(text)
    )
