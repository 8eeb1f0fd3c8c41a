"""Deployment-plan benchmark: a 2,000-unit repository with a 50,000-path change.

Run: .venv/bin/python bench/plan.py [--units 2000] [--files-per-unit 25] [--runs 5]

Builds a git repository whose deploy manifest has N units (services, libraries and migrations;
each service depends on up to three earlier units), commits a base, then changes every file
(files-per-unit per unit: N * files-per-unit changed paths). Measures, interleaved, the median
wall time of ``ci-agent plan --base HEAD~1 --output json`` as users run it (a new process) and
of ``git diff --name-only HEAD~1`` on the same change, and prints the ratio; peak memory is the
plan process's ``ru_maxrss``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GIT = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com"]


def build(root: Path, units: int, files: int, seed: int) -> None:
    """The repository: manifest, base commit, and a change touching every unit's files."""
    rng = random.Random(seed)
    subprocess.run([*GIT, "init", "-q", str(root)], check=True)
    lines = ["deploy:", "  units:"]
    for index in range(units):
        kind = "library" if index % 10 == 0 else "migration" if index % 10 == 1 else "service"
        earlier = rng.sample(range(index), k=min(index, rng.randint(0, 3)))
        needs = ", ".join(f"u{e:04d}" for e in sorted(earlier))
        lines.append(
            f"    - {{name: u{index:04d}, kind: {kind}, paths: ['units/u{index:04d}/**'], "
            f"depends-on: [{needs}]}}"
        )
    (root / ".github").mkdir()
    (root / ".github" / "ci-agent.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for change in ("base", "change"):
        for index in range(units):
            folder = root / "units" / f"u{index:04d}"
            folder.mkdir(parents=True, exist_ok=True)
            for number in range(files):
                name = f"m{number:03d}.sql" if index % 10 == 1 else f"m{number:03d}.py"
                text = (
                    f"ALTER TABLE t{number} ADD COLUMN c int;\n"
                    if name.endswith(".sql")
                    else f"VALUE = {number}\n"
                )
                (folder / name).write_text(text + (f"# {change}\n"), encoding="utf-8")
        subprocess.run([*GIT, "-C", str(root), "add", "-A"], check=True)
        subprocess.run([*GIT, "-C", str(root), "commit", "-qm", change], check=True)


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, bytes]:
    """Wall seconds and stdout of one run."""
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, check=True)
    return time.perf_counter() - started, done.stdout


def main() -> None:
    """Build, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--files-per-unit", type=int, default=25)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("GITHUB_ACTIONS", None)
    with tempfile.TemporaryDirectory(prefix="ci-agent-plan-bench-") as scratch:
        root = Path(scratch) / "repo"
        started = time.perf_counter()
        build(root, args.units, args.files_per_unit, args.seed)
        print(
            f"built {args.units} units, {args.units * args.files_per_unit} changed paths "
            f"in {time.perf_counter() - started:.1f} s"
        )
        plan_argv = [
            sys.executable,
            "-m",
            "ci_agent",
            "plan",
            "--base",
            "HEAD~1",
            "--output",
            "json",
        ]
        diff_argv = ["git", "diff", "--name-only", "HEAD~1"]
        plans, diffs = [], []
        output = b""
        for _ in range(args.runs):
            seconds, output = timed(plan_argv, root, env)
            plans.append(seconds)
            diffs.append(timed(diff_argv, root, env)[0])
        peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        plan = json.loads(output)["result"]
        plan_s, diff_s = statistics.median(plans), statistics.median(diffs)
        print(
            f"plan: {len(plan['units'])} units in {len(plan['groups'])} groups, "
            f"{plan['changed_paths']} changed paths, sha256 {plan['sha256'][:12]}"
        )
        print(
            f"ci-agent plan median {plan_s:.2f} s; git diff --name-only median {diff_s:.3f} s; "
            f"ratio {plan_s / diff_s:.1f}"
        )
        print(f"peak memory of a child process (ru_maxrss): {peak_mib:.0f} MiB")


if __name__ == "__main__":
    main()
