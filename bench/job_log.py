"""Job-log writer benchmark: what making every line inert costs, against writing it as is.

Run: .venv/bin/python bench/job_log.py [--size-mb 20] [--runs 7]

The text is real ``pytest -v`` output (a small project run for real, failures included)
repeated to size, in three variants: as it is; with a workflow command every tenth line (an
error message quoting a forged ``::error``, ``##[set-output``); and with non-ASCII text on
every line (the per-character path). Each is written to ``os.devnull`` (a text stream in UTF-8)
through ``JobLog.write`` and, as the baseline, straight as a run outside Actions writes it;
median wall times of interleaved runs, and their ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TextIO

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ci_agent.runner.job_log import JobLog  # noqa: E402

TESTS = """\
import logging

import pytest

log = logging.getLogger("shop")


@pytest.mark.parametrize("n", range(60))
def test_total(n):
    log.debug("computing total for %s: items=%s", n, list(range(n % 7)))
    assert sum(range(n)) == n * (n - 1) // 2


@pytest.mark.parametrize("n", range(3))
def test_broken(n):
    log.warning("checking %s: file.py:%s: expected value", n, n)
    assert {"n": n} == {"n": n + 1}
"""


def real_output() -> str:
    """One real ``pytest -v`` run with live logs, failures and their tracebacks."""
    with tempfile.TemporaryDirectory() as scratch:
        Path(scratch, "test_shop.py").write_text(TESTS, encoding="utf-8")
        args = [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider"]
        args += ["--log-cli-level=DEBUG", "--color=no"]
        proc = subprocess.run(
            args, cwd=scratch, capture_output=True, text=True, check=False, timeout=120
        )
    return proc.stdout


def to_size(text: str, size: int) -> str:
    """``text`` repeated until it is ``size`` characters (whole lines)."""
    repeated = text * (size // len(text) + 1)
    return repeated[: repeated.rfind("\n", 0, size) + 1]


def every_tenth(text: str, line: str) -> str:
    """Replace every tenth line of ``text`` with ``line``."""
    lines = text.split("\n")
    lines[::10] = [line] * len(lines[::10])
    return "\n".join(lines)


def plain_write(sink: TextIO, text: str) -> float:
    """Seconds to write ``text`` as it is (a run outside Actions)."""
    start = time.perf_counter()
    sink.write(text)
    sink.flush()
    return time.perf_counter() - start


def writer_write(log: JobLog, text: str) -> float:
    """Seconds to write ``text`` through the job-log writer."""
    start = time.perf_counter()
    log.write(log.out, text)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mb", type=float, default=20)
    parser.add_argument("--runs", type=int, default=7)
    options = parser.parse_args()
    size = int(options.size_mb * 1024 * 1024)
    plain = to_size(real_output(), size)
    variants = {
        "real pytest -v output": plain,
        "a workflow command every 10th line": every_tenth(
            plain, "E   AssertionError: ::error file=a.py::forged ##[set-output name=a;]b"
        ),
        "non-ASCII on every line": plain.replace("\n", " — ✓ 完了\n"),
    }
    print(f"{options.size_mb:g} MB of text, medians of {options.runs} interleaved runs\n")
    print("| text | as is (baseline) | job-log writer | ratio | writer MB/s |")
    print("|---|---:|---:|---:|---:|")
    for name, text in variants.items():
        baseline: list[float] = []
        writer: list[float] = []
        with open(os.devnull, "w", encoding="utf-8") as sink:
            log = JobLog(sink, sink)
            log.mask_secrets()
            for _ in range(options.runs):
                baseline.append(plain_write(sink, text))
                writer.append(writer_write(log, text))
        base, inert = statistics.median(baseline), statistics.median(writer)
        rate = len(text.encode("utf-8")) / 1024 / 1024 / inert
        print(
            f"| {name} | {base * 1000:.1f} ms | {inert * 1000:.1f} ms "
            f"| {inert / base:.1f} | {rate:.0f} |"
        )


if __name__ == "__main__":
    main()
