"""Local review end to end on a real git repository, through the CLI and the pipeline."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from ci_agent.cli import main
from ci_agent.config_model import ReviewConfig, Severity
from ci_agent.forge.local import LOCAL_PULL_REQUEST, LocalForge, LocalRepository
from ci_agent.review.engine import EngineResult, ReviewFile, StaticEngine
from ci_agent.review.findings import Finding
from ci_agent.review.pipeline import run_review
from tests.support import git

SELECT = ReviewConfig().ruff_select


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    (path / "legacy.py").write_text("import os\n\n\ndef old():\n    return 1\n")
    (path / "rename_me.py").write_text("X = 1\n")
    (path / "gone.py").write_text("Y = 2\n")
    git(path, "add", ".")
    git(path, "commit", "-qm", "base")
    # The change: a risky new module, an edit next to old unused import, a binary,
    # a lock file, a pure rename and a deletion.
    (path / "app.py").write_text(
        "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n"
    )
    (path / "legacy.py").write_text("import os\n\n\ndef old():\n    return 2\n")
    (path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (path / "poetry.lock").write_text("[[package]]\nname = 'x'\n")
    git(path, "mv", "rename_me.py", "renamed.py")
    git(path, "rm", "-q", "gone.py")
    git(path, "add", "-A")
    git(path, "commit", "-qm", "Add app\n\nBody text")
    return path


def run_cli(capsys: pytest.CaptureFixture[str], args: Sequence[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(list(args))
    out = capsys.readouterr()
    return int(info.value.code or 0), out.out, out.err


def test_json_review_accounts_for_every_file(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo)
    code, out, _ = run_cli(capsys, ["review", "--base", "HEAD~1", "--output", "json"])
    data = json.loads(out)
    assert code == 1  # S602 is high, the default fail-level
    assert data["status"] == "findings"
    result = data["result"]
    rules = {f["rule"] for f in result["findings"]}
    assert "S602" in rules
    # legacy.py's unused import is on an unchanged line: not this change's finding.
    assert all(f["path"] != "legacy.py" for f in result["findings"])
    assert result["out_of_scope_dropped"] >= 1
    files = {f["path"]: f for f in result["files"]}
    assert set(files) == {"app.py", "legacy.py", "logo.png", "poetry.lock", "renamed.py", "gone.py"}
    assert files["app.py"]["reviewed"] and files["legacy.py"]["reviewed"]
    assert files["logo.png"]["reason"].startswith("binary")
    assert files["poetry.lock"]["reason"].startswith("excluded")
    assert files["gone.py"]["reason"] == "deleted"
    assert files["renamed.py"]["reason"].startswith("no text change")
    assert result["coverage"] == {
        "total": 6,
        "reviewed": 2,
        "reviewed_earlier": 0,
        "skipped": 4,
        "reasons": {
            files[p]["reason"]: 1 for p in ("logo.png", "poetry.lock", "gone.py", "renamed.py")
        },
    }
    assert result["pull_request"]["title"] == "Add app"
    assert any("static engine only" in n for n in result["notes"])


def test_text_and_markdown_outputs(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo)
    code, out, _ = run_cli(capsys, ["review", "--base", "HEAD~1", "--fail-level", "none"])
    assert code == 0
    assert "app.py:5: high [security] S602" in out
    assert "skipped logo.png: binary" in out
    code, out, _ = run_cli(
        capsys, ["review", "--base", "HEAD~1", "--output", "markdown", "--fail-level", "critical"]
    )
    assert code == 0
    assert "## ci-agent review" in out
    assert "| high | `app.py:5` |" in out
    assert "reviewed 2 of 6 changed file(s)" in out


def test_bad_refs_and_places(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo)
    code, _, err = run_cli(capsys, ["review", "--base", "nope"])
    assert code == 2 and "CA206" in err
    code, _, err = run_cli(capsys, ["review"])
    assert code == 2 and "CA108" in err
    code, _, err = run_cli(capsys, ["review", "--base", "HEAD~1", "--path", str(tmp_path)])
    assert code == 2 and "CA202" in err
    code, _, err = run_cli(capsys, ["review", "--base", "HEAD~1", "--fail-level", "severe"])
    assert code == 2 and "CA106" in err


class FakeEngine:
    """An engine that returns fixed findings, to test verification without a model."""

    name = "fake"

    def __init__(self, findings: Sequence[Finding]) -> None:
        self.findings = tuple(findings)
        self.seen: list[str] = []

    def review(self, files: Sequence[ReviewFile]) -> EngineResult:
        self.seen = [f.path for f in files]
        return EngineResult(
            findings=self.findings, summaries={"app.py": "Adds a shell runner"}, risk="medium"
        )


def test_pipeline_verifies_engine_output(repo: Path) -> None:
    forge = LocalForge(LocalRepository.open(repo), "HEAD~1")
    good = Finding(
        path="app.py",
        start_line=5,
        end_line=5,
        severity="high",
        category="security",
        title="shell=True with user input",
        suggestion="    return subprocess.call(cmd.split())",
        confidence=0.95,
    )
    broken = good.model_copy(update={"title": "broken fix", "suggestion": "    return (("})
    elsewhere = good.model_copy(update={"path": "legacy.py", "start_line": 1, "end_line": 1})
    engine = FakeEngine([good, broken, elsewhere])
    report = run_review(
        forge,
        LOCAL_PULL_REQUEST,
        ReviewConfig(),
        Severity.HIGH,
        [StaticEngine(SELECT), engine],
    )
    assert engine.seen == ["app.py", "legacy.py"]
    titles = {f.title: f for f in report.findings}
    assert titles["shell=True with user input"].suggestion is not None
    assert titles["broken fix"].suggestion is None
    assert report.dropped_suggestions == 1
    # The static engine's S602 on the same line says the same thing: merged into one.
    assert report.selection.duplicates == 1
    assert all(f.rule != "S602" for f in report.findings)
    assert report.out_of_scope >= 1
    assert report.risk == "high"
    assert report.at_fail_level >= 2
    files = {f.path: f for f in report.files}
    assert files["app.py"].summary == "Adds a shell runner"
