"""Start-up benchmark: median wall time of `ci-agent --help` (and --version) ÷ `python -c pass`.

Run: .venv/bin/python bench/startup.py [--runs 30]
Runs are interleaved so both commands see the same machine load; the ratio is what counts.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def _time(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    options = parser.parse_args()
    script = Path(sys.executable).with_name("ci-agent")
    agent = str(script) if script.exists() else shutil.which("ci-agent")
    if agent is None:
        sys.exit("ci-agent is not installed next to this Python or on PATH")
    commands = {
        "baseline: python -c pass": [sys.executable, "-c", "pass"],
        "ci-agent --help": [agent, "--help"],
        "ci-agent --version": [agent, "--version"],
        "ci-agent explain CA101": [agent, "explain", "CA101"],
    }
    for command in commands.values():  # warm the OS file cache
        _time(command)
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(max(options.runs, 10)):
        for name, command in commands.items():
            samples[name].append(_time(command))
    base = statistics.median(samples["baseline: python -c pass"])
    print(f"runs per command: {max(options.runs, 10)}")
    print(f"{'command':28} {'median ms':>10} {'ratio':>7}")
    for name, values in samples.items():
        median = statistics.median(values)
        print(f"{name:28} {median * 1000:10.1f} {median / base:7.2f}")


if __name__ == "__main__":
    main()
