"""Deployment-plan benchmark: a 2,000-unit repository with a 50,000-path change, and a real
monorepo.

Run: .venv/bin/python bench/plan.py [--units 2000] [--files-per-unit 25] [--runs 5]
     .venv/bin/python bench/plan.py --monorepo https://github.com/babel/babel.git [--commits 100]
     add --before DIR (a checkout of earlier code) to time it in the same rounds

Synthetic: builds a git repository whose deploy manifest has N units (services, libraries and
migrations; each service depends on up to three earlier units), commits a base, then changes
every file (files-per-unit per unit: N * files-per-unit changed paths).

Monorepo: clones SOURCE shallowly (``--depth commits+1``, one branch, no tags) into a scratch
directory, never into the repository, and plans the last ``--commits`` commits with units
inferred from the checkout (no deploy manifest: workspaces, Dockerfiles, compose, Terraform…).

Both measure, interleaved, the median wall time of ``ci-agent plan --base B --output json`` as
users run it (a new process) and of ``git diff --name-only B`` on the same change, and print
the ratio, and the same for CPU time (user + system, its git processes included: on a busy
machine the wall time also measures the others' work); peak memory is the plan process's own
maximum resident size (``wait4``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
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


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, bytes, float, float]:
    """Wall seconds, stdout, peak resident MiB and CPU seconds (its git processes included)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        child = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode:
            raise SystemExit(f"{' '.join(argv)} exited {child.returncode}")
        out.seek(0)
        return seconds, out.read(), usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def measure(
    root: Path, base: str, runs: int, env: dict[str, str], before: Path | None = None
) -> None:
    """Interleaved medians of the plan and of ``git diff --name-only`` on ``base..HEAD``.

    With ``before`` (a checkout of earlier code) its plan is timed in the same rounds too.
    """
    plan_argv = [sys.executable, "-m", "ci_agent", "plan", "--base", base, "--output", "json"]
    diff_argv = ["git", "diff", "--name-only", base]
    variants = {"ci-agent plan": env}
    if before is not None:
        variants["ci-agent plan (before)"] = {**env, "PYTHONPATH": str(before.resolve())}
    times: dict[str, list[float]] = {name: [] for name in variants}
    cpus: dict[str, list[float]] = {name: [] for name in variants}
    peaks: dict[str, float] = dict.fromkeys(variants, 0.0)
    outputs: dict[str, bytes] = {}
    diffs, diff_cpus = [], []
    for _ in range(runs):
        for name, variant in variants.items():
            seconds, outputs[name], peak, cpu = timed(plan_argv, root, variant)
            times[name].append(seconds)
            cpus[name].append(cpu)
            peaks[name] = max(peaks[name], peak)
        seconds, _, _, cpu = timed(diff_argv, root, env)
        diffs.append(seconds)
        diff_cpus.append(cpu)
    diff_s, diff_cpu = statistics.median(diffs), statistics.median(diff_cpus)
    print(f"git diff --name-only {base} median {diff_s:.3f} s, CPU {diff_cpu:.3f} s (the baseline)")
    for name in variants:
        plan = json.loads(outputs[name])["result"]
        plan_s, cpu = statistics.median(times[name]), statistics.median(cpus[name])
        print(
            f"{name}: {len(plan['units'])} units in {len(plan['groups'])} groups "
            f"({plan['source']['manifest']}), {plan['changed_paths']} changed paths, "
            f"{len(plan['unowned_paths'])} unowned; median {plan_s:.2f} s (ratio "
            f"{plan_s / diff_s:.1f}), CPU {cpu:.2f} s (ratio {cpu / max(diff_cpu, 0.001):.1f}), "
            f"peak memory {peaks[name]:.0f} MiB"
        )


def monorepo(
    source: str, commits: int, runs: int, env: dict[str, str], before: Path | None
) -> None:
    """Clone ``source`` shallowly and plan its last ``commits`` commits."""
    url = Path(source).resolve().as_uri() if Path(source).exists() else source
    with tempfile.TemporaryDirectory(prefix="ci-agent-plan-monorepo-") as scratch:
        root = Path(scratch) / "repo"
        started = time.perf_counter()
        clone = ["git", "clone", "-q", "--depth", str(commits + 1), "--single-branch"]
        subprocess.run([*clone, "--no-tags", url, str(root)], check=True)
        files = subprocess.run(
            ["git", "-C", str(root), "ls-files"], check=True, capture_output=True, text=True
        ).stdout.count("\n")
        head = subprocess.run(
            ["git", "-C", str(root), "log", "-1", "--format=%h %cs"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        print(f"cloned {source} at {head}: {files} files, in {time.perf_counter() - started:.1f} s")
        infer = [sys.executable, "-m", "ci_agent", "plan", "--write-manifest", "--dry-run"]
        infer_s = statistics.median(timed(infer, root, env)[0] for _ in range(runs))
        print(f"inference alone (plan --write-manifest --dry-run) median {infer_s:.2f} s")
        measure(root, f"HEAD~{commits}", runs, env, before)


def main() -> None:
    """Build or clone, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--files-per-unit", type=int, default=25)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--monorepo", metavar="SOURCE", help="a git URL or local repository")
    parser.add_argument("--commits", type=int, default=100, help="monorepo: commits planned")
    parser.add_argument(
        "--before", type=Path, help="a checkout of earlier code, timed in the same rounds"
    )
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("GITHUB_ACTIONS", None)
    if args.monorepo:
        monorepo(args.monorepo, args.commits, args.runs, env, args.before)
        return
    with tempfile.TemporaryDirectory(prefix="ci-agent-plan-bench-") as scratch:
        root = Path(scratch) / "repo"
        started = time.perf_counter()
        build(root, args.units, args.files_per_unit, args.seed)
        print(
            f"built {args.units} units, {args.units * args.files_per_unit} changed paths "
            f"in {time.perf_counter() - started:.1f} s"
        )
        measure(root, "HEAD~1", args.runs, env, args.before)


if __name__ == "__main__":
    main()
