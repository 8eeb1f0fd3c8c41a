"""The static engine runs the real ruff binary on changed files."""

from __future__ import annotations

import pytest

from ci_agent.errors import CiAgentError
from ci_agent.review.static_engine import run_ruff

SELECT = ("F", "E9", "B", "S", "PERF", "PLE")


def test_ruff_findings_are_mapped() -> None:
    files = {
        "pkg/app.py": "import os\n\n\ndef f(x):\n    return eval(x) + missing\n",
        "README.md": "not python",
    }
    findings = {f.rule: f for f in run_ruff(files, SELECT)}
    assert set(findings) >= {"F401", "S307", "F821"}
    assert findings["F401"].path == "pkg/app.py"
    assert (findings["F401"].start_line, findings["F401"].severity) == (1, "low")
    assert (findings["S307"].category, findings["S307"].severity) == ("security", "high")
    assert (findings["F821"].start_line, findings["F821"].severity) == (5, "high")
    assert all(f.source == "static:ruff" for f in findings.values())


def test_syntax_errors_are_findings_not_crashes() -> None:
    findings = run_ruff({"bad.py": "def f(:\n"}, SELECT)
    assert findings and findings[0].severity == "high"


def test_no_python_files_no_run() -> None:
    assert run_ruff({"a.txt": "x"}, SELECT) == []


@pytest.mark.parametrize("path", ["../escape.py", "/etc/evil.py", "a/../../b.py"])
def test_unsafe_paths_are_refused(path: str) -> None:
    with pytest.raises(CiAgentError) as info:
        run_ruff({path: "x = 1\n"}, SELECT)
    assert info.value.code == "CA501"
