"""A job's ``args`` input: a bad word is CA108 with argparse's own reason, and nothing printed."""

from __future__ import annotations

import pytest

from ci_agent.commands.job_args import JobArgs, parse_job_args
from ci_agent.errors import CiAgentError


def _parser() -> JobArgs:
    parser = JobArgs("plan")
    parser.add_argument("--unit", required=True)
    parser.add_argument("--attempt", type=int, default=1)
    return parser


def test_good_words_are_parsed() -> None:
    parsed = parse_job_args(_parser(), ["--unit", "api", "--attempt", "2"], "plan --unit U")
    assert (parsed.unit, parsed.attempt) == ("api", 2)


@pytest.mark.parametrize(
    ("words", "reason"),
    [
        ([], "the following arguments are required: --unit"),
        (["--unit", "api", "--bogus"], "unrecognized arguments: --bogus"),
        (["--unit", "api", "--attempt", "two"], "invalid int value: 'two'"),
    ],
)
def test_a_bad_word_is_ca108_with_the_reason_and_nothing_printed(
    words: list[str], reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(CiAgentError) as raised:
        parse_job_args(_parser(), words, "plan --unit U")
    assert raised.value.code == "CA108"
    assert reason in raised.value.message
    assert "plan --unit U" in raised.value.suggestion
    assert capsys.readouterr() == ("", "")
