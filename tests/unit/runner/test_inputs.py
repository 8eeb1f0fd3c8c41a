"""Inputs: both variable spellings, trimming, booleans and multi-line values."""

from __future__ import annotations

import pytest

from ci_agent.errors import UsageError
from ci_agent.runner.inputs import (
    get_bool_input,
    get_input,
    get_multiline_input,
    input_variable_names,
)


def test_variable_names() -> None:
    assert input_variable_names("my input") == ("INPUT_MY_INPUT",)
    assert input_variable_names("github-token") == ("INPUT_GITHUB-TOKEN", "INPUT_GITHUB_TOKEN")


def test_reads_runner_spelling() -> None:
    assert get_input({"INPUT_GITHUB-TOKEN": "t"}, "github-token") == "t"


def test_reads_shell_spelling() -> None:
    # A composite action re-exports inputs through `env:`, where names cannot contain "-".
    assert get_input({"INPUT_GITHUB_TOKEN": "t"}, "github-token") == "t"


def test_runner_spelling_wins_when_both_are_set() -> None:
    environ = {"INPUT_GITHUB-TOKEN": "dash", "INPUT_GITHUB_TOKEN": "underscore"}
    assert get_input(environ, "github-token") == "dash"


def test_empty_runner_spelling_falls_back() -> None:
    environ = {"INPUT_GITHUB-TOKEN": "", "INPUT_GITHUB_TOKEN": "underscore"}
    assert get_input(environ, "github-token") == "underscore"


def test_name_is_case_insensitive_and_spaces_become_underscores() -> None:
    assert get_input({"INPUT_MY_INPUT": "val"}, "My Input") == "val"


def test_missing_optional_input_is_empty() -> None:
    assert get_input({}, "missing") == ""


def test_missing_required_input_is_ca105() -> None:
    with pytest.raises(UsageError) as caught:
        get_input({}, "api-key", required=True)
    assert caught.value.code == "CA105"
    assert "'api-key'" in caught.value.message
    assert caught.value.exit_code == 2


def test_whitespace_counts_as_given_for_required() -> None:
    assert get_input({"INPUT_X": "  "}, "x", required=True) == ""


def test_trims_by_default() -> None:
    assert get_input({"INPUT_X": "  value \n"}, "x") == "value"
    assert get_input({"INPUT_X": "  value \n"}, "x", trim=False) == "  value \n"


@pytest.mark.parametrize("spelling", ["true", "True", "TRUE"])
def test_true_spellings(spelling: str) -> None:
    assert get_bool_input({"INPUT_FLAG": spelling}, "flag") is True


@pytest.mark.parametrize("spelling", ["false", "False", "FALSE"])
def test_false_spellings(spelling: str) -> None:
    assert get_bool_input({"INPUT_FLAG": spelling}, "flag", default=True) is False


def test_bool_is_trimmed() -> None:
    assert get_bool_input({"INPUT_FLAG": " true\n"}, "flag") is True


@pytest.mark.parametrize("spelling", ["yes", "1", "on", "tRue", "y"])
def test_other_bool_spellings_are_ca106(spelling: str) -> None:
    with pytest.raises(UsageError) as caught:
        get_bool_input({"INPUT_FLAG": spelling}, "flag")
    assert caught.value.code == "CA106"
    assert caught.value.context == {"name": "flag", "value": spelling, "allowed": "true, false"}
    assert "'flag'" in caught.value.message
    assert f"'{spelling}'" in caught.value.message
    assert "true, false" in caught.value.suggestion


def test_empty_bool_gives_default() -> None:
    assert get_bool_input({}, "flag") is False
    assert get_bool_input({"INPUT_FLAG": ""}, "flag", default=True) is True


def test_required_bool_missing_is_ca105() -> None:
    with pytest.raises(UsageError) as caught:
        get_bool_input({}, "flag", required=True)
    assert caught.value.code == "CA105"


def test_bool_shell_spelling() -> None:
    assert get_bool_input({"INPUT_DRY_RUN": "true"}, "dry-run") is True


def test_multiline_input() -> None:
    environ = {"INPUT_PATHS": "src/\n\n  docs/ \r\ntests/\n  \n"}
    assert get_multiline_input(environ, "paths") == ["src/", "docs/", "tests/"]


def test_multiline_input_without_trim() -> None:
    environ = {"INPUT_PATHS": " a \n\nb\r\n"}
    assert get_multiline_input(environ, "paths", trim=False) == [" a ", "b"]


def test_multiline_input_empty_and_required() -> None:
    assert get_multiline_input({}, "paths") == []
    with pytest.raises(UsageError) as caught:
        get_multiline_input({}, "paths", required=True)
    assert caught.value.code == "CA105"
