"""Triage speed and memory end to end: ``ci-agent triage --log`` as a new process, as users run
it, against ``grep -c FAILED`` on the same 200 MB job log, in the same run.

Run: .venv/bin/python bench/triage_speed.py [--size-mb 200] [--runs 5] [--against DIR]

Entries of ``PYTHONPATH`` stay on the measured commands' path after the tree's (a directory
with ``hyperscan`` measures triage with it when the environment lacks it).

``--against DIR`` also times the command of another checkout of ci-agent (its ``ci_agent``
package first on the path), interleaved with this one's: a before/after comparison on the same
logs under the same load.

Two shapes of log, both made of real pytest output (run in the benchmark), stamped as GitHub
serves it:

- **end**: a passing ``pytest -v`` run with live DEBUG logs, repeated to size, and a real
  failing run at the end (one failing test);
- **spread**: a real ``pytest -v`` session with live DEBUG logs in which every eighth test fails
  (FAILURES section and summary included), repeated to size with the test ids renumbered: tens
  of thousands of failing tests spread through the log.

Medians of interleaved runs (the machine's noise hits both alike); the in-process triage
(``triage_logs``) is shown beside the command, so the rest is start-up. Peak memory is the
``ru_maxrss`` of the command's process.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.triage import COLOUR, test_module, write_project  # noqa: E402
from ci_agent.triage.triage import TriageOptions, triage_logs  # noqa: E402
from tests.integration.triage.joblog import START, RunStep, job_log, run_tool, stamp  # noqa: E402

PYTEST = ["-m", "pytest", "--color=yes", "-p", "no:cacheprovider", "-v", "-o", "log_cli=true"]
BATCH = [
    "import logging",
    "",
    "import pytest",
    "",
    'log = logging.getLogger("shop.worker")',
    "",
    "",
    '@pytest.mark.parametrize("n", range(1500))',
    "def test_batch(n):",
    '    log.debug("processing batch %d of 1500: 48 records, cache hit ratio 0.93", n)',
    "    if n % 40 == 0:",
    '        log.info("handled error in request %d: upstream answered 200 after a retry", n)',
    "    assert {condition}",
]
_ID = re.compile(r"test_batch\[(\d+)\]")


class Stamper:
    """GitHub's timestamps on lines, a few milliseconds apart."""

    def __init__(self) -> None:
        self.moment = START
        self.tick = timedelta(microseconds=3701)

    def lines(self, lines: Iterable[str]) -> Iterator[str]:
        """``lines`` stamped."""
        for line in lines:
            yield f"{stamp(self.moment)} {line}\n"
            self.moment += self.tick


def real_runs(root: Path) -> tuple[list[str], str, str, int]:
    """A passing run's lines, a failing run's output, a session with failures spread through
    it, and that session's number of failing tests."""
    write_project(root, {})
    batch = root / "tests" / "test_batch.py"
    batch.write_text("\n".join(BATCH).format(condition="n >= 0") + "\n")
    output, _ = run_tool([sys.executable, *PYTEST, "--log-cli-level=DEBUG", "tests"], root, COLOUR)
    lines = output.splitlines()
    first = next(i for i, line in enumerate(lines) if "collected" in line) + 1
    body = [line for line in lines[first:] if line.strip() and not line.startswith("\x1b[32m====")]
    batch.write_text("\n".join(BATCH).format(condition="n % 8 != 0") + "\n")
    spread, _ = run_tool(
        [sys.executable, *PYTEST, "--log-cli-level=DEBUG", str(batch)], root, COLOUR
    )
    batch.unlink()
    lines, asserts = test_module("test_pricing.py")
    lines[asserts["test_tax"] - 1] += " + 1"
    (root / "tests" / "test_pricing.py").write_text("\n".join(lines) + "\n")
    failing, _ = run_tool([sys.executable, *PYTEST[:-2], "tests"], root, COLOUR)
    return body, failing, spread, len(range(0, 1500, 8))


def _head(stamper: Stamper) -> str:
    head = job_log([RunStep("pip install -e .", "Successfully installed shop-0.1\n")], bom=True)
    head = head[: head.index("Post job cleanup.")].rsplit("\n", 1)[0] + "\n"
    run = ["##[group]Run python -m pytest -v tests", "python -m pytest -v tests", "##[endgroup]"]
    return head + "".join(stamper.lines(run))


def write_end(path: Path, size: int, body: list[str], failing: str) -> None:
    """Passing output to ``size`` bytes, then the failing run and the error marker."""
    stamper = Stamper()
    with path.open("w", encoding="utf-8") as out:
        written = out.write(_head(stamper))
        while written < size - len(failing) - 4096:
            written += out.write("".join(stamper.lines(body)))
        tail = [*failing.splitlines(), "##[error]Process completed with exit code 1."]
        out.writelines(stamper.lines([*tail, "Post job cleanup.", "Cleaning up orphan processes"]))


def write_spread(path: Path, size: int, session: str) -> int:
    """The failing session repeated to ``size`` bytes with fresh ids; how many repeats."""
    stamper = Stamper()
    lines = session.splitlines()
    repeats = 0
    with path.open("w", encoding="utf-8") as out:
        written = out.write(_head(stamper))
        while written < size:
            tag = f"-{repeats}]"
            renamed = (_ID.sub(lambda m, t=tag: f"test_batch[{m.group(1)}{t}", x) for x in lines)
            written += out.write("".join(stamper.lines(renamed)))
            repeats += 1
        out.writelines(stamper.lines(["##[error]Process completed with exit code 1."]))
    return repeats


def timed(action: Callable[[], object]) -> tuple[float, float]:
    """Wall seconds ``action`` takes, and CPU seconds (its own and its children's): on a busy
    machine wall time also counts waiting for a core, CPU time does not."""

    def cpu() -> float:
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return time.process_time() + children.ru_utime + children.ru_stime

    start, start_cpu = time.perf_counter(), cpu()
    action()
    return time.perf_counter() - start, cpu() - start_cpu


def peak_kib(args: list[str], env: dict[str, str]) -> int:
    """Peak RSS (KiB) of a process running ``args``.

    Linux carries a forked process's high-water mark across ``exec``, so a child of this (big)
    process would report our size: a small launcher starts the measured one and reads its
    ``RUSAGE_CHILDREN``.
    """
    launcher = (
        "import resource, subprocess, sys\n"
        "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", launcher, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return int(proc.stdout.strip().splitlines()[-1])


def _checked(
    name: str, command: list[str], env: dict[str, str], *, tree: Path, log: Path, expected: int
) -> None:
    """Run ``command`` in ``tree`` once with ``--json-out`` (which also writes the bytecode) and
    check that it found every failing test."""
    whole = log.with_suffix(".json")
    subprocess.run(
        [*command, "--json-out", str(whole)], env=env, cwd=tree, check=True, capture_output=True
    )
    [job] = json.loads(whole.read_text())["jobs"]
    whole.unlink()
    if len(job["failing_tests"]) != expected or job["failures_omitted"]:
        raise SystemExit(f"{name}: {len(job['failing_tests'])} failing tests, want {expected}")


def measure(
    name: str, log: Path, root: Path, runs: int, expected: int, *, against: Path | None = None
) -> None:
    """Time grep, the in-process triage and the command on ``log`` (and the command of the
    checkout ``against``); check what was found."""
    # As installed: bytecode compiled (a first run writes it), the worktree's code first. A
    # process runs in the tree it measures: ``python -c`` puts its directory first on the path.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    # Other PYTHONPATH entries stay after the tree's: a directory holding an optional package
    # (hyperscan) measures the command with it.
    extra = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    extra = [p for p in extra if Path(p).resolve() != ROOT]
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *extra])
    # What the ci-agent console script runs.
    script = "import sys; from ci_agent.cli import main; sys.exit(main())"
    command = [sys.executable, "-c", script, "triage", "--log", str(log)]
    command += ["--root", str(root)]
    _checked(name, command, env, tree=ROOT, log=log, expected=expected)
    grep = ["grep", "-c", "FAILED", str(log)]
    options = TriageOptions(roots=(str(root),))
    actions: dict[str, Callable[[], object]] = {
        "grep -c FAILED": lambda: subprocess.run(grep, capture_output=True, check=False),
        "triage in-process (triage_logs)": lambda: triage_logs([log], options),
        "ci-agent triage --log (a process)": lambda: subprocess.run(
            command, env=env, cwd=ROOT, capture_output=True, check=True
        ),
    }
    if against is not None:
        other = {**env, "PYTHONPATH": os.pathsep.join([str(against), *extra])}
        _checked(f"{name} ({against})", command, other, tree=against, log=log, expected=expected)
        actions["the same, --against checkout"] = lambda: subprocess.run(
            command, env=other, cwd=against, capture_output=True, check=True
        )
    wall: dict[str, list[float]] = {key: [] for key in actions}
    cpu: dict[str, list[float]] = {key: [] for key in actions}
    for _ in range(runs):  # interleaved
        for key, action in actions.items():
            seconds, used = timed(action)
            wall[key].append(seconds)
            cpu[key].append(used)
    peak = peak_kib(command, env)
    size = log.stat().st_size / 2**20
    print(f"{name}: {size:.0f} MB, {expected} failing tests found, median of {runs} runs")
    print(f"  {'':34s} {'wall':>8s} {'ratio':>6s} {'CPU':>8s} {'ratio':>6s}")
    g, gc = statistics.median(wall["grep -c FAILED"]), statistics.median(cpu["grep -c FAILED"])
    for key in actions:
        w, c = statistics.median(wall[key]), statistics.median(cpu[key])
        print(f"  {key:34s} {w * 1000:6.0f}ms {w / g:6.2f} {c * 1000:6.0f}ms {c / gc:6.2f}")
    print(f"  peak memory of the command: {peak / 1024:.1f} MiB (ru_maxrss)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--against", type=Path, help="another checkout's root, timed alike")
    args = parser.parse_args()
    against = args.against.resolve() if args.against else None
    try:
        import hyperscan  # noqa: F401
    except ImportError:
        print("hyperscan: not installed (triage skips with re)")
    else:
        print("hyperscan: installed")
    with tempfile.TemporaryDirectory(prefix="triage-speed-") as temp:
        root = Path(temp) / "proj"
        body, failing, session, per_session = real_runs(root)
        end = Path(temp) / "end.log"
        write_end(end, args.size_mb << 20, body, failing)
        measure("end (failures at the end)", end, root, args.runs, 1, against=against)
        end.unlink()
        spread = Path(temp) / "spread.log"
        repeats = write_spread(spread, args.size_mb << 20, session)
        expected = per_session * repeats
        measure(
            "spread (failures through the log)", spread, root, args.runs, expected, against=against
        )


if __name__ == "__main__":
    main()
