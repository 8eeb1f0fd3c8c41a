"""JUnit XML reports (pytest's ``--junitxml``, jest-junit, Surefire): failed and errored test
cases, read streaming."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from ci_agent.errors import fail
from ci_agent.triage.extractor import Sink
from ci_agent.triage.extractors.frames import locate
from ci_agent.triage.model import Failure, Kind, Location

__all__ = ["case_id", "read_junit"]

_PROBLEMS = ("failure", "error")
# Colours in a report: pytest --color=yes writes ESC, which XML cannot hold, as "#x1B".
_COLOURS = re.compile(r"(?:#x1B|\x1b)\[[0-?]*[ -/]*[@-~]")


def case_id(classname: str, name: str, file: str | None, pytest: bool) -> str:
    """The test's id: a pytest node id for pytest's reports, else ``classname.name``."""
    if not pytest:
        return f"{classname}.{name}" if classname else name
    if not classname and "." in name and "::" not in name and "/" not in name:
        # A collection error: no class, the module's dotted name as the test's.
        return file or name.replace(".", "/") + ".py"
    parts = classname.split(".") if classname else []
    if file:
        # xunit1 names the file that defines the method: for an inherited test, the base
        # class's file, not the module the test runs in (which the class name gives).
        module = file.removesuffix(".py").replace("/", ".").replace("\\", ".")
        if classname == module or classname.startswith(module + "."):
            rest = classname.removeprefix(module).strip(".")
            return "::".join([file, *(rest.split(".") if rest else []), name])
    split = next((i for i, part in enumerate(parts) if part[:1].isupper()), len(parts))
    path = "/".join(parts[:split]) + ".py" if split else "unknown.py"
    return "::".join([path, *parts[split:], name])


def read_junit(path: Path, roots: tuple[str, ...] = ()) -> list[Failure]:
    """The failed and errored test cases of the report at ``path``, in document order.

    CA130 when the file is missing, CA132 when it is not JUnit XML.
    """
    if not path.is_file():
        raise fail("CA130", path=path, what="JUnit report")
    sink = Sink(roots)
    found: list[Failure] = []
    pytest_report = False
    try:
        # expat >= 2.4.1 (CPython 3.11 ships 2.5) caps entity amplification and never
        # fetches external entities, which covers what defusedxml guards against here.
        for event, element in ET.iterparse(path, events=("start", "end")):  # noqa: S314
            if event == "start":
                if element.tag == "testsuite" and element.get("name") == "pytest":
                    pytest_report = True
                continue
            if element.tag == "testcase":
                failure = _case(element, pytest_report, sink, len(found))
                if failure is not None:
                    found.append(failure)
                element.clear()
    except ET.ParseError as exc:
        raise fail("CA132", path=path, problem=str(exc)) from None
    return found


def _case(element: ET.Element, pytest: bool, sink: Sink, index: int) -> Failure | None:
    problem = next((child for child in element if child.tag in _PROBLEMS), None)
    if problem is None:
        return None
    file = element.get("file")
    node = case_id(element.get("classname", ""), element.get("name", "?"), file, pytest)
    text = _COLOURS.sub("", problem.text or "").strip("\n")
    lines = text.splitlines()
    first = next((line.strip() for line in lines if line.strip()), "")
    message = _COLOURS.sub("", problem.get("message") or first or problem.tag).strip()
    location = locate(lines, sink)
    if location is None and file:
        line = element.get("line")
        location = Location(sink.relative(file), int(line) + 1 if line and line.isdigit() else None)
    return Failure(
        Kind.TEST,
        "junit",
        message.splitlines()[0][:300] if message else problem.tag,
        test_id=node,
        location=location,
        context=tuple(line[:400] for line in lines[-30:]),
        offset=index,
    )
