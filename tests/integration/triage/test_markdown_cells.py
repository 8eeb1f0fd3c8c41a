"""Triage markdown: test ids and job names from logs stay inside their code spans and cells."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.unit.report.rendered import render, unsafe_problems

from .conftest import TriageCli
from .joblog import RunStep, job_log

Cli = Callable[..., TriageCli]


def test_hostile_test_ids_and_job_names_render_as_written(triage_cli: Cli, tmp_path: Path) -> None:
    test_id = "tests/test_a.py::test_x[a`b|c @alice <img src=x>]"
    output = (
        "============================= test session starts ==============================\n"
        f"{test_id} FAILED\n"
        "=========================== short test summary info ============================\n"
        f"FAILED {test_id} - assert 0\n"
        "============================== 1 failed in 0.01s ===============================\n"
    )
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "0_te|st `x` @bob.txt").write_text(job_log([RunStep("python -m pytest", output, 1)]))
    result = triage_cli("--log", str(logs), "--output", "markdown")
    assert result.code == 0, result.err
    markdown = result.out.split("<details>", 1)[0]  # the excerpt below is inside <details>
    assert unsafe_problems(markdown) == []
    page = render(markdown)
    assert page.cells[5:7] == ["te|st x @bob", "Run python -m pytest"]  # `x` is a code span
    assert f"failing tests: {test_id}\n" in "".join(page.text)
