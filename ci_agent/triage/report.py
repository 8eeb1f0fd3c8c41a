"""The failure report of one job: failing tests, locations, an excerpt within a token budget,
and a signature that stays the same when the same failure happens again.

The signature hashes what identifies a failure (kind, tool, test id, file, rule code,
message) after blanking what changes from run to run: timestamps, durations, addresses,
temporary paths, ports, process ids. Line numbers are left out, so a fix that moves code
does not make an unfixed failure look new.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import Any, ClassVar

from ci_agent.json_form import json_meta
from ci_agent.llm.tokens import estimate_tokens
from ci_agent.record import Record, fill
from ci_agent.triage.classify import Decision
from ci_agent.triage.model import Failure, Kind
from ci_agent.triage.paths import located

__all__ = ["JobReport", "excerpt", "normalize", "signature"]


def _builtin_sha256() -> Callable[[bytes], Any]:
    """SHA-256 from the interpreter's own module when it has one (``_sha2`` from Python 3.12,
    ``_sha256`` before): importing :mod:`hashlib` loads OpenSSL first, milliseconds at every
    start of a command that hashes a few lines. The digest is the same."""
    for name in ("_sha2", "_sha256"):
        try:
            return importlib.import_module(name).sha256  # type: ignore[no-any-return]
        except ImportError:
            continue
    import hashlib  # a build without them

    return hashlib.sha256


_SHA256 = _builtin_sha256()

_TEMP = re.compile(
    r"(?:/private)?/(?:tmp|var/tmp|var/folders/[^/\s]+/[^/\s]+/T)/[^\s'\":,)]*"
    r"|[A-Za-z]:\\Users\\[^\\\s]+\\AppData\\Local\\Temp\\[^\s'\":,)]*"
)
# (what a match must contain, when something cheap tells, the pattern, its replacement): a
# pattern runs only on a text that holds one of its literals (tens of thousands of messages).
_VOLATILE: tuple[tuple[tuple[str, ...], re.Pattern[str], str], ...] = (
    (
        (":",),
        re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?"),
        "<time>",
    ),
    ((":",), re.compile(r"\b\d\d:\d\d:\d\d(?:[.,]\d+)?\b"), "<time>"),
    (("0x",), re.compile(r"\b0x[0-9a-fA-F]+\b"), "<addr>"),
    (
        ("-",),
        re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"),
        "<uuid>",
    ),
    ((), re.compile(r"\b[0-9a-f]{12,64}\b"), "<hex>"),
    (("pytest-of-",), re.compile(r"pytest-of-[^/\s]+/pytest-\d+"), "<pytest-tmp>"),
    ((), re.compile(r"\b\d+(?:\.\d+)?\s?(?:ms|s|secs?|seconds?|min|minutes?)\b"), "<duration>"),
    (
        ("localhost:", "127.0.0.1:", "0.0.0.0:", "[::1]:"),
        re.compile(r"((?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\]):)\d+"),
        r"\1<port>",
    ),
    (("pid ", "PID ", "process "), re.compile(r"\b(pid|PID|process) \d+"), r"\1 <n>"),
)
# Words searched for in messages (the temporary paths _TEMP blanks), not a file used here.
_TEMP_HINTS = ("/tmp/", "/var/folders/", "\\Temp\\")  # noqa: S108
_GAP = "..."
# What a cut line's note takes, and the fewest tokens worth showing of a line that is cut.
_CUT_NOTE_TOKENS = 16
_CUT_MIN_TOKENS = 24


def _temp(match: re.Match[str]) -> str:
    parts = re.split(r"[/\\]", match.group(0).rstrip("/\\"))
    return "<tmp>/" + "/".join(parts[-2:])


def normalize(text: str) -> str:
    """``text`` with what differs between two runs of the same failure blanked out."""
    if any(hint in text for hint in _TEMP_HINTS):
        text = _TEMP.sub(_temp, text)
    for hints, pattern, replacement in _VOLATILE:
        if not hints or any(hint in text for hint in hints):
            text = pattern.sub(replacement, text)
    return " ".join(text.split())


def signature(failures: Sequence[Failure], tail: Sequence[str] = ()) -> str:
    """A short hash naming the failures (or, when none was recognised, the log's last lines)."""
    if failures:
        # Thousands of failures share paths and often messages: each text is blanked once.
        blanked: dict[str, str] = {}

        def blank(text: str) -> str:
            found = blanked.get(text)
            if found is None:
                found = blanked[text] = normalize(text)
            return found

        items = sorted(
            {
                "|".join(
                    (
                        str(f.kind),
                        f.tool,
                        f.test_id or "",
                        blank(f.location.path) if f.location else "",
                        f.code or "",
                        blank(f.message),
                    )
                )
                for f in failures
            }
        )
    else:
        items = [normalize(line) for line in tail[-10:] if line.strip()]
    return str(_SHA256("\n".join(items).encode()).hexdigest()[:16])


def excerpt(failures: Sequence[Failure], tail: Sequence[str], budget: int) -> str:
    """The log lines that show the failures, in log order, within ``budget`` tokens.

    Each failure contributes the lines its extractor kept (a pytest section, a traceback, the
    diagnostic line); with no failure recognised, the failed step's last lines. A block that
    does not fit is cut, and the remaining failures are counted instead of shown.
    """
    blocks = list(dict.fromkeys(failure.context or (failure.message,) for failure in failures))
    if not blocks:
        # The step's last lines without the blank ones around them: a step that printed only
        # blank lines has no excerpt, not an excerpt of nothing.
        start = next((i for i, line in enumerate(tail) if line.strip()), len(tail))
        end = next((i for i in range(len(tail), start, -1) if tail[i - 1].strip()), start)
        if end > start:
            blocks.append(tuple(tail[start:end]))
    lines: list[str] = []
    used = 0
    for index, block in enumerate(blocks):
        if lines:
            lines.append("")
            used += 1
        for position, line in enumerate(block):
            cost = estimate_tokens(line) + 1
            if used + cost > budget - 12:
                left = len(block) - position
                # A line longer than the room left (a long assertion, a minified line): its
                # start is shown, and the cut said, rather than nothing of it.
                cut = _cut(line, budget - 12 - used - _CUT_NOTE_TOKENS)
                if cut:
                    lines.append(f"{cut} {_GAP} (cut at {len(cut):,} of {len(line):,} characters)")
                    left -= 1
                more = len(blocks) - index - 1
                note = f"{_GAP} {left} more line(s)" if left else ""
                if more:
                    note += f"{', ' if note else _GAP + ' '}{more} more failure(s) not shown"
                lines.append(note)
                return _fit("\n".join(lines), budget)
            lines.append(line)
            used += cost
    return _fit("\n".join(lines), budget)


def _cut(line: str, room: int) -> str:
    """The longest start of ``line`` within ``room`` tokens ('' when under a few words fit)."""
    if room < _CUT_MIN_TOKENS:
        return ""
    low, high = 0, len(line)
    while low < high:  # the longest prefix that fits (estimates grow with the prefix)
        middle = (low + high + 1) // 2
        if estimate_tokens(line[:middle]) + 1 <= room:
            low = middle
        else:
            high = middle - 1
    return line[:low]


def _fit(text: str, budget: int) -> str:
    """Drop last lines until the whole text is within ``budget`` (estimates are not additive)."""
    while text and estimate_tokens(text) > budget:
        text = text.rsplit("\n", 1)[0] if "\n" in text else ""
    return text


class JobReport(Record):
    """The triage of one failed job."""

    JSON_KEYS: ClassVar = (
        "job",
        "job_id",
        "source",
        "steps",
        "exit_code",
        "decision",
        "signature",
        "failing_tests",
        "locations",
        "failures",
        "failures_omitted",
        "excerpt",
        "excerpt_tokens",
        "log_bytes",
    )

    JSON_FIELDS: ClassVar = {
        "decision": json_meta(spread=True),
        "omitted": json_meta(key="failures_omitted"),
    }
    FIELDS = (
        "job",
        "job_id",
        "source",
        "steps",
        "exit_code",
        "failures",
        "decision",
        "signature",
        "excerpt",
        "log_bytes",
        "omitted",
    )
    __slots__ = (*FIELDS, "__dict__")  # a __dict__ for the cached properties

    job: str
    job_id: int | None
    source: str
    steps: tuple[str, ...]
    exit_code: int | None
    failures: tuple[Failure, ...]
    decision: Decision
    signature: str
    excerpt: str
    log_bytes: int
    omitted: int

    def __init__(  # noqa: PLR0917  (positional, as the dataclass's were)
        self,
        job: str,
        job_id: int | None,
        source: str,
        steps: tuple[str, ...],
        exit_code: int | None,
        failures: tuple[Failure, ...],
        decision: Decision,
        signature: str,
        excerpt: str,
        log_bytes: int,
        omitted: int = 0,
    ) -> None:
        fill(
            self,
            job,
            job_id,
            source,
            steps,
            exit_code,
            failures,
            decision,
            signature,
            excerpt,
            log_bytes,
            omitted,
        )

    @property
    def kind(self) -> Kind:
        """The kind the decision was made on."""
        return self.decision.kind

    # Computed once: with tens of thousands of failures, the text, markdown and JSON each ask.
    @cached_property
    def failing_tests(self) -> tuple[str, ...]:
        """Ids of the failing tests, in log order."""
        return tuple(dict.fromkeys(f.test_id for f in self.failures if f.test_id))

    @cached_property
    def locations(self) -> tuple[str, ...]:
        """``path:line`` of each failure that has one, first error first."""
        return tuple(dict.fromkeys(str(loc) for loc in located(self.failures)))

    @property
    def excerpt_tokens(self) -> int:
        """Estimated tokens of the excerpt."""
        return estimate_tokens(self.excerpt)
