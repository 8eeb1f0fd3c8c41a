"""Every test case's outcome from a pytest JUnit XML report (``-o junit_family=xunit1``)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ci_agent.triage.junit import case_id

__all__ = ["MAX_REPORT_BYTES", "Outcome", "TestOutcome", "read_outcomes"]

Outcome = Literal["passed", "failed", "error", "skipped"]
# A report larger than this is not parsed; the result says so and counts come from the output.
MAX_REPORT_BYTES = 64 << 20
_MESSAGE_CHARS = 500


@dataclass(frozen=True)
class TestOutcome:
    """One test case: its pytest node id, outcome, duration and the first part of its message."""

    __test__ = False  # not a pytest test class

    test_id: str
    outcome: Outcome
    seconds: float = 0.0
    message: str = ""


def read_outcomes(path: Path) -> tuple[tuple[TestOutcome, ...], str]:
    """The outcomes in ``path`` and a note (empty when the whole report was read)."""
    try:
        size = path.stat().st_size
    except OSError:
        return (), "pytest wrote no JUnit report"
    if size > MAX_REPORT_BYTES:
        return (), f"the JUnit report has {size} bytes, over {MAX_REPORT_BYTES}: not read"
    outcomes: list[TestOutcome] = []
    try:
        # expat >= 2.4.1 (CPython 3.11 ships 2.5) caps entity amplification and never
        # fetches external entities, which covers what defusedxml guards against here.
        for _, element in ET.iterparse(path, events=("end",)):  # noqa: S314
            if element.tag == "testcase":
                outcomes.append(_outcome(element))
                element.clear()
    except ET.ParseError as exc:
        return tuple(outcomes), f"the JUnit report is not valid XML ({exc}): read in part"
    return tuple(outcomes), ""


def _outcome(case: ET.Element) -> TestOutcome:
    outcome: Outcome = "passed"
    message = ""
    for child in case:
        if child.tag in ("failure", "error", "skipped"):
            outcome = "failed" if child.tag == "failure" else child.tag  # type: ignore[assignment]
            message = (child.get("message") or child.text or "")[:_MESSAGE_CHARS]
            break
    try:
        seconds = float(case.get("time") or 0.0)
    except ValueError:
        seconds = 0.0
    test_id = case_id(case.get("classname", ""), case.get("name", ""), case.get("file"), True)
    return TestOutcome(test_id, outcome, seconds, message)
