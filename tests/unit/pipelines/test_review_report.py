"""The review's typed report on the in-memory forge: the check run shows its title and
conclusion, its counts are the result's, and the sticky summary lists its severities."""

from __future__ import annotations

from ci_agent.forge.types import CommentKind
from ci_agent.review.publish import CHECK_NAME
from ci_agent.review.summary import review_report

from .conftest import Project


def test_the_check_run_and_the_result_agree_with_the_typed_report(project: Project) -> None:
    done = project.review()
    assert done.report is not None
    report = review_report(done.report)
    (check,) = project.forge.check_runs(project.pull.head_sha, CHECK_NAME)
    output, _ = project.forge.check_output(check.id)
    assert output is not None
    assert (output.title, check.conclusion) == (report.title, report.conclusion)
    assert report.title.startswith(f"{report.findings_count} new finding(s), risk ")
    assert report.findings_count == done.result["findings_count"]
    assert report.max_severity == done.result["max_severity"]
    assert sum(report.severity_counts.values()) == report.findings_count
    (summary,) = project.forge.comments(project.pull.number, CommentKind.ISSUE)
    shown = ", ".join(f"{n} {name}" for name, n in report.severity_counts.items() if n)
    assert f"**New findings:** {report.findings_count} ({shown})" in summary.body
