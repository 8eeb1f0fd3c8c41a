"""Literal search by the rarest byte: the same answers as ``re``, whatever the data."""

from __future__ import annotations

import random
import re

import pytest

from ci_agent.triage.finder import Literal, Pattern


def expected(literal: bytes, data: bytes, start: int, end: int) -> list[int]:
    return [m.start() for m in re.finditer(re.escape(literal), data[:end]) if m.start() >= start]


@pytest.mark.parametrize("literal", [b"##[", b"FAIL", b"ERROR", b"a", b"ab"])
def test_same_positions_as_re(literal: bytes) -> None:
    rng = random.Random(literal)
    for _ in range(200):
        alphabet = rng.choice([b"#[FAIL \n", b"abcFAILERROR##[\n", b"a\n", b"xyz"])
        data = bytes(rng.choice(alphabet) for _ in range(rng.randrange(0, 3000)))
        start = rng.randrange(0, len(data) + 1)
        end = rng.randrange(start, len(data) + 1)
        assert list(Literal(literal).positions(data, start, end)) == expected(
            literal, data, start, end
        )


def test_a_frequent_byte_hands_over_to_re() -> None:
    data = b"F" * 100_000 + b"FAIL" + b"F" * 10 + b"FAIL"
    assert list(Literal(b"FAIL").positions(data, 0, len(data))) == [100_000, 100_014]


def test_the_pattern_compiled_on_first_hand_over_is_the_escaped_literal() -> None:
    # The pattern is compiled only when a range first proves too dense; a literal holding
    # regular-expression characters must still be found as bytes, every time it hands over.
    literal = Literal(b"a.b(+")
    dense = b"+(.ba" * 20_000 + b"a.b(+" + b"axb(+" + b"a.b(+"
    for _ in range(2):
        assert list(literal.positions(dense, 0, len(dense))) == [100_000, 100_010]
        assert literal._pattern is not None  # the range was handed over to re


def test_patterns() -> None:
    pattern = Pattern(re.compile(rb"\d+:\d+"))
    assert list(pattern.positions(b"a 1:2 b 33:4", 0, 12)) == [2, 8]
    assert list(pattern.positions(b"a 1:2 b 33:4", 3, 12)) == [8]


def test_literals_sharing_the_counts_of_a_range_find_the_same() -> None:
    rng = random.Random(7)
    literals = [Literal(x) for x in (b"##[", b"FAIL", b"ERROR", b"rror", b"exit status 137")]
    for _ in range(100):
        data = bytes(rng.choice(b"#[FAILERRORexit status 137\n") for _ in range(3000))
        start = rng.randrange(0, len(data))
        counts: dict[int, int] = {}
        for literal in literals:
            alone = list(literal.positions(data, start, len(data)))
            assert list(literal.positions(data, start, len(data), counts)) == alone
        assert counts  # the sample's counts were shared
