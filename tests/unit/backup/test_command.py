"""The ``backup`` click group: help, options and coded errors for bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from ci_agent.cli import COMMANDS
from tests.conftest import CliResult, RunCli

SUBCOMMANDS = ("create", "verify", "restore", "list", "stats", "prune")
GLOBAL_OPTIONS = ("-v, --verbose", "-q, --quiet", "--dry-run", "--output", "--config", "--no-color")


@pytest.fixture
def backup(run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> RunCli:
    monkeypatch.setitem(COMMANDS, "backup", ("ci_agent.commands.backup:backup", "Backups."))
    monkeypatch.chdir(tmp_path)

    def invoke(*args: str) -> CliResult:
        return run_cli("backup", *args)

    return invoke


def test_the_group_lists_its_subcommands(backup: RunCli) -> None:
    result = backup("--help")
    assert result.code == 0
    for sub in SUBCOMMANDS:
        assert f"  {sub} " in result.out


@pytest.mark.parametrize("sub", SUBCOMMANDS)
def test_each_subcommand_has_help_with_the_global_options(backup: RunCli, sub: str) -> None:
    result = backup(sub, "--help")
    assert result.code == 0, result
    assert result.out.startswith(f"Usage: ci-agent backup {sub} [OPTIONS]")
    for option in GLOBAL_OPTIONS:
        assert option in result.out


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["create", "--kind", "hourly"], "CA108", "'hourly' is not one of"),
        (["create", "--created-at", "someday"], "CA106", "'--created-at' has the invalid value"),
        (["restore", "x.tar.gz"], "CA108", "Missing option '--to'"),
        (["verify", "missing.tar.gz"], "CA223", "no backup 'missing.tar.gz'"),
        (["verify"], "CA223", "no backup 'ci-agent-backups'"),
        (["prune", "--keep-daily", "0"], "CA108", "0 is not in the range"),
        (["list", "--source", "cloud"], "CA108", "'cloud' is not one of"),
    ],
)
def test_bad_input_is_coded(backup: RunCli, args: list[str], code: str, words: str) -> None:
    result = backup(*args)
    assert result.code == 2, result
    assert f"error[{code}]" in result.err and words in result.err, result.err
    assert "Traceback" not in result.err + result.out


def test_created_at_error_in_json(backup: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "soon")
    result = backup("create", "--output", "json")
    data = result.json()
    assert data["command"] == "backup create"
    assert data["errors"][0]["code"] == "CA106"


def test_list_and_stats_of_an_empty_directory(backup: RunCli, tmp_path: Path) -> None:
    listed = backup("list", "--dir", str(tmp_path / "none"))
    assert listed.code == 0 and "no backups in" in listed.out
    stats = backup("stats", "--dir", str(tmp_path), "--output", "json").json()
    assert stats["result"]["count"] == 0
    pruned = backup("prune", "--dir", str(tmp_path), "--dry-run")
    assert pruned.code == 0 and "kept 0, would delete 0" in pruned.out
    (tmp_path / "file").write_text("x")
    assert backup("list", "--dir", str(tmp_path / "file")).code == 2
