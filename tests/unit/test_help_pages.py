"""The entry point answers ``CMD --help`` and ``explain CODE`` without importing the commands,
with exactly what the click application prints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ci_agent.cli_app import invoke
from ci_agent.error_codes import REGISTRY
from ci_agent.help_pages import PAGES_FILE, fast_answer, render_pages
from tests.conftest import RunCli


def slow(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = invoke(list(args))
    return code, capsys.readouterr().out


def test_the_stored_pages_are_current() -> None:
    stored = json.loads(Path(PAGES_FILE).read_text(encoding="utf-8"))
    assert stored == render_pages(), "run scripts/gen-docs"
    assert {"review", "backup", "backup create", "init", "explain", "run"} <= set(stored)


def test_every_page_is_what_click_prints(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    for key in json.loads(Path(PAGES_FILE).read_text(encoding="utf-8")):
        for flag in ("--help", "-h"):
            args = [*key.split(), flag]
            answer = fast_answer(args)
            assert answer is not None, key
            assert slow(capsys, *args) == (0, answer + "\n"), key


def test_explain_is_what_the_command_prints(capsys: pytest.CaptureFixture[str]) -> None:
    for code in REGISTRY:
        answer = fast_answer(["explain", code])
        assert answer is not None
        assert slow(capsys, "explain", code) == (0, answer + "\n"), code
    name = REGISTRY["CA101"].name
    assert fast_answer(["explain", name]) == fast_answer(["explain", "CA101"])


@pytest.mark.parametrize(
    "args",
    [
        ["explain", "CA999"],  # the application answers CA114
        ["explain", "--all"],
        ["explain", "CA101", "--output", "json"],
        ["review", "--base", "x"],
        ["nope", "--help"],
        ["--help", "review"],
        ["--version"],
        ["review", "--pr", "--help"],
    ],
)
def test_anything_else_goes_to_the_application(args: list[str]) -> None:
    assert fast_answer(args) is None


def test_help_and_explain_work_beside_a_broken_config(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "ci-agent.yml").write_text("fail-level: [\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert run_cli("doctor").code == 2  # the configuration is broken...
    explained = run_cli("explain", "CA103")  # ...and its error can still be explained
    assert explained.code == 0
    assert explained.out.startswith("CA103  config-yaml-syntax")
    assert run_cli("review", "--help").out.startswith("Usage: ci-agent review [OPTIONS]")
