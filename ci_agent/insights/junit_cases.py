"""Every test case of a JUnit XML report (passed, failed, skipped, with its time), read
streaming from a zip member: flakiness needs the passes too, not only the failures."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import IO

from ci_agent.insights.model import CaseResult
from ci_agent.triage.junit import case_id

__all__ = ["read_cases"]

_FAILED = ("failure", "error")


def read_cases(stream: IO[bytes]) -> Iterator[CaseResult]:
    """The test cases of one report; a report that is not XML ends the iteration quietly
    (the caller counts reports read, and a broken one shows as no cases)."""
    pytest_report = False
    try:
        # expat caps entity expansion and never fetches external entities (see triage's
        # JUnit reader): the same guard defusedxml would add.
        for event, element in ET.iterparse(stream, events=("start", "end")):  # noqa: S314
            if event == "start":
                if element.tag == "testsuite" and element.get("name") == "pytest":
                    pytest_report = True
                continue
            if element.tag != "testcase":
                continue
            outcome = "pass"
            for child in element:
                if child.tag in _FAILED:
                    outcome = "fail"
                elif child.tag == "skipped" and outcome == "pass":
                    outcome = "skip"
            name = element.get("name") or ""
            test = case_id(element.get("classname") or "", name, element.get("file"), pytest_report)
            try:
                seconds = float(element.get("time") or 0)
            except ValueError:
                seconds = 0.0
            element.clear()
            yield CaseResult(test, outcome, seconds)
    except ET.ParseError:
        return
