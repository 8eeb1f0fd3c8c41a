"""The patch policy: protected paths, secrets, suppressions and weakened tests."""

from __future__ import annotations

import pytest

from ci_agent.change.edits import Change
from ci_agent.change.policy import PatchPolicy, check_changes, glob_match, is_test_file

POLICY = PatchPolicy()
TEST = """import pytest


def test_total() -> None:
    x = 2
    assert total([1, 1]) == 2
    assert x > 1


class TestThing:
    def test_name(self) -> None:
        assert name() == "a"
"""


def _check(path: str, before: str, after: str, policy: PatchPolicy = POLICY) -> tuple[str, ...]:
    return check_changes([Change(path, before, after)], policy)


@pytest.mark.parametrize(
    "path",
    [
        ".github/workflows/ci.yml",
        ".github/CODEOWNERS",
        "poetry.lock",
        "web/package-lock.json",
        "uv.lock",
        "Cargo.lock",
        "requirements.lock",
        ".env",
        "app/.env.production",
        "certs/server.pem",
        "deploy/tls.key",
        "home/.ssh/id_rsa",
        "id_ed25519.pub",
    ],
)
def test_protected_and_secret_paths_are_refused(path: str) -> None:
    reasons = _check(path, "a = 1\n", "a = 2\n")
    assert reasons and "protected path" in reasons[0]


def test_ordinary_source_is_allowed() -> None:
    assert _check("src/app.py", "a = 1\n", "a = 2\n") == ()


def test_configured_protected_paths_apply() -> None:
    policy = PatchPolicy(("migrations/**", "*.cfg"))
    assert _check("migrations/0001.py", "a", "b", policy)
    assert _check("setup.cfg", "a", "b", policy)
    assert _check("src/setup.cfg", "a", "b", policy) == ()


def test_glob_semantics() -> None:
    assert glob_match(".github/**", ".github/a/b.yml")
    assert glob_match("**/*.lock", "a/b/c.lock") and glob_match("**/*.lock", "c.lock")
    assert not glob_match("*.lock", "a/c.lock")


def test_private_keys_and_tokens_in_content_are_refused() -> None:
    key = "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n"
    assert "adds a private key" in _check("src/k.py", "", key)[0]
    token = 'TOKEN = "ghp_' + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4" + '"\n'
    assert any("access token" in r for r in _check("src/k.py", "", token))
    blob = 'X = "q8Zr2Lx9Vb4Nw7Ty1Pk5Hd3Gs6Mf0Jc"\n'
    assert any("high-entropy" in r for r in _check("src/k.py", "", blob))


def test_long_identifiers_and_digests_are_not_secrets() -> None:
    text = "def handle_the_request_for_the_configured_provider_now(): ...\n"
    digest = 'SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"\n'
    assert _check("src/a.py", "", text + digest) == ()


@pytest.mark.parametrize(
    "comment", ["# noqa: F401", "# type: ignore[arg-type]", "# pragma: no cover"]
)
def test_suppression_comments_added_are_refused(comment: str) -> None:
    reasons = _check("src/a.py", "x = f(1)\n", f"x = f(1)  {comment}\n")
    assert reasons and "suppression comment" in reasons[0]


def test_existing_suppressions_may_stay() -> None:
    assert _check("src/a.py", "x = f(1)  # noqa\n", "x = f(2)  # noqa\n") == ()


@pytest.mark.parametrize(
    ("after", "why"),
    [
        ("", "deletes the test file"),
        (TEST.replace("def test_total", "def helper_total"), "deletes test test_total"),
        (TEST.replace("    assert x > 1\n", ""), "removes 1 assertion(s)"),
        (TEST.replace("assert x > 1", "assert True"), "always true"),
        (TEST.replace("== 2", "== 3"), "changes the expected value"),
        (TEST.replace('== "a"', '== "b"'), "TestThing.test_name: changes the expected value"),
        (TEST.replace("    x = 2\n", "    pytest.skip('later')\n    x = 2\n"), "skip or xfail"),
        (TEST.replace("def test_total", "@pytest.mark.xfail\ndef test_total"), "skip or xfail"),
        (TEST.replace("def test_total() -> None:", "def test_total() -> None\n"), "syntax error"),
        (TEST.replace("assert x > 1", "assert 1 == 1"), "always true"),
        (TEST.replace("    x = 2\n", "    return\n    x = 2\n"), "early return"),
        (
            TEST.replace(
                "    assert total([1, 1]) == 2\n",
                "    try:\n        assert total([1, 1]) == 2\n"
                "    except AssertionError:\n        pass\n",
            ),
            "swallows assertion failures",
        ),
    ],
)
def test_weakened_tests_are_refused(after: str, why: str) -> None:
    reasons = _check("tests/test_total.py", TEST, after)
    assert any(why in r for r in reasons), reasons


def test_strengthening_or_fixing_a_test_is_allowed() -> None:
    stronger = TEST.replace("    assert x > 1\n", "    assert x > 1\n    assert x < 3\n")
    renamed = TEST.replace("x = 2", "y = 2").replace("x > 1", "y > 1")
    assert _check("tests/test_total.py", TEST, stronger) == ()
    assert _check("tests/test_total.py", TEST, renamed) == ()


def test_test_file_names() -> None:
    assert is_test_file("test_a.py") and is_test_file("a_test.py")
    assert is_test_file("tests/helpers.py") and is_test_file("pkg/conftest.py")
    assert not is_test_file("src/app.py") and not is_test_file("tests/data.json")
