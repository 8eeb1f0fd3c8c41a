"""Start-up benchmark: median wall time of ci-agent commands ÷ `python -c pass`, against goals.

Run: .venv/bin/python bench/startup.py [--runs 20] [--cold] [--cpu]
Runs are interleaved so every command sees the same machine load; the ratio is what counts.
Goals (issue #15): every `--help` <= 2x, `explain` <= 4x, `doctor` (offline) <= 8x; and
`triage --log` on a small job log as fast as it can be (issue #14: on a 200 MB log the whole
command should take <= 2x `grep -c FAILED`, so start-up must be small; bench/triage_speed.py).
--cold also times the first run after an install made with `pip install --no-compile` (no
bytecode yet: each run gets an empty PYTHONPYCACHEPREFIX, so every import compiles).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# name -> (arguments, goal as a multiple of the baseline)
COMMANDS: dict[str, tuple[list[str], float | None]] = {
    "ci-agent --help": (["--help"], 2.0),
    "ci-agent --version": (["--version"], 2.0),
    "ci-agent review --help": (["review", "--help"], 2.0),
    "ci-agent fix --help": (["fix", "--help"], 2.0),
    "ci-agent triage --help": (["triage", "--help"], 2.0),
    "ci-agent backup --help": (["backup", "--help"], 2.0),
    "ci-agent backup create --help": (["backup", "create", "--help"], 2.0),
    "ci-agent init --help": (["init", "--help"], 2.0),
    "ci-agent doctor --help": (["doctor", "--help"], 2.0),
    "ci-agent run --help": (["run", "--help"], 2.0),
    "ci-agent explain CA101": (["explain", "CA101"], 4.0),
    "ci-agent explain CA101 --output json": (["explain", "CA101", "--output", "json"], None),
    "ci-agent doctor": (["doctor"], 8.0),
    "ci-agent triage --log (small log)": (["triage", "--log", "job.log"], None),
}

# A failed job's log as GitHub serves it, small: the command's cost is its start-up.
_PYTEST_OUTPUT = [
    "##[group]Run pytest",
    " test session starts ".center(80, "="),
    "platform linux -- Python 3.12.8, pytest-8.3.4, pluggy-1.5.0",
    "rootdir: /home/runner/work/calc/calc",
    "collected 6 items",
    "##[endgroup]",
    "tests/test_calc.py ....F.".ljust(73) + "[100%]",
    " FAILURES ".center(80, "="),
    " test_add ".center(80, "_"),
    "",
    "    def test_add():",
    ">       assert add(1, 2) == 4",
    "E       assert 3 == 4",
    "",
    "tests/test_calc.py:5: AssertionError",
    " short test summary info ".center(80, "="),
    "FAILED tests/test_calc.py::test_add - assert 3 == 4",
    " 1 failed, 5 passed in 0.12s ".center(80, "="),
    "##[error]Process completed with exit code 1.",
]
JOB_LOG = "".join(
    f"2026-12-07T01:00:{n // 10:02d}.{n % 10}000000Z {line}\n"
    for n, line in enumerate(_PYTEST_OUTPUT)
)


def _time(command: list[str], env: dict[str, str], cwd: Path) -> float:
    """Wall time, or with --cpu the CPU time (user + system) the command and its children took:
    on a shared, loaded machine CPU time is the steadier measure."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=cwd, check=False
    )
    wall = time.perf_counter() - start
    if not CPU:
        return wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


CPU = False


def _repository(path: Path) -> Path:
    """A small git repository for doctor to describe (no network, no keys)."""
    path.mkdir()
    run = {"cwd": path, "capture_output": True}
    subprocess.run(["git", "init", "-q", "-b", "main"], check=True, **run)  # type: ignore[call-overload]
    (path / "a.txt").write_text("a\n", encoding="utf-8")
    (path / "job.log").write_text(JOB_LOG, encoding="utf-8")
    subprocess.run(["git", "add", "a.txt"], check=True, **run)  # type: ignore[call-overload]
    subprocess.run(
        ["git", "-c", "user.name=b", "-c", "user.email=b@example.com", "commit", "-qm", "a"],
        check=True,
        **run,  # type: ignore[call-overload]
    )
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--cold", action="store_true", help="also time runs without bytecode")
    parser.add_argument("--cpu", action="store_true", help="CPU time instead of wall time")
    options = parser.parse_args()
    global CPU  # noqa: PLW0603 - one switch for the whole run of this script
    CPU = options.cpu
    script = Path(sys.executable).with_name("ci-agent")
    agent = str(script) if script.exists() else shutil.which("ci-agent")
    if agent is None:
        sys.exit("ci-agent is not installed next to this Python or on PATH")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GITHUB_", "INPUT_", "OPENAI_", "CI_AGENT_", "AZURE_"))
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # measure the installed, compiled state
    runs = max(options.runs, 5)
    with tempfile.TemporaryDirectory() as scratch:
        cwd = _repository(Path(scratch) / "repo")
        commands = {"baseline: python -c pass": [sys.executable, "-c", "pass"]}
        commands |= {name: [agent, *args] for name, (args, _) in COMMANDS.items()}
        for command in commands.values():  # warm the OS file cache and the bytecode
            _time(command, env, cwd)
        samples: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(runs):
            for name, command in commands.items():
                samples[name].append(_time(command, env, cwd))
        base = statistics.median(samples["baseline: python -c pass"])
        print(f"runs per command: {runs}; {'CPU' if CPU else 'wall'} time")
        print(f"{'command':38} {'median ms':>10} {'ratio':>7} {'goal':>6}")
        for name, values in samples.items():
            median = statistics.median(values)
            goal = COMMANDS.get(name, ([], None))[1]
            verdict = "" if goal is None else ("  ok" if median / base <= goal else "  MISSED")
            shown = f"{goal:.0f}x" if goal else ""
            print(f"{name:38} {median * 1000:10.1f} {median / base:7.2f} {shown:>6}{verdict}")
        if options.cold:
            print("first run after a --no-compile install (every import compiles):")
            for name in ("ci-agent explain CA101 --output json", "ci-agent doctor"):
                cold = []
                for _ in range(max(runs // 4, 3)):
                    with tempfile.TemporaryDirectory() as prefix:
                        cold_env = {**env, "PYTHONPYCACHEPREFIX": prefix}
                        cold.append(_time(commands[name], cold_env, cwd))
                median = statistics.median(cold)
                print(f"{name:38} {median * 1000:10.1f} {median / base:7.2f}")


if __name__ == "__main__":
    main()
