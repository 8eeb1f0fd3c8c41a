"""The click-free fast path for --help must print exactly what click would."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from ci_agent import __version__
from ci_agent.cli import TOP_HELP, main
from ci_agent.cli_app import cli


def test_top_help_equals_clicks_rendering() -> None:
    # click wraps at the terminal's width less 2; a pipe counts as 80 columns.
    result = CliRunner().invoke(cli, ["--help"], prog_name="ci-agent", terminal_width=78)
    assert result.exit_code == 0
    assert result.output == TOP_HELP, "run scripts/gen-docs: the stored page is not click's"


def test_click_version_matches_fast_path(capsys: pytest.CaptureFixture[str]) -> None:
    result = CliRunner().invoke(cli, ["--version"], prog_name="ci-agent")
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == result.output == f"ci-agent, version {__version__}\n"


@pytest.mark.parametrize("args", [[], ["-h"], ["--help"]])
def test_fast_help_exits_zero(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == TOP_HELP
