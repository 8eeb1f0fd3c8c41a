"""Which fixer commands run: the configured ones, else ruff's defaults where ruff is configured."""

from __future__ import annotations

from pathlib import Path

import pytest

from ci_agent.config_model import FixConfig
from ci_agent.errors import CiAgentError
from ci_agent.fix.fixers import (
    DEFAULT_CHECKS,
    DEFAULT_FIXERS,
    CommandRun,
    FixersResult,
    fixer_commands,
    ruff_configured,
)
from ci_agent.json_form import to_json

RUFF_PYPROJECT = '[project]\nname = "x"\n\n[tool.ruff]\nline-length = 100\n'


def test_the_defaults_are_ruffs_fix_and_check_commands() -> None:
    assert DEFAULT_FIXERS == (("ruff", "check", "--fix"), ("ruff", "format"))
    assert DEFAULT_CHECKS == (("ruff", "check"), ("ruff", "format", "--check"))


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("pyproject.toml", RUFF_PYPROJECT),
        ("pyproject.toml", '[tool.ruff.lint]\nselect = ["F"]\n'),  # a sub-table defines it
        ("ruff.toml", "line-length = 100\n"),
        (".ruff.toml", ""),
    ],
)
def test_ruff_configured_gets_the_defaults(tmp_path: Path, name: str, text: str) -> None:
    (tmp_path / name).write_text(text)
    assert ruff_configured(tmp_path)
    assert fixer_commands(tmp_path, FixConfig()) == (DEFAULT_FIXERS, DEFAULT_CHECKS)


@pytest.mark.parametrize(
    "text",
    [
        '[project]\nname = "x"\n\n[tool.black]\nline-length = 100\n',  # another tool only
        '[project]\nname = "x"\n',
        'tool = "ruff"\n',  # not a table
        "[tool.ruff\nline-length = 100\n",  # unparsable: ruff would not run either
        "",
    ],
)
def test_a_pyproject_without_a_ruff_table_configures_nothing(tmp_path: Path, text: str) -> None:
    (tmp_path / "pyproject.toml").write_text(text)
    assert not ruff_configured(tmp_path)
    assert fixer_commands(tmp_path, FixConfig()) == ((), ())


def test_a_pyproject_that_is_not_utf8_configures_nothing(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_bytes(b"[tool.ruff]\n# \xff\xfe\n")
    assert not ruff_configured(tmp_path)


def test_an_empty_directory_configures_nothing(tmp_path: Path) -> None:
    assert fixer_commands(tmp_path, FixConfig()) == ((), ())


def test_a_directory_named_ruff_toml_is_no_configuration(tmp_path: Path) -> None:
    (tmp_path / "ruff.toml").mkdir()
    assert not ruff_configured(tmp_path)


def test_configured_commands_win_over_the_ruff_defaults(tmp_path: Path) -> None:
    (tmp_path / "ruff.toml").write_text("")
    config = FixConfig(fixers=("black .", "isort ."), fixer_checks=("black --check .",))
    assert fixer_commands(tmp_path, config) == (
        (("black", "."), ("isort", ".")),
        (("black", "--check", "."),),
    )


def test_commands_are_split_like_a_shell_but_never_run_by_one(tmp_path: Path) -> None:
    config = FixConfig(
        fixers=("python3 -c 'print(\"a b\")' ; rm -rf x",),
        fixer_checks=('"my tool" --flag="two words" $HOME *.py',),
    )
    fixers, checks = fixer_commands(tmp_path, config)
    # Quotes group words; ';', '$HOME' and '*' stay literal arguments.
    assert fixers == (("python3", "-c", 'print("a b")', ";", "rm", "-rf", "x"),)
    assert checks == (("my tool", "--flag=two words", "$HOME", "*.py"),)


def test_configuring_one_half_leaves_the_other_empty(tmp_path: Path) -> None:
    # A configured fixer is never proven by ruff's checks it knows nothing about.
    (tmp_path / "ruff.toml").write_text("")
    assert fixer_commands(tmp_path, FixConfig(fixers=("black .",))) == ((("black", "."),), ())
    only_checks = FixConfig(fixer_checks=("black --check .",))
    assert fixer_commands(tmp_path, only_checks) == ((), (("black", "--check", "."),))


def test_an_empty_list_turns_the_fixers_off(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(RUFF_PYPROJECT)
    assert fixer_commands(tmp_path, FixConfig(fixers=())) == ((), ())


@pytest.mark.parametrize(
    ("command", "problem"),
    [("ruff check 'unclosed", "cannot be split"), ("   ", "the command is empty")],
)
def test_a_command_that_cannot_be_split_is_ca232(
    tmp_path: Path, command: str, problem: str
) -> None:
    with pytest.raises(CiAgentError) as caught:
        fixer_commands(tmp_path, FixConfig(fixers=(command,), fixer_checks=("ruff check",)))
    assert caught.value.code == "CA232"
    assert problem in caught.value.message
    assert "fix.fixers" in caught.value.suggestion


def test_command_run_json_and_properties() -> None:
    run = CommandRun(("ruff", "check", "a b.py"), 1, "a b.py:1:8: F401", 0.12345)
    assert run.command == "ruff check 'a b.py'"
    assert not run.ok and not run.timed_out
    assert to_json(run) == {
        "argv": ["ruff", "check", "a b.py"],
        "returncode": 1,
        "timed_out": False,
        "seconds": 0.123,
        "tail": "a b.py:1:8: F401",
    }
    slow = CommandRun(("sleep", "9"), None, "", 1.0)
    assert slow.timed_out and not slow.ok and to_json(slow)["timed_out"] is True


def test_fixers_result_json() -> None:
    check = CommandRun(("ruff", "check"), 1, "F401", 0.1)
    passed = CommandRun(("ruff", "check"), 0, "All checks passed!", 0.1)
    fix = CommandRun(("ruff", "check", "--fix"), 0, "Found 1 error (1 fixed)", 0.1)
    result = FixersResult("verified", ("ok",), "diff", (check,), (fix,), (passed,), ("a.py",))
    assert result.verified
    data = to_json(result)
    assert data["status"] == "verified" and data["changed"] == ["a.py"]
    assert [r["returncode"] for r in (*data["before"], *data["fixes"], *data["after"])] == [1, 0, 0]
    refused = FixersResult("refused", ("no",))
    assert not refused.verified
    assert to_json(refused) == {
        "status": "refused",
        "reasons": ["no"],
        "diff": "",
        "changed": [],
        "before": [],
        "fixes": [],
        "after": [],
    }
