"""Annotations: GitHub's per-step and per-job caps, ordering, and the job count in RUNNER_TEMP."""

from __future__ import annotations

import io
from pathlib import Path

from ci_agent.runner.annotations import (
    JOB_USAGE_FILE,
    MAX_PER_JOB,
    MAX_PER_LEVEL_PER_STEP,
    Annotation,
    AnnotationBudget,
    AnnotationSelection,
    emit_annotations,
    read_job_usage,
    record_job_usage,
)
from ci_agent.runner.commands import AnnotationLevel, WorkflowCommands
from ci_agent.runner.local import LocalCommands


def many(level: AnnotationLevel, count: int, start: int = 0) -> list[Annotation]:
    return [Annotation(level, f"{level} {i}") for i in range(start, start + count)]


def test_limits() -> None:
    assert MAX_PER_LEVEL_PER_STEP == 10
    assert MAX_PER_JOB == 50


def test_step_caps_per_level() -> None:
    mixed = many("notice", 5) + many("warning", 25) + many("error", 25)
    selection = AnnotationBudget().select(mixed)
    levels = [a.level for a in selection.emitted]
    assert levels == ["error"] * 10 + ["warning"] * 10 + ["notice"] * 5
    assert dict(selection.dropped_counts) == {"error": 15, "warning": 15, "notice": 0}
    assert len(selection.dropped) == 30


def test_order_within_a_level_is_kept() -> None:
    items = [Annotation("warning", "w0"), Annotation("error", "e0"), Annotation("warning", "w1")]
    items += [Annotation("error", "e1")]
    emitted = AnnotationBudget().select(items).emitted
    assert [a.message for a in emitted] == ["e0", "e1", "w0", "w1"]


def test_first_ones_of_a_level_are_kept() -> None:
    selection = AnnotationBudget().select(many("error", 12))
    assert [a.message for a in selection.emitted] == [f"error {i}" for i in range(10)]
    assert [a.message for a in selection.dropped] == ["error 10", "error 11"]


def test_repeated_calls_share_the_step_budget() -> None:
    budget = AnnotationBudget()
    first = budget.select(many("error", 6))
    second = budget.select(many("error", 6, start=6))
    assert len(first.emitted) == 6
    assert len(second.emitted) == 4
    assert second.dropped_counts["error"] == 2
    assert budget.step_used == {"error": 10, "warning": 0, "notice": 0}
    assert budget.job_used == 10


def test_job_cap_across_steps() -> None:
    budget = AnnotationBudget()
    emitted = 0
    # Six steps of 10 errors each: GitHub keeps 50 for the job, so the sixth step gets none.
    for step in range(6):
        if step:
            budget = budget.next_step()
        selection = budget.select(many("error", 10))
        emitted += len(selection.emitted)
        assert budget.step_used["error"] == len(selection.emitted)
    assert emitted == 50
    assert budget.job_used == 50
    assert len(selection.emitted) == 0
    assert selection.dropped_counts["error"] == 10


def test_job_cap_uses_severity_order() -> None:
    budget = AnnotationBudget(job_used=45)
    selection = budget.select(many("notice", 3) + many("warning", 3) + many("error", 3))
    assert [a.level for a in selection.emitted] == ["error"] * 3 + ["warning"] * 2
    assert dict(selection.dropped_counts) == {"error": 0, "warning": 1, "notice": 3}


def test_next_step_keeps_limits_and_job_count() -> None:
    budget = AnnotationBudget(per_level=2, per_job=3)
    budget.select(many("error", 2))
    later = budget.next_step()
    assert later.job_used == 2
    assert later.step_used == {"error": 0, "warning": 0, "notice": 0}
    assert len(later.select(many("error", 2)).emitted) == 1
    assert budget.job_used == 2


def test_summary_text() -> None:
    selection = AnnotationBudget().select(many("error", 11) + many("warning", 25))
    text = selection.summary_text()
    assert text.startswith("1 error, 15 warnings not shown as annotations")
    assert "10 per level per step and 50 per job" in text
    assert "\n" not in text


def test_summary_text_when_nothing_dropped() -> None:
    assert AnnotationBudget().select(many("notice", 3)).summary_text() == ""
    assert AnnotationSelection(()).summary_text() == ""


def test_properties() -> None:
    item = Annotation("error", "m", title="t", file="a.py", line=1, end_line=2, col=3)
    assert item.properties() == {
        "title": "t",
        "file": "a.py",
        "line": 1,
        "end_line": 2,
        "col": 3,
        "end_column": None,
    }


def test_emit_annotations_as_workflow_commands() -> None:
    out = io.StringIO()
    items = [
        Annotation("error", "bad", file="src/a.py", line=3, end_line=4, col=1, end_column=9),
        Annotation("notice", "fyi", title="Note"),
    ]
    emit_annotations(WorkflowCommands(out), items)
    assert out.getvalue().splitlines() == [
        "::error file=src/a.py,line=3,endLine=4,col=1,endColumn=9::bad",
        "::notice title=Note::fyi",
    ]


def test_emit_annotations_locally() -> None:
    out = io.StringIO()
    emit_annotations(LocalCommands(out), [Annotation("warning", "w", file="a.py", line=2)])
    assert out.getvalue() == "a.py:2: warning: w\n"


def test_job_usage_round_trip(tmp_path: Path) -> None:
    environ = {"RUNNER_TEMP": str(tmp_path)}
    assert read_job_usage(environ) == 0
    record_job_usage(environ, 17)
    assert (tmp_path / JOB_USAGE_FILE).read_text(encoding="ascii") == "17"
    assert read_job_usage(environ) == 17


def test_job_usage_without_runner_temp() -> None:
    record_job_usage({}, 5)
    assert read_job_usage({}) == 0


def test_job_usage_ignores_garbage(tmp_path: Path) -> None:
    (tmp_path / JOB_USAGE_FILE).write_text("lots", encoding="ascii")
    assert read_job_usage({"RUNNER_TEMP": str(tmp_path)}) == 0
    (tmp_path / JOB_USAGE_FILE).write_text("-4", encoding="ascii")
    assert read_job_usage({"RUNNER_TEMP": str(tmp_path)}) == 0


def test_record_job_usage_ignores_write_errors(tmp_path: Path) -> None:
    missing_dir = tmp_path / "gone"
    record_job_usage({"RUNNER_TEMP": str(missing_dir)}, 3)
    assert not missing_dir.exists()
