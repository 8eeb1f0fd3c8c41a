"""The typed report: the step outputs, the job summary and the check run read its fields, never
the command's result JSON."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ci_agent.forge.memory import InMemoryForge
from ci_agent.outcome import Outcome
from ci_agent.redact import Redactor
from ci_agent.report import outputs as outputs_module
from ci_agent.report.check_run import complete_check, start_check
from ci_agent.report.outputs import write_outputs
from ci_agent.report.value import SEVERITIES, ArtifactRef, Report, severity_counts
from tests.conftest import ActionsStep


def test_severity_counts_list_every_level_highest_first() -> None:
    counts = severity_counts(["low", "high", "low", "info"])
    assert list(counts) == list(SEVERITIES)
    assert counts == {"critical": 0, "high": 1, "medium": 0, "low": 2, "info": 1}


def test_an_outcome_starts_with_an_empty_report() -> None:
    report = Outcome("doctor").report
    assert report == Report()
    assert report.conclusion == "neutral"
    assert not report.counts_findings
    assert report.artifact is None


def test_with_report_changes_only_the_report() -> None:
    outcome = Outcome("review", result={"a": 1}, text="t")
    changed = outcome.with_report(job="review", findings_count=2, max_severity="high")
    assert changed.report.job == "review"
    assert changed.report.findings_count == 2
    assert (changed.result, changed.text) == ({"a": 1}, "t")
    assert outcome.report == Report()  # the original is untouched


def test_an_artifact_reference_from_a_result_entry() -> None:
    ref = ArtifactRef.from_mapping({"path": "/tmp/x/b.json", "name": "b.json", "sha256": "ab"})
    assert ref == ArtifactRef(Path("/tmp/x/b.json"), "b.json", "ab")
    assert ArtifactRef.from_mapping({"path": "/tmp/y.zip"}) == ArtifactRef(
        Path("/tmp/y.zip"), "y.zip", ""
    )
    assert ArtifactRef.from_mapping(None) is None
    assert ArtifactRef.from_mapping({"name": "no-path"}) is None


def _envelope(result: dict[str, object]) -> dict[str, object]:
    return {"schema_version": 1, "status": "ok", "exit_code": 0, "result": result}


def test_outputs_come_from_the_report_not_the_result(actions: ActionsStep) -> None:
    # A result whose keys say otherwise: the outputs must not read them.
    result = {"findings_count": 99, "max_severity": "critical", "artifact": {"path": "/no"}}
    report = Report(
        findings_count=3,
        max_severity="medium",
        artifact=ArtifactRef(Path("/tmp/r.json"), "r.json", "f00d"),
        outputs={"matrix": "[1]"},
    )
    written = write_outputs(os.environ, _envelope(result), report, Redactor([]))
    assert written["findings-count"] == "3"
    assert written["max-severity"] == "medium"
    assert (written["artifact-path"], written["artifact-name"], written["sha256"]) == (
        "/tmp/r.json",
        "r.json",
        "f00d",
    )
    assert written["matrix"] == "[1]"
    assert actions.outputs()["findings-count"] == "3"


def test_outputs_of_a_capability_without_findings(actions: ActionsStep) -> None:
    written = write_outputs(os.environ, _envelope({"x": 1}), Report(), Redactor([]))
    assert (written["findings-count"], written["max-severity"]) == ("0", "none")
    assert (written["artifact-path"], written["artifact-name"], written["sha256"]) == ("", "", "")


def test_a_cut_result_keeps_the_typed_counts_and_names_the_artifact(
    actions: ActionsStep, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outputs_module, "RESULT_JSON_LIMIT", 200)
    report = Report(
        job="review",
        findings_count=7,
        max_severity="high",
        artifact=ArtifactRef(Path("/tmp/whole.json"), "whole.json", "beef"),
    )
    envelope = _envelope({"findings": ["x" * 50] * 20})
    written = write_outputs(os.environ, envelope, report, Redactor([]))
    cut = json.loads(written["result-json"])["result"]
    assert cut["truncated"] is True
    assert (
        cut["note"] == "the result is larger than an output can hold; see the artifact whole.json"
    )
    assert (cut["job"], cut["findings_count"], cut["max_severity"]) == ("review", 7, "high")


def test_a_cut_result_of_a_capability_without_findings_has_no_counts(
    actions: ActionsStep, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outputs_module, "RESULT_JSON_LIMIT", 50)
    written = write_outputs(os.environ, _envelope({"x": "y" * 100}), Report(), Redactor([]))
    cut = json.loads(written["result-json"])["result"]
    assert "job" not in cut and "findings_count" not in cut and "max_severity" not in cut


def test_the_check_run_takes_its_title_and_conclusion_from_the_report() -> None:
    forge = InMemoryForge()
    diff = "diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n"
    head = forge.seed_pull_from_diff(diff).head_sha
    check = start_check(forge, "ci-agent / x", head)
    report = Report("2 new finding(s), risk low\nsecond line", conclusion="failure")
    done = complete_check(forge, check.id, report, summary="body")
    assert done.conclusion == "failure"
    output, _ = forge.check_output(check.id)
    assert output is not None and output.title.startswith("2 new finding(s)")


def test_the_fix_report_names_its_bundle_and_ends_green_only_for_a_fix() -> None:
    from ci_agent.fix.session import FixReport
    from ci_agent.fix.sticky import fix_report

    bundle = {"path": "/tmp/fix-1.json", "name": "fix-1.json", "sha256": "0a"}
    made = fix_report(FixReport({}, "patch", "computed", ("proved",), bundle=bundle))
    assert made.artifact == ArtifactRef(Path("/tmp/fix-1.json"), "fix-1.json", "0a")
    assert (made.title, made.conclusion) == ("ci-agent computed a verified fix", "success")
    refused = fix_report(FixReport({}, "patch", "refused", ("no proof",)))
    assert (refused.conclusion, refused.artifact) == ("neutral", None)


def test_report_fields_after_the_title_are_named() -> None:
    with pytest.raises(TypeError):
        Report("title", "success")  # type: ignore[misc]
