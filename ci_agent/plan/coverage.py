"""Coverage of the changed lines, from a coverage.py report (Cobertura XML or JSON).

``coverage xml`` writes Cobertura XML (``<class filename=…>`` with ``<line number hits>``,
names relative to the ``<source>`` directories); ``coverage json`` writes ``files`` keyed by
path with ``executed_lines`` and ``missing_lines``. A line either report does not list is not
measured (blank, a comment) and counts neither way. The binary ``.coverage`` data file records
only the lines run, not those that could have run, so it is refused with a pointer to the
report commands. The report is data from the tests' run: parsed without entities or DTDs.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from ci_agent.config_deploy import RiskThresholds
from ci_agent.errors import fail
from ci_agent.plan.risk import ChangedText, Evidence, Level

__all__ = ["CoverageReport", "FileCoverage", "coverage_evidence", "read_coverage"]

_MAX_BYTES = 256 * 1024 * 1024
_SHOWN_RANGES = 10


@dataclass(frozen=True)
class FileCoverage:
    """The lines of a file that could run, and those that did."""

    measured: frozenset[int]
    covered: frozenset[int]


@dataclass(frozen=True)
class CoverageReport:
    """Coverage by repository-relative path, and the report's file name."""

    name: str
    files: Mapping[str, FileCoverage]

    def lookup(self, path: str) -> FileCoverage | None:
        """The coverage of ``path``: by its name, else by a report name it ends with."""
        found = self.files.get(path)
        if found is not None:
            return found
        # Reports written from a sub-directory (src/) name files relative to it.
        matches = [name for name in self.files if path.endswith("/" + name)]
        return self.files[max(matches, key=len)] if matches else None


def read_coverage(path: Path, root: Path) -> CoverageReport:
    """The report at ``path`` (XML or JSON), its file names made relative to ``root``."""
    try:
        size = path.stat().st_size
        if size > _MAX_BYTES:
            raise _bad(path, f"{size} bytes, more than the {_MAX_BYTES} read")
        data = path.read_bytes()
    except OSError as exc:
        raise _bad(path, exc.strerror or str(exc)) from None
    head = data.lstrip()[:64]
    if head.startswith(b"SQLite format 3"):
        raise _bad(path, "a .coverage data file, which lists only the lines that ran")
    if head.startswith(b"<"):
        files = _from_xml(path, data, root)
    elif head.startswith(b"{"):
        files = _from_json(path, data, root)
    else:
        raise _bad(path, "neither coverage XML nor coverage JSON")
    return CoverageReport(path.name, files)


def _bad(path: Path, problem: str) -> Exception:
    return fail("CA162", path=str(path), problem=problem)


def _relative(name: str, root: Path, sources: Sequence[str] = ("",)) -> str:
    """``name`` relative to the repository when it lies inside it; else as the report has it."""
    resolved_root = root.resolve()
    for source in sources:
        candidate = Path(source) / name if source else Path(name)
        if candidate.is_absolute():
            try:
                return candidate.resolve().relative_to(resolved_root).as_posix()
            except ValueError:
                continue
    return PurePosixPath(name.replace("\\", "/")).as_posix().removeprefix("./")


def _from_xml(path: Path, data: bytes, root: Path) -> dict[str, FileCoverage]:
    """Cobertura XML read with expat, refusing DTDs and entities (the report is untrusted)."""
    from xml.parsers import expat

    reader = _Cobertura(path)
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = reader.refuse
    parser.EntityDeclHandler = reader.refuse
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    parser.CharacterDataHandler = reader.text
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise _bad(path, f"not well-formed XML ({exc})") from None
    found: dict[str, FileCoverage] = {}
    for name, (measured, covered) in reader.lines.items():
        key = _relative(name, root, reader.sources or [""])
        old = found.get(key, FileCoverage(frozenset(), frozenset()))
        found[key] = FileCoverage(old.measured | measured, old.covered | covered)
    return found


class _Cobertura:
    """Expat handlers collecting ``<source>`` texts and each class's ``<line>`` hits."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sources: list[str] = []
        self.lines: dict[str, tuple[set[int], set[int]]] = {}
        self._seen_root = False
        self._text: list[str] | None = None
        self._class: tuple[set[int], set[int]] | None = None

    def refuse(self, *_: Any) -> None:
        raise _bad(self.path, "it declares a DTD or entities, which a coverage report never does")

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        if not self._seen_root:
            self._seen_root = True
            if tag != "coverage":
                raise _bad(self.path, f"the root element is <{tag}>, not <coverage>")
        if tag == "source":
            self._text = []
        elif tag == "class":
            name = attributes.get("filename") or ""
            self._class = self.lines.setdefault(name, (set(), set())) if name else None
        elif tag == "line" and self._class is not None:
            try:
                number, hits = int(attributes.get("number", "")), int(attributes.get("hits", "0"))
            except ValueError:
                raise _bad(self.path, "a <line> has a non-numeric number or hits") from None
            self._class[0].add(number)
            if hits > 0:
                self._class[1].add(number)

    def end(self, tag: str) -> None:
        if tag == "source" and self._text is not None:
            if text := "".join(self._text).strip():
                self.sources.append(text)
            self._text = None
        elif tag == "class":
            self._class = None

    def text(self, chunk: str) -> None:
        if self._text is not None:
            self._text.append(chunk)


def _from_json(path: Path, data: bytes, root: Path) -> dict[str, FileCoverage]:
    try:
        report = json.loads(data)
        entries = report["files"]
        return {
            _relative(name, root): FileCoverage(
                frozenset(_ints(entry["executed_lines"]) | _ints(entry["missing_lines"])),
                frozenset(_ints(entry["executed_lines"])),
            )
            for name, entry in entries.items()
        }
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        problem = f"not a 'coverage json' report ({type(exc).__name__}: {exc})"
        raise _bad(path, problem) from None


def _ints(values: Iterable[object]) -> set[int]:
    return {int(v) for v in values if isinstance(v, int)}


def coverage_evidence(
    files: Sequence[ChangedText], report: CoverageReport, limits: RiskThresholds
) -> list[Evidence]:
    """A finding when too few of a unit's measured changed lines ran under the tests."""
    measured = covered = 0
    uncovered: list[tuple[str, int]] = []
    unmeasured_files = 0
    for change in files:
        lines = report.lookup(change.path)
        if lines is None:
            unmeasured_files += change.path.endswith(".py")
            continue
        for number, _ in change.added:
            if number in lines.measured:
                measured += 1
                if number in lines.covered:
                    covered += 1
                else:
                    uncovered.append((change.path, number))
    if measured < limits.coverage_min_lines or covered / measured >= limits.coverage_below:
        return []
    share = covered / measured
    level: Level = "high" if share < limits.coverage_below / 2 else "medium"
    reason = (
        f"{covered} of {measured} changed lines covered ({share:.0%}, under "
        f"{limits.coverage_below:.0%}) in {report.name}"
    )
    if unmeasured_files:
        reason += f"; {unmeasured_files} changed Python file(s) are not in the report"
    first_path, first_line = uncovered[0]
    return [
        Evidence(
            "coverage-changed-lines",
            level,
            reason,
            first_path,
            first_line,
            "not covered: " + _ranges(uncovered),
        )
    ]


def _ranges(places: Sequence[tuple[str, int]]) -> str:
    """``a.py:3-5, b.py:9`` for the first ranges, and how many more there are."""
    spans: list[tuple[str, int, int]] = []
    for path, line in places:
        if spans and spans[-1][0] == path and spans[-1][2] == line - 1:
            spans[-1] = (path, spans[-1][1], line)
        else:
            spans.append((path, line, line))
    shown = [f"{p}:{a}" if a == b else f"{p}:{a}-{b}" for p, a, b in spans[:_SHOWN_RANGES]]
    more = len(spans) - len(shown)
    return ", ".join(shown) + (f" and {more} more range(s)" if more else "")
