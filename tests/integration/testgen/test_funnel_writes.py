"""A model's candidate that writes outside ``tmp_path`` however it spells ``open`` (the lint
gate reads only the plain spelling) fails where it runs: the guard plugin refuses the write
in the test's process, so nothing lands on the machine and the candidate is refused."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from tests.conftest import FAKE_OPENAI_KEY, RunCli
from tests.fakes.openai_server.fixture import fake_openai
from tests.fakes.openai_server.script import Reply
from tests.fakes.openai_server.server import FakeOpenAI
from tests.integration.testgen.test_offline import CALC
from tests.integration.testgen.test_offline import TESTS as HUMAN

__all__ = ["fake_openai"]

CONFIG = "test-generation:\n  max-attempts: 1\n  repeat-runs: 2\n  max-mutants: 6\n"
# At import and inside a test: both are refused.
SNEAKY = """\
_w = getattr(__import__("built" + "ins"), "".join(["o", "p", "e", "n"]))
{where}
from calc import clamp


def test_clamp_low():
    {inside}
    assert clamp(-5, 0, 10) == 0
"""


@pytest.mark.parametrize("at_import", [True, False], ids=["import", "test"])
def test_a_write_outside_tmp_path_is_refused_where_it_runs(
    make_project: Callable[[Mapping[str, str]], Path],
    project_python: Path,
    run_cli: RunCli,
    fake_openai: FakeOpenAI,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    at_import: bool,
) -> None:
    marker = tmp_path / "outside" / "marker.txt"
    marker.parent.mkdir()
    write = f"_w({str(marker)!r}, 'a').write('x')"
    module = SNEAKY.format(where=write if at_import else "", inside="pass" if at_import else write)
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_OPENAI_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.base_url)
    monkeypatch.setenv("CI_AGENT_MODEL", "gpt-4.1-mini")
    fake_openai.when(
        "Write tests for `clamp`", Reply(json.dumps({"lookups": [], "module": module}))
    )
    root = make_project(
        {"calc.py": CALC, "tests/test_calc.py": HUMAN, ".github/ci-agent.yml": CONFIG}
    )
    monkeypatch.chdir(root)

    result = run_cli("tests", "--all", "--python", str(project_python), "--output", "json")

    assert result.code == 0, result.out + result.err
    data = result.json()["result"]
    assert len(data["candidates"]) == 1, data
    (candidate,) = data["candidates"]
    assert candidate["refused_at"] in ("collect", "alone"), candidate
    assert "may not write outside tmp_path" in json.dumps(candidate["gates"]), candidate
    assert not marker.exists()


def test_a_model_that_refuses_the_key_before_any_candidate_is_ca410_not_a_green_run(
    make_project: Callable[[Mapping[str, str]], Path],
    project_python: Path,
    run_cli: RunCli,
    fake_openai: FakeOpenAI,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_OPENAI_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.base_url)
    monkeypatch.setenv("CI_AGENT_MODEL", "gpt-4.1-mini")
    fake_openai.when("Write tests for `clamp`", Reply(status=401, error="bad key"))
    root = make_project(
        {"calc.py": CALC, "tests/test_calc.py": HUMAN, ".github/ci-agent.yml": CONFIG}
    )
    monkeypatch.chdir(root)

    result = run_cli("tests", "--all", "--python", str(project_python), "--output", "json")

    assert result.code == 3, result.out + result.err
    envelope = result.json()
    (error,) = envelope["errors"]
    assert error["code"] == "CA410" and "CA403" in error["message"], error
    assert envelope["result"]["stopped"].startswith("CA403")  # the result is still there
