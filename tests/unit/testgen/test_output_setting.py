"""``test-generation.output`` is checked when the configuration is read: a path that could not
hold a generated test module is a configuration error, not a wasted run or an internal error."""

from __future__ import annotations

from pathlib import Path

import pytest

from ci_agent.config_testgen import TestGenerationConfig
from tests.conftest import RunCli


@pytest.mark.parametrize(
    ("output", "problem"),
    [
        ("tests/{nope}.py", "unknown placeholder(s) nope"),
        ("tests/test_{module}}.py", "Single '}'"),
        ("../../outside_{module}.py", "relative path inside the repository"),
        ("/tmp/abs_test_{module}.py", "relative path inside the repository"),
        ("tests/conftest.py", "test_*.py or *_test.py"),
        ("tests/{module}.py", "test_*.py or *_test.py"),
        ("tests/test_{module}.txt", "test_*.py or *_test.py"),
    ],
)
def test_an_output_that_cannot_hold_a_test_module_is_refused(output: str, problem: str) -> None:
    with pytest.raises(ValueError, match="output") as raised:
        TestGenerationConfig(output=output)
    assert problem in str(raised.value)


@pytest.mark.parametrize(
    "output", ["tests/test_{module}_generated.py", "tests/{package}/{module}_test.py", "test_x.py"]
)
def test_test_module_paths_are_accepted(output: str) -> None:
    assert TestGenerationConfig(output=output).output == output


def test_the_command_says_so_with_the_file_and_line(run_cli: RunCli, tmp_path: Path) -> None:
    config = tmp_path / "ci-agent.yml"
    config.write_text("test-generation:\n  output: tests/{nope}.py\n")

    result = run_cli("tests", "--all", "--repo", str(tmp_path), "--config", str(config))

    assert result.code == 2, result.out + result.err
    assert "CA102" in result.err and "unknown placeholder(s) nope" in result.err
