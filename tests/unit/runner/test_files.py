"""File commands: the exact heredoc format, refusals, and the environ-driven helpers."""

from __future__ import annotations

import errno
import re
import uuid
from pathlib import Path

import pytest

from ci_agent.errors import CiAgentError, PlatformError, RepositoryError, VerificationError
from ci_agent.runner.files import (
    add_path,
    export_variable,
    file_command_path,
    issue_file_command,
    prepare_key_value_message,
    save_state,
    set_output,
    write_runner_file,
)

ENTRY = re.compile(
    r"(?P<key>[^\n]*)<<(?P<delim>ghadelimiter_[0-9a-f-]{36})\n(?P<value>.*?)\n(?P=delim)\n",
    re.DOTALL,
)


def parse_entries(text: str) -> list[tuple[str, str]]:
    """Read a file command's file back the way the runner does."""
    entries = []
    pos = 0
    while pos < len(text):
        match = ENTRY.match(text, pos)
        assert match is not None, text[pos:]
        entries.append((match["key"], match["value"]))
        pos = match.end()
    return entries


@pytest.fixture
def command_file(tmp_path: Path) -> Path:
    path = tmp_path / "output"
    path.write_text("", encoding="utf-8")
    return path


def test_entry_format(command_file: Path) -> None:
    issue_file_command(command_file, "result", "line 1\nline 2")
    text = command_file.read_text(encoding="utf-8")
    match = ENTRY.fullmatch(text)
    assert match is not None
    delimiter = match["delim"]
    assert text == f"result<<{delimiter}\nline 1\nline 2\n{delimiter}\n"
    uuid.UUID(delimiter.removeprefix("ghadelimiter_"))


def test_entries_append_with_fresh_delimiters(command_file: Path) -> None:
    command_file.write_text("earlier=1\n", encoding="utf-8")
    issue_file_command(command_file, "a", "x")
    issue_file_command(command_file, "b", "")
    text = command_file.read_text(encoding="utf-8")
    assert text.startswith("earlier=1\n")
    assert parse_entries(text.removeprefix("earlier=1\n")) == [("a", "x"), ("b", "")]
    assert len(set(re.findall(r"ghadelimiter_[0-9a-f-]+", text))) == 2


def test_non_string_values(command_file: Path) -> None:
    issue_file_command(command_file, "obj", {"k": [1, True]})
    issue_file_command(command_file, "num", 42)
    issue_file_command(command_file, "none", None)
    issue_file_command(command_file, "flag", False)
    assert parse_entries(command_file.read_text(encoding="utf-8")) == [
        ("obj", '{"k":[1,true]}'),
        ("num", "42"),
        ("none", ""),
        ("flag", "false"),
    ]


def test_utf8(command_file: Path) -> None:
    issue_file_command(command_file, "greeting", "héllo ✓")
    assert "héllo ✓" in command_file.read_bytes().decode("utf-8")


def _fixed_uuid(monkeypatch: pytest.MonkeyPatch) -> str:
    fixed = uuid.UUID("12345678-1234-5678-1234-567812345678")
    monkeypatch.setattr(uuid, "uuid4", lambda: fixed)
    return f"ghadelimiter_{fixed}"


def test_delimiter_in_value_is_refused(command_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    delimiter = _fixed_uuid(monkeypatch)
    with pytest.raises(VerificationError) as caught:
        issue_file_command(command_file, "out", f"x\n{delimiter}\nevil=1")
    assert caught.value.code == "CA502"
    assert "'out'" in caught.value.message
    assert command_file.read_text(encoding="utf-8") == ""


def test_delimiter_in_key_is_refused(command_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    delimiter = _fixed_uuid(monkeypatch)
    with pytest.raises(CiAgentError) as caught:
        issue_file_command(command_file, f"k{delimiter}", "v")
    assert caught.value.code == "CA502"
    assert command_file.read_text(encoding="utf-8") == ""


@pytest.mark.parametrize("key", ["a\nb", "a\rb", "a=b", "a<<b"])
def test_separators_in_key_are_refused(command_file: Path, key: str) -> None:
    with pytest.raises(VerificationError) as caught:
        issue_file_command(command_file, key, "v")
    assert caught.value.code == "CA502"
    assert command_file.read_text(encoding="utf-8") == ""


def test_prepare_key_value_message_matches_issue(command_file: Path) -> None:
    message = prepare_key_value_message("k", "v")
    assert parse_entries(message) == [("k", "v")]


def test_missing_file_is_refused(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    with pytest.raises(RepositoryError) as caught:
        issue_file_command(missing, "k", "v")
    assert caught.value.code == "CA205"
    assert not missing.exists()


def test_unwritable_file_is_a_coded_error(
    command_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(Path, "open", refuse)
    with pytest.raises(RepositoryError) as caught:
        write_runner_file(command_file, "x")
    assert caught.value.code == "CA205"
    assert "Permission denied" in caught.value.message


def test_full_disk_is_ca701(command_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "open", full)
    with pytest.raises(PlatformError) as caught:
        write_runner_file(command_file, "x")
    assert caught.value.code == "CA701"


def test_overwrite(command_file: Path) -> None:
    command_file.write_text("old", encoding="utf-8")
    write_runner_file(command_file, "new", overwrite=True)
    assert command_file.read_text(encoding="utf-8") == "new"


def _environ(tmp_path: Path) -> dict[str, str]:
    environ = {}
    for name in ("OUTPUT", "ENV", "STATE", "PATH"):
        path = tmp_path / name.lower()
        path.write_text("", encoding="utf-8")
        environ[f"GITHUB_{name}"] = str(path)
    return environ


def test_helpers_write_to_their_files(tmp_path: Path) -> None:
    environ = _environ(tmp_path)
    set_output(environ, "count", 3)
    export_variable(environ, "MY_VAR", "v")
    save_state(environ, "pid", "123")
    add_path(environ, tmp_path / "bin")
    add_path(environ, "/opt/tool")
    assert parse_entries((tmp_path / "output").read_text(encoding="utf-8")) == [("count", "3")]
    assert parse_entries((tmp_path / "env").read_text(encoding="utf-8")) == [("MY_VAR", "v")]
    assert parse_entries((tmp_path / "state").read_text(encoding="utf-8")) == [("pid", "123")]
    assert (tmp_path / "path").read_text(encoding="utf-8") == f"{tmp_path / 'bin'}\n/opt/tool\n"


def test_add_path_refuses_line_breaks(tmp_path: Path) -> None:
    environ = _environ(tmp_path)
    with pytest.raises(VerificationError) as caught:
        add_path(environ, "/bin\n/evil")
    assert caught.value.code == "CA502"
    assert (tmp_path / "path").read_text(encoding="utf-8") == ""


@pytest.mark.parametrize("environ", [{}, {"GITHUB_OUTPUT": ""}])
def test_unset_variable_is_ca108(environ: dict[str, str]) -> None:
    with pytest.raises(CiAgentError) as caught:
        set_output(environ, "k", "v")
    assert caught.value.code == "CA108"
    assert "GITHUB_OUTPUT is not set" in caught.value.message
    assert "GITHUB_OUTPUT" in caught.value.suggestion


def test_file_command_path() -> None:
    assert file_command_path({"GITHUB_ENV": "/tmp/env"}, "GITHUB_ENV") == "/tmp/env"
