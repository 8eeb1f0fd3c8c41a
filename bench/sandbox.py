"""Cost of the test sandbox: one pytest run of a small project through ci-agent's test runner
inside the namespaces, divided by the same run with ``tests.isolation: none``.

Run: .venv/bin/python bench/sandbox.py [--runs 15] [--tests 50]
The runs alternate (none, namespaces, none, ...) so both see the same machine load; the ratio
of the medians is what counts. Also printed: a bare ``unshare ... true`` (the namespaces'
own cost) and the probe that finds the job's python (paid once per proof).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ci_agent.change.test_runner import TestRequest, find_test_runner  # noqa: E402
from ci_agent.config_tests import TestsConfig  # noqa: E402


def _project(base: Path, tests: int) -> Path:
    root = base / "project"
    root.mkdir()
    body = "\n\n".join(f"def test_{n}():\n    assert {n} + 1 > {n}" for n in range(tests))
    (root / "test_many.py").write_text(body + "\n", encoding="utf-8")
    return root


def _median(seconds: list[float]) -> float:
    return statistics.median(seconds)


def main() -> None:
    """Time the runs and print medians and ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--tests", type=int, default=50)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="bench-sandbox-"))
    try:
        root = _project(base, args.tests)
        started = time.perf_counter()
        isolated = find_test_runner(TestsConfig(), root)
        probe = time.perf_counter() - started
        plain = find_test_runner(TestsConfig(isolation="none"), root)
        request = TestRequest(root, ("test_many.py",), timeout=300)
        times: dict[str, list[float]] = {"none": [], "namespaces": []}
        for _ in range(args.runs):
            for name, runner in (("none", plain), ("namespaces", isolated)):
                result = runner.run(request)
                if result.count("passed") != args.tests:
                    raise SystemExit(f"the run did not pass:\n{result.tail}")
                times[name].append(result.seconds)
        unshare = shutil.which("unshare") or "unshare"
        bare = [unshare, "--user", "--map-root-user", "--pid", "--fork", "--mount-proc"]
        bare += ["--mount", "--net", "--", "true"]
        namespace_only = []
        for _ in range(args.runs):
            begin = time.perf_counter()
            subprocess.run(bare, check=True)
            namespace_only.append(time.perf_counter() - begin)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    none, inside = _median(times["none"]), _median(times["namespaces"])
    print(f"isolation: {isolated.sandbox.isolation.note}")
    print(f"pytest, {args.tests} tests, {args.runs} runs each (median):")
    print(f"  tests.isolation none       {none * 1000:8.0f} ms  1.00x")
    print(f"  namespaces (sandbox)       {inside * 1000:8.0f} ms  {inside / none:.2f}x")
    print(f"  unshare ... true alone     {_median(namespace_only) * 1000:8.0f} ms")
    print(f"finding and probing the job's python (once per proof): {probe * 1000:.0f} ms")


if __name__ == "__main__":
    main()
