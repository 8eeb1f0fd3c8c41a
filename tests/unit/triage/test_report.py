"""Signatures ignore what changes between runs; excerpts stay within their token budget."""

from __future__ import annotations

import pytest

from ci_agent.llm.tokens import estimate_tokens
from ci_agent.triage.model import Failure, Kind, Location
from ci_agent.triage.report import excerpt, normalize, signature


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("at 2026-11-21T10:00:00.123Z", "at 2026-11-22T11:30:59.9Z"),
        ("failed after 12:01:02", "failed after 23:59:59.5"),
        ("1 failed in 0.12s", "1 failed in 13.40s"),
        ("took 120 ms", "took 7 ms"),
        ("<Thing object at 0x7f3a2c1d9e50>", "<Thing object at 0x7fee00000001>"),
        ("/tmp/pytest-of-ann/pytest-12/test_x0/proj/app.py", "/tmp/tmpab12cd/proj/app.py"),
        ("/private/var/folders/xy/abc123/T/tmpq1/proj/app.py", "/tmp/other/proj/app.py"),
        ("connect to localhost:54321", "connect to localhost:61002"),
        ("worker pid 1234 died", "worker pid 98 died"),
        ("commit 3f2a9c1d0b8e7f6a", "commit 0000aaaa1111bbbb"),
    ],
)
def test_volatile_parts_are_blanked(one: str, other: str) -> None:
    assert normalize(one) == normalize(other)


def test_values_and_names_are_kept() -> None:
    assert normalize("assert 3 == 4") != normalize("assert 3 == 5")
    assert normalize("src/app.py") != normalize("src/apps.py")


def test_signature_is_order_free_and_line_free() -> None:
    a = Failure(Kind.TEST, "pytest", "assert 3 == 4", test_id="t::a", location=Location("t.py", 4))
    b = Failure(Kind.LINT, "ruff", "unused", location=Location("x.py", 1), code="F401")
    moved = Failure(
        Kind.TEST, "pytest", "assert 3 == 4", test_id="t::a", location=Location("t.py", 9)
    )
    assert signature([a, b]) == signature([b, moved])
    assert signature([a]) != signature([b])
    assert len(signature([a])) == 16
    assert signature([], ["error: x", "at 10:00:01"]) == signature([], ["error: x", "at 11:00:02"])


def test_excerpt_budget_cuts_and_counts() -> None:
    big = tuple(f"E   line {n} of a very long assertion explanation with words" for n in range(400))
    failures = [
        Failure(Kind.TEST, "pytest", "first", test_id="t::a", context=big),
        Failure(Kind.TEST, "pytest", "second", test_id="t::b", context=("E  second",)),
    ]
    text = excerpt(failures, (), 300)
    assert estimate_tokens(text) <= 300
    assert text.startswith("E   line 0 of")
    assert text.splitlines()[-1].startswith("... ") and "1 more failure(s) not shown" in text
    small = excerpt(failures[1:], (), 300)
    assert small == "E  second"


def test_excerpt_falls_back_to_the_step_tail() -> None:
    assert (
        excerpt([], ("compiling", "the bucket refused us"), 100)
        == "compiling\nthe bucket refused us"
    )
    duplicate = Failure(Kind.LINT, "ruff", "m", context=("x.py:1:1: F401",))
    assert excerpt([duplicate, duplicate], (), 100) == "x.py:1:1: F401"
