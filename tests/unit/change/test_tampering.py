"""Each tampering rule: the change that trips it, and a near miss that does not."""

from __future__ import annotations

import pytest

from ci_agent.change.tampering import tampered_tests

BASE = """from calc import add
import pytest


def test_add() -> None:
    expected = 5
    assert add(2, 3) == expected


class TestMore:
    def test_zero(self) -> None:
        assert add(0, 0) == 0
"""


def change(old: str, new: str) -> str:
    assert old in BASE
    return BASE.replace(old, new, 1)


TRIPPED = {
    "or True": (change("== expected\n", "== expected or True\n"), "assert-always-true"),
    "or 1": (change("== expected\n", "== expected or 1\n"), "assert-always-true"),
    "x == x": (change("assert add(0, 0) == 0", "assert add(0, 0) == add(0, 0)"), "always"),
    "def shadows": (BASE + "\n\ndef add(a, b):\n    return 5\n", "rebinds add"),
    "assignment shadows": (
        change("    expected = 5\n", "    add = lambda a, b: 5\n    expected = 5\n"),
        "rebinds add",
    ),
    "import shadows": (
        change("import pytest\n", "import pytest\nfrom operator import add\n"),
        "rebinds add",
    ),
    "setattr on the module": (
        change(
            "    expected = 5\n",
            "    import calc\n    calc.add = lambda a, b: 5\n    expected = 5\n",
        ),
        "replaces calc.add",
    ),
    "monkeypatch.setattr by name": (
        change(
            "def test_add() -> None:\n",
            "def test_add(monkeypatch) -> None:\n"
            "    monkeypatch.setattr('calc.add', lambda a, b: 5)\n",
        ),
        "replaces calc.add",
    ),
    "module pytestmark": (
        BASE + "\npytestmark = pytest.mark.skip(reason='later')\n",
        "pytestmark applies pytest.mark.skip",
    ),
    "class pytestmark": (
        change("class TestMore:\n", "class TestMore:\n    pytestmark = [pytest.mark.xfail]\n"),
        "every test of class TestMore",
    ),
    "skip decorator": (change("def test_add", "@pytest.mark.skip\ndef test_add"), "skips test_add"),
    "skipif(True)": (
        change("def test_add", "@pytest.mark.skipif(True, reason='x')\ndef test_add"),
        "pytest.mark.skipif",
    ),
    "class skipped": (
        change("class TestMore", "@pytest.mark.skip\nclass TestMore"),
        "skips TestMore",
    ),
    "unittest.skip": (
        change("import pytest\n", "import pytest\nimport unittest\n").replace(
            "def test_add", "@unittest.skip('x')\ndef test_add"
        ),
        "unittest.skip",
    ),
    "xfail": (change("def test_add", "@pytest.mark.xfail\ndef test_add"), "pytest.mark.xfail"),
    "skip as s": (
        change("import pytest\n", "import pytest\nfrom pytest import skip as s\n"),
        "imports pytest.skip as s",
    ),
    "pytest as p": (
        change("import pytest\n", "import pytest as p\n").replace(
            "    expected = 5\n", "    p.skip('x')\n    expected = 5\n"
        ),
        "calls pytest.skip",
    ),
    "mark as m": (
        change("import pytest\n", "from pytest import mark as m\n").replace(
            "def test_add", "@m.xfail\ndef test_add"
        ),
        "pytest.mark.xfail",
    ),
    "self.skipTest": (
        change(
            "        assert add(0, 0) == 0",
            "        self.skipTest('x')\n        assert add(0, 0) == 0",
        ),
        "skipTest",
    ),
    "raise SkipTest": (
        change("import pytest\n", "import pytest\nfrom unittest import SkipTest\n").replace(
            "    expected = 5\n", "    raise SkipTest\n    expected = 5\n"
        ),
        "raises unittest.SkipTest",
    ),
    "__test__ off": (BASE + "\n__test__ = False\n", "stops pytest collecting"),
    "expected through a variable": (
        change("expected = 5", "expected = -1"),
        "expected-through-variable",
    ),
    "a replaced assert reading a new variable": (
        change(
            "    expected = 5\n    assert add(2, 3) == expected",
            "    want = -1\n    assert add(2, 3) == want",
        ),
        "want",
    ),
    "expected from the code under test": (
        change("expected = 5", "expected = add(2, 3)"),
        "changes from 5 to add(2, 3)",
    ),
}

NEAR_MISSES = {
    "or True in a string": change("== expected\n", "== expected, 'or True'\n"),
    "or with a real condition": change("== expected\n", "== expected or add(3, 2) == expected\n"),
    "a local helper with another name": BASE
    + "\n\ndef add_twice(a, b):\n    return add(add(a, b), 0)\n",
    "monkeypatch of something else": change(
        "def test_add() -> None:\n",
        "def test_add(monkeypatch) -> None:\n    monkeypatch.setenv('TZ', 'UTC')\n",
    ),
    "parametrize is no skip": change(
        "def test_add",
        "@pytest.mark.parametrize('n', [1])\ndef test_add_n(n):\n"
        "    assert add(n, 0) == n\n\n\ndef test_add",
    ),
    "a variable named skip": change(
        "    expected = 5\n", "    skip = 0\n    expected = 5\n    assert skip == 0\n"
    ),
    "a new test with its own variables": BASE
    + "\n\ndef test_three():\n    want = 3\n    assert add(1, 2) == want\n",
    "a renamed variable": change(
        "    expected = 5\n    assert add(2, 3) == expected",
        "    want = 5\n    assert add(2, 3) == want",
    ),
    "re-importing the same project name": change(
        "    expected = 5\n", "    from calc import add\n    expected = 5\n"
    ),
}


@pytest.mark.parametrize("case", list(TRIPPED))
def test_each_tampering_is_refused_with_line_and_rule(case: str) -> None:
    after, needle = TRIPPED[case]
    reasons = tampered_tests(BASE, after)
    assert reasons, case
    assert any(needle in r for r in reasons), reasons
    assert all(r.startswith("line ") and "(rule: " in r for r in reasons)


@pytest.mark.parametrize("case", list(NEAR_MISSES))
def test_near_misses_pass(case: str) -> None:
    assert tampered_tests(BASE, NEAR_MISSES[case]) == []


def test_only_what_the_patch_adds_counts() -> None:
    skipped = change("def test_add", "@pytest.mark.skip\ndef test_add")
    assert tampered_tests(skipped, skipped.replace("expected = 5", "expected = 5  # sum")) == []


def test_unparsable_text_is_left_to_the_weakening_check() -> None:
    assert tampered_tests(BASE, "def (") == []
    assert tampered_tests("def (", BASE) == []
