"""The model may look up a symbol before writing, and a refused candidate comes back to it with
the cleaned failure: the next attempt is checked from the start."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from tests.conftest import FAKE_OPENAI_KEY, RunCli
from tests.fakes.openai_server.fixture import fake_openai
from tests.fakes.openai_server.script import Reply
from tests.fakes.openai_server.server import FakeOpenAI

__all__ = ["fake_openai"]

SCALE = """\
from helpers import factor


def scale(x: int) -> int:
    if x < 0:
        return 0
    return x * factor()
"""
HELPERS = "def factor() -> int:\n    return 3\n"
WRONG = "from scale import scale\n\n\ndef test_scale():\n    assert scale(2) == 5\n"
RIGHT = WRONG.replace("== 5", "== 6\n    assert scale(-1) == 0")


def _answer(module: str = "", lookups: tuple[str, ...] = ()) -> Reply:
    return Reply(json.dumps({"lookups": list(lookups), "module": module}))


def test_a_look_up_then_a_refusal_fed_back_then_an_accepted_test(
    make_project: Callable[[Mapping[str, str]], Path],
    project_python: Path,
    run_cli: RunCli,
    fake_openai: FakeOpenAI,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = make_project(
        {
            "scale.py": SCALE,
            "helpers.py": HELPERS,
            "tests/test_helpers.py": "from helpers import factor\n\n\ndef test_f():\n"
            "    assert factor() == 3\n",
            ".github/ci-agent.yml": "test-generation:\n  repeat-runs: 2\n  max-mutants: 4\n",
        }
    )
    monkeypatch.chdir(root)
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_OPENAI_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.base_url)
    monkeypatch.setenv("CI_AGENT_MODEL", "gpt-4.1-mini")
    fake_openai.enqueue(_answer(lookups=("factor",)), _answer(WRONG), _answer(RIGHT))

    result = run_cli("tests", "--path", "scale.py", "--python", str(project_python), "-q")

    assert result.code == 0, result.out + result.err
    prompts = [r.prompt_text for r in fake_openai.chat_requests]
    assert len(prompts) == 3
    assert "Source of factor:\n# helpers.py\ndef factor() -> int:" in prompts[1]
    assert 'Your previous module was refused at the "alone" check' in prompts[2]
    assert "assert 6 == 5" in prompts[2]  # pytest's own failure block
    text = (root / "tests/test_scale_generated.py").read_text()
    assert "assert scale(2) == 6" in text and "== 5" not in text
    assert "refused scale.py::scale (model attempt 1) at alone" in result.out
    assert "accepted scale.py::scale (model)" in result.out
