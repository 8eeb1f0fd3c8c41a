"""The funnel against scripted model candidates: each bad candidate is refused at its own gate
with its reason, the good one is written, and garbage answers are counted, not fatal."""

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

SHOP = """\
RATE = 2


def apply_rate(amount: int) -> int:
    return amount * RATE


def price(amount: int, discount: bool) -> int:
    if discount and amount > 100:
        return amount - 10
    return amount


def double(x: int) -> int:
    if x < 0:
        return 0
    return x * 2


def halve(x: int) -> int:
    if x < 0:
        return 0
    return x // 2


def sign(x: int) -> int:
    if x < 0:
        return -1
    return 1


def triple(x: int) -> int:
    if x < 0:
        return 0
    return x * 3


def label(x: int) -> str:
    if x < 0:
        return "negative"
    return str(x)


def fetch(x: int) -> int:
    if x < 0:
        return 0
    return x + 1


def parse(text: str) -> int:
    if not text:
        return 0
    return int(text)
"""
HUMAN = "import shop\n\n\ndef test_apply_rate():\n    assert shop.apply_rate(10) == 20\n"
CONFIG = "test-generation:\n  max-attempts: 1\n  repeat-runs: 3\n  max-mutants: 6\n"

CANDIDATES = {
    # accepted: runs the discount branch and asserts exact values
    "price": "from shop import price\n\n\ndef test_discount():\n"
    "    assert price(200, True) == 190\n    assert price(50, True) == 50\n"
    "    assert price(200, False) == 200\n",
    # refused at `alone`: asserts a wrong value
    "double": "from shop import double\n\n\ndef test_double():\n    assert double(2) == 5\n",
    # refused at `repeat`: the second test needs the first to have run
    "halve": "from shop import halve\n\nSEEN = []\n\n\ndef test_first():\n"
    "    SEEN.append(halve(4))\n    assert SEEN == [2]\n\n\ndef test_second():\n"
    "    assert SEEN == [2]\n    assert halve(-3) == 0\n",
    # refused at `coverage`: only runs what the suite already runs
    "sign": "from shop import apply_rate\n\n\ndef test_rate():\n    assert apply_rate(1) == 2\n",
    # refused at `mutants`: runs the code but asserts nothing
    "triple": "from shop import triple\n\n\ndef test_triple():\n    triple(-1)\n    triple(2)\n",
    # refused at `suite`: passes alone, but changes the module for every later test
    "label": "import shop\nfrom shop import label\n\nshop.RATE = 0\n\n\ndef test_label():\n"
    "    assert label(-1) == 'negative'\n    assert label(3) == '3'\n",
    # refused at `lint` (policy): opens a socket
    "fetch": "import socket\n\nfrom shop import fetch\n\n\ndef test_fetch():\n"
    "    socket.create_connection(('127.0.0.1', 9))\n    assert fetch(-1) == 0\n",
}


@pytest.fixture
def shop_project(
    make_project: Callable[[Mapping[str, str]], Path],
    fake_openai: FakeOpenAI,
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_OPENAI_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.base_url)
    monkeypatch.setenv("CI_AGENT_MODEL", "gpt-4.1-mini")
    for name, module in CANDIDATES.items():
        answer = json.dumps({"lookups": [], "module": module})
        fake_openai.when(f"Write tests for `{name}`", Reply(answer))
    # Garbage twice: the answer and its repair round.
    fake_openai.when("Write tests for `parse`", Reply("this is {not json"))
    root = make_project(
        {"shop.py": SHOP, "tests/test_shop.py": HUMAN, ".github/ci-agent.yml": CONFIG}
    )
    monkeypatch.chdir(root)  # the configuration is read where ci-agent runs
    return root


def test_each_bad_candidate_is_refused_at_its_gate(
    shop_project: Path, project_python: Path, run_cli: RunCli, fake_openai: FakeOpenAI
) -> None:
    result = run_cli(
        "tests",
        "--all",
        "--python",
        str(project_python),
        "--output",
        "json",
    )

    assert result.code == 0, result.out + result.err
    data = result.json()["result"]
    assert data["engines"] == ["model"]
    refused = {
        c["target"].split("::")[1]: (c["refused_at"], c["gates"][-1]["reason"])
        for c in data["candidates"]
    }
    assert refused["price"] == (None, "")
    assert refused["double"][0] == "alone" and "assert 4 == 5" in refused["double"][1]
    assert refused["halve"][0] == "repeat" and "flaky" in refused["halve"][1]
    assert refused["sign"] == ("coverage", "adds no coverage of the target")
    assert refused["triple"][0] == "mutants" and "kills none of" in refused["triple"][1]
    assert refused["label"][0] == "suite" and "test_apply_rate" in refused["label"][1]
    assert refused["fetch"][0] == "lint" and "imports socket" in refused["fetch"][1]
    assert refused["parse"][0] == "lint" and "CA404" in refused["parse"][1]
    assert data["funnel"] == {
        "candidates": 8,
        "lint": 6,
        "collect": 6,
        "alone": 5,
        "repeat": 4,
        "coverage": 3,
        "mutants": 2,
        "suite": 1,
    }
    (accepted,) = data["accepted"]
    assert accepted["target"] == "shop.py::price"
    text = (shop_project / "tests/test_shop_generated.py").read_text()
    assert "def test_discount():" in text and "test_label" not in text
    assert "# ci-agent: target shop.py::price (model)" in text
    # The model saw the code as delimited data, with the lines to cover marked.
    prompt = next(
        r.prompt_text
        for r in fake_openai.chat_requests
        if "Write tests for `price`" in r.prompt_text
    )
    assert "<untrusted_code>" in prompt and "*     if discount and amount > 100:" in prompt
