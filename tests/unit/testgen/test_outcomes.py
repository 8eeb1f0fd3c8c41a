"""The per-test report a batch run leaves: what it holds survives the process's death."""

from __future__ import annotations

import json
from pathlib import Path

from ci_agent.testgen.outcomes import read_outcomes


def test_a_report_cut_by_a_dying_process_still_says_who_was_running(tmp_path: Path) -> None:
    report = tmp_path / "run.jsonl"
    events = [
        {"kind": "collected", "ids": ["t.py::a", "t.py::b", "t.py::c"]},
        {"kind": "collect-error", "path": "u.py", "text": "E   ImportError: x"},
        {"kind": "start", "id": "t.py::a"},
        {"kind": "result", "id": "t.py::a", "when": "call", "outcome": "failed", "text": "E 1"},
        {"kind": "finish", "id": "t.py::a"},
        {"kind": "start", "id": "t.py::b"},
    ]
    report.write_text("".join(json.dumps(e) + "\n" for e in events) + '{"kind": "res')
    (tmp_path / "run.jsonl.watchdog").write_text("Timeout (0:00:04)!\n")

    found = read_outcomes(report)

    assert found.collected == ("t.py::a", "t.py::b", "t.py::c")
    assert found.failed == {"t.py::a": "[call] E 1"} and not found.passed("t.py::a")
    assert found.running == "t.py::b" and found.hung and not found.ended
    assert found.collect_errors == {"u.py": "E   ImportError: x"}
    assert not found.passed("t.py::c")
    assert read_outcomes(tmp_path / "absent.jsonl").collected == ()
