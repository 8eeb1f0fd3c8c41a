"""The line skipper: Hyperscan's and ``re``'s give the same lines, whatever the data, the
pattern and the order of the searches; without the package, ``re``'s is used."""

from __future__ import annotations

import random
import re
import sys

import pytest

from ci_agent.triage.extractors.pytest import _SPARSE, _SPARSE_OTHER, _SPARSE_SUMMARY
from ci_agent.triage.skip import HyperscanSkipper, ReSkipper, Skipper, default_skipper

PATTERNS = [
    _SPARSE,
    _SPARSE_SUMMARY,
    _SPARSE_OTHER,
    re.compile(rb"a|b\d+c"),
    re.compile(rb"FAIL", re.IGNORECASE),  # a flag Hyperscan is not given: re answers
    re.compile(rb"(?<=x)y"),  # a look-behind Hyperscan refuses: re answers
]
PIECES = [b"====", b"__ ", b"E  ", b'File "', b":12: ", b"Captured", b"FAIL", b"fail", b"ERROR"]
PIECES += [b"a", b"b7c", b"xy", b"short test summary", b" ", b"=", b"_", b"\n", b"\n", b"\n"]


def line_starts(data: bytes) -> list[int]:
    return [0, *(i + 1 for i, byte in enumerate(data) if byte == 10)]


def test_re_skipper_finds_the_line_of_the_first_match() -> None:
    data = b"x\nab FAIL\nFAIL\n"
    assert ReSkipper().next_line(_SPARSE_SUMMARY, data, 0, len(data)) == 2
    assert ReSkipper().next_line(_SPARSE_SUMMARY, data, 0, 2) == 2  # none before the limit
    assert ReSkipper().next_line(_SPARSE_SUMMARY, data, 10, len(data)) == 10


@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda p: p.pattern.decode())
def test_hyperscan_gives_the_lines_re_gives(pattern: re.Pattern[bytes]) -> None:
    hyperscan = pytest.importorskip("hyperscan")
    rng = random.Random(pattern.pattern)
    plain = ReSkipper()
    for _ in range(60):
        fast = HyperscanSkipper(hyperscan)  # a fresh one, then searches that reuse its scans
        fast.small = rng.choice([0, 0, 64])  # the compiled scan for (almost) every range
        data = b"".join(rng.choice(PIECES) for _ in range(rng.randrange(0, 400)))
        starts = line_starts(data)
        position = 0
        for _ in range(40):
            if rng.random() < 0.2:  # now and then a range elsewhere (another block, back)
                position = rng.choice(starts)
            later = [s for s in starts if s >= position] + [len(data)]
            limit = rng.choice(later)
            want = plain.next_line(pattern, data, position, limit)
            assert fast.next_line(pattern, data, position, limit) == want, (data, position, limit)
            position = min(want + 1, len(data))
            position = next((s for s in starts if s >= position), len(data))


def test_a_new_block_is_scanned_anew() -> None:
    hyperscan = pytest.importorskip("hyperscan")
    fast = HyperscanSkipper(hyperscan)
    first, second = b"FAIL\nnothing\n", b"nothing\nFAIL\n"
    assert fast.next_line(_SPARSE_SUMMARY, first, 0, len(first)) == 0
    assert fast.next_line(_SPARSE_SUMMARY, second, 0, len(second)) == 8


def test_without_the_package_re_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "hyperscan", None)  # as if it were not installed
    assert isinstance(default_skipper(), ReSkipper)


def test_with_the_package_hyperscan_answers() -> None:
    pytest.importorskip("hyperscan")
    assert isinstance(default_skipper(), HyperscanSkipper)


def _lines_one_by_one(
    pattern: re.Pattern[bytes], data: bytes, position: int, limit: int
) -> list[int]:
    """The lines ``next_line`` gives, called again after each (as the scanner did)."""
    found, skipper = [], ReSkipper()
    while (line := skipper.next_line(pattern, data, position, limit)) < limit:
        found.append(line)
        position = data.find(b"\n", line, limit) + 1 or limit
    return found


@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda p: p.pattern.decode())
def test_lines_are_the_lines_next_line_gives_one_after_the_other(
    pattern: re.Pattern[bytes],
) -> None:
    rng = random.Random(pattern.pattern)
    skippers: list[Skipper] = [ReSkipper()]
    try:
        import hyperscan  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        pass
    else:
        every = HyperscanSkipper(hyperscan)
        every.small = 0  # the compiled scan for every range
        skippers += [HyperscanSkipper(hyperscan), every]
    for _ in range(80):
        data = b"".join(rng.choice(PIECES) for _ in range(rng.randrange(0, 400)))
        starts = line_starts(data)
        position = rng.choice(starts)
        limit = rng.choice([*[s for s in starts if s >= position], len(data), len(data)])
        want = _lines_one_by_one(pattern, data, position, limit)
        for skipper in skippers:
            assert list(skipper.lines(pattern, data, position, limit)) == want, (data, position)


@pytest.mark.parametrize("per_line", [1, 2, 3, 7])
def test_lines_with_several_matches_across_the_chunks_come_once(per_line: int) -> None:
    """Hyperscan's line starts are worked out in chunks of matches: a line whose matches fall
    in two chunks is still given once."""
    hyperscan = pytest.importorskip("hyperscan")
    pattern = re.compile(rb"ab")
    data = b"".join(b"x " + b"ab " * per_line + b"\n" + b"no match\n" for _ in range(1000))
    want = _lines_one_by_one(pattern, data, 0, len(data))
    assert len(want) == 1000
    assert list(HyperscanSkipper(hyperscan).lines(pattern, data, 0, len(data))) == want
    inner = HyperscanSkipper(hyperscan).lines(pattern, data, want[1], want[-1])
    assert list(inner) == want[1:-1]
