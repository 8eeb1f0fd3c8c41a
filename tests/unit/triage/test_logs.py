"""Clean lines and line-aligned blocks."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from ci_agent.triage.logs import Block, clean, clean_lines, read_blocks, sniff


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (b"2026-11-21T10:00:00.1234567Z hello", "hello"),
        (b"2026-11-21T10:00:00Z hello\r", "hello"),
        (
            b"\x1b[31mFAILED\x1b[0m tests/a.py::\x1b[1mtest_x\x1b[0m - boom",
            "FAILED tests/a.py::test_x - boom",
        ),
        (b"x.py:2: \x1b[1m\x1b[31merror:\x1b(B\x1b[m bad", "x.py:2: error: bad"),
        (b"\x1b]0;title\x07done", "done"),
        (b"  10%|#    |\r  50%|#####|\r 100%|##########|", " 100%|##########|"),
        (b"2026-11-21T10:00:00.1234567Z Downloading\r\rDone", "Done"),
        (b"caf\xc3\xa9 \xff", "caf\u00e9 \ufffd"),
    ],
)
def test_clean(raw: bytes, text: str) -> None:
    assert clean(raw) == text


def test_a_very_long_line_is_cut() -> None:
    assert len(clean(b"x" * 100_000)) == 8192


def test_blocks_are_whole_lines_and_cover_the_file(tmp_path: Path) -> None:
    path = tmp_path / "log"
    lines = [f"line {n} " + "x" * (n % 50) for n in range(2000)]
    path.write_bytes(b"\xef\xbb\xbf" + "\n".join(lines).encode())
    blocks = list(read_blocks(path, size=1000))
    assert len(blocks) > 50
    assert blocks[0].offset == 3, "the byte-order mark is skipped"
    text = b"".join(b.data[: b.end] for b in blocks).decode()
    assert text.split("\n") == lines
    for first, second in itertools.pairwise(blocks):
        assert first.data[: first.end].endswith(b"\n")
        assert second.offset == first.offset + first.end


def test_a_line_longer_than_a_block_makes_a_longer_block(tmp_path: Path) -> None:
    path = tmp_path / "log"
    path.write_bytes(b"short\n" + b"y" * 5000 + b"\nend\n")
    blocks = list(read_blocks(path, size=512))
    assert isinstance(blocks[0], Block)
    assert blocks[0].data[: blocks[0].end] == b"short\n"
    assert blocks[1].data[: blocks[1].end].startswith(b"y" * 5000 + b"\n")
    assert b"".join(b.data[: b.end] for b in blocks) == path.read_bytes()


def test_sniff(tmp_path: Path) -> None:
    text = tmp_path / "a.log"
    text.write_text("hello\n")
    binary = tmp_path / "b.log"
    binary.write_bytes(b"\x7fELF\x00\x00")
    assert sniff(text) is None
    assert "NUL" in (sniff(binary) or "")


LINES = [
    b"2026-11-21T10:00:00.1234567Z hello",
    b"2026-11-21T10:00:00Z",
    b"2026-11-21T10:00:00.1234567Z",
    b"2026-11-21T10:00:00.12345678Z x",
    b"2026-11-21T10:00:00.1Z 2026-11-21T10:00:00.1Z twice",
    b"",
    b"\x1b[31mFAILED\x1b[0m tests/a.py::\x1b[1mtest_x\x1b[0m - boom",
    b"x.py:2: \x1b[1m\x1b[31merror:\x1b(B\x1b[m bad",
    b"\x1b]0;title\x07done",
    b"\x1b]8;;an OSC sequence that its line ends",
    b"an escape at the end \x1b",
    b"\x1b[",
    b"caf\xc3\xa9 \xff cut in the middle \xe2\x82",
    b"\xf0\x9f",
    b"2026-11-21T10:00:00.1234567Z Downloading\r\rDone",
    b"progress\r",
    b"x" * 9000,
    # Almost GitHub's stamp: a letter where a digit goes, a dash where a colon goes.
    b"2026-11-2xT10:00:00.1234567Z almost",
    b"2026-11-21T10-00:00.1234567Z almost",
    # A run of sequences of every kind, ending in a bare escape.
    b"\x1b[1m\x1b[31m\x1b]0;t\x07\x1b(B\x1b=run\x1b[0m\x1b]8;;x\x1b\\\x1b[m\x1b",
]


def test_clean_lines_cleans_each_line_as_clean_does() -> None:
    rng = random.Random(7)
    for _ in range(300):
        lines = [rng.choice(LINES) for _ in range(rng.randrange(0, 12))]
        if rng.random() < 0.5:  # now and then none of the rare ones that are cleaned one by one
            lines = [line for line in lines if b"\r" not in line and len(line) < 9000]
        if rng.random() < 0.5:  # every line stamped as GitHub stamps them (some twice)
            lines = [b"2026-11-21T10:00:00.1234567Z " + line for line in lines]
        data = b"noise\n" + b"\n".join(lines) + b"\nmore"
        starts, stops, at = [], [], 6
        for line in lines:
            starts.append(at)
            stops.append(at + len(line))
            at += len(line) + 1
        assert clean_lines(data, starts, stops) == [clean(line) for line in lines], lines


def test_a_directory_that_cannot_be_read_is_ca131(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ``--log`` directory the user may not list is a coded error, not an internal one."""
    from ci_agent.errors import CiAgentError
    from ci_agent.triage.sources import log_files

    locked = tmp_path / "locked"
    locked.mkdir()
    listing = Path.iterdir

    def iterdir(self: Path) -> Iterator[Path]:
        if self == locked:
            raise PermissionError(13, "Permission denied", str(self))
        return listing(self)

    monkeypatch.setattr(Path, "iterdir", iterdir)
    with pytest.raises(CiAgentError) as raised:
        log_files([locked])
    assert raised.value.code == "CA131" and "cannot be read (Permission denied)" in str(
        raised.value.message
    )
