"""Signatures ignore what changes between runs; excerpts stay within their token budget."""

from __future__ import annotations

import hashlib

import pytest

from ci_agent.llm.tokens import estimate_tokens
from ci_agent.triage import report
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


def test_the_tails_blank_lines_around_it_are_not_an_excerpt() -> None:
    assert excerpt([], ("", "  ", ""), 100) == ""
    assert excerpt([], ("", "boom", "", "bar", " "), 100) == "boom\n\nbar"


def _normalize_everywhere(text: str) -> str:
    """normalize without its cheap pre-checks: every pattern runs on every text."""
    text = report._TEMP.sub(report._temp, text)
    for _, pattern, replacement in report._VOLATILE:
        text = pattern.sub(replacement, text)
    return " ".join(text.split())


@pytest.mark.parametrize(
    "text",
    [
        "assert (8 % 8) != 0",
        "at 2026-11-21T10:00:00.123Z and 2026-11-21 10:00:00+01:00 then 12:01:02.5",
        "<Thing object at 0x7f3a2c1d9e50> id 3f2a9c1d0b8e7f6a deadbeefcafe",
        "run 123e4567-e89b-12d3-a456-426614174000 in /tmp/tmpab12cd/proj/app.py",
        "C:\\Users\\ann\\AppData\\Local\\Temp\\pytest-of-ann\\x.py and /var/folders/xy/z/T/q",
        "/tmp/pytest-of-ann/pytest-12/test_x0 on 127.0.0.1:8080, [::1]:9, 0.0.0.0:1",
        "worker pid 1234, PID 5, process 77 died after 3 seconds (120ms, 2 min)",
        "pid1234 localhost 8080 0x no-colon-here",
        "",
    ],
)
def test_pre_checks_change_nothing(text: str) -> None:
    # The checks only skip patterns that cannot match: the result is the same as running all.
    assert normalize(text) == _normalize_everywhere(text)


def test_signature_blanks_each_text_once_with_the_same_result() -> None:
    failures = [
        Failure(Kind.TEST, "pytest", f"assert {n % 3} == 1 at 0x7f{n:02x}", test_id=f"t::c[{n}]")
        for n in range(30)
    ]
    expected = sorted(
        {f"test|pytest|{f.test_id}|||{_normalize_everywhere(f.message)}" for f in failures}
    )
    digest = hashlib.sha256("\n".join(expected).encode()).hexdigest()[:16]
    assert signature(failures) == digest


@pytest.mark.parametrize("data", [b"", b"tests/test_calc.py::test_add", "é\n€".encode() * 999])
def test_the_builtin_sha256_is_hashlibs(data: bytes) -> None:
    """Signatures hash with the interpreter's own SHA-256 module (hashlib would load OpenSSL
    at every start): the digest must be hashlib's, or every signature would change."""
    assert report._SHA256(data).hexdigest() == hashlib.sha256(data).hexdigest()
    assert report._SHA256.__module__ != "_hashlib"  # the built-in one was found


def test_a_line_longer_than_the_budget_is_cut_not_dropped() -> None:
    """A failure whose first line alone is over the budget (a long assertion): its start is
    shown and the cut said, where nothing of it was."""
    long = "E       AssertionError: assert " + "[1, 2, 3], " * 900
    failure = Failure(Kind.TEST, "pytest", "assert", context=(long, "tests/test_a.py:3"))
    text = excerpt([failure], (), budget=200)
    first = text.splitlines()[0]
    assert first.startswith("E       AssertionError: assert [1, 2, 3]")
    assert f"(cut at {len(first.split(' ... ')[0]):,} of {len(long):,} characters)" in first
    assert text.splitlines()[1] == "... 1 more line(s)"
    assert estimate_tokens(text) <= 200
