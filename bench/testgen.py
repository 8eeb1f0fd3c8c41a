"""Test generation on real PyPI modules with their tests removed: coverage and mutation score
regained by ci-agent's offline mode, Hypothesis' ghostwriter alone and Pynguin alone under the
same time budget, with the project's own tests as the human baseline; and the cost of the
funnel's gates relative to one plain run of a candidate.

Run: .venv/bin/python bench/testgen.py --python ENV/bin/python [--pynguin-python P]
         [--budget 90] [--mutants 25] [--only NAME]

``--python`` is an environment with pytest, coverage, hypothesis and black (the project's
environment); ``--pynguin-python`` one with pynguin (default: the same). The source
distributions are fetched with pip into a temporary directory (never committed). For each
module, in the same run:

1. each test set (offline mode's accepted files, the ghostwriter's module as written, Pynguin's
   modules as written, the project's own tests) is run under coverage with branches: line and
   branch coverage of the module;
2. ``--mutants`` mutants of the module (ci-agent's operators, a seeded sample over all its
   lines) are run against each set, minus the tests that already fail on the original: the
   share killed is the mutation score (and the mutants another set kills that offline mode's
   tests do not are listed: ``missed_by_offline``);
3. offline mode's funnel: candidates per minute, the count per gate, candidates and accepted
   tests per engine, the seconds of all gates and of each gate, and the seconds of every gate
   divided by the seconds of the `alone` gate (one plain run of the batch; of the candidate
   before batching).

Offline mode runs the examples, the ghostwriter and Pynguin (``--pynguin-python``, the same
``--budget`` of search as Pynguin alone, its assertions chosen by the funnel's mutants instead
of its own mutation analysis), with a run-time limit of twice the budget for asking engines.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ci_agent.testgen.mutants import Mutant, mutants  # noqa: E402

# (distribution, version, module file in the sdist, its dotted name, the sdist's test paths)
MODULES = (
    ("inflection", "0.5.1", "inflection/__init__.py", "inflection", ("test_inflection.py",)),
    ("toposort", "1.10", "src/toposort.py", "toposort", ("test",)),
    ("roman", "4.2", "src/roman.py", "roman", ("src/tests.py",)),
    (
        "webcolors",
        "24.11.1",
        "src/webcolors/_normalization.py",
        "webcolors._normalization",
        ("tests",),
    ),
    ("webcolors", "24.11.1", "src/webcolors/_conversion.py", "webcolors._conversion", ("tests",)),
)


def run(args: list[str], cwd: Path, timeout: float, env: dict[str, str] | None = None) -> Any:
    """A subprocess with a timeout; never raises for its exit status."""
    try:
        return subprocess.run(
            args, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env, check=False
        )
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(args, -9, "", "timeout")


def fetch(name: str, version: str, into: Path) -> Path:
    """The unpacked source distribution."""
    into.mkdir(parents=True, exist_ok=True)
    got = run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "-q",
            "--no-deps",
            "--no-binary",
            ":all:",
            "-d",
            str(into),
            f"{name}=={version}",
        ],
        into,
        300,
    )
    archive = next(into.glob(f"{name.replace('-', '_')}-{version}.tar.gz"), None) or next(
        into.glob(f"{name}-{version}.tar.gz"), None
    )
    if archive is None:
        raise SystemExit(f"could not fetch {name}=={version}: {got.stderr[-500:]}")
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    return next(
        p
        for p in into.iterdir()
        if p.is_dir()
        and p.name.lower().startswith(name.replace("-", "_").lower()[:5])
        and version in p.name
    )


def env_for(root: Path) -> dict[str, str]:
    """The module importable from the copy (flat and src layouts)."""
    paths = [str(root), str(root / "src")]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths), "PYTHONDONTWRITEBYTECODE": "1"}


def stripped(source: Path, tests: tuple[str, ...], into: Path) -> Path:
    """A copy without the project's tests, with an empty passing suite."""
    copy = into / "stripped"
    shutil.copytree(source, copy)
    for name in tests:
        target = copy / name
        shutil.rmtree(target) if target.is_dir() else target.unlink()
    (copy / "tests").mkdir(exist_ok=True)
    (copy / "tests" / "test_placeholder.py").write_text("def test_placeholder():\n    pass\n")
    return copy


def measure(
    python: str, root: Path, module_file: str, tests: list[str], sample: list[Mutant]
) -> dict[str, Any]:
    """Line and branch coverage of the module, and mutants killed (and which), by the tests
    at ``tests``."""
    if not tests:
        return {"tests": 0, "lines": 0.0, "branches": 0.0, "killed": 0, "mutants": len(sample)}
    data = root / ".bench-coverage"
    env = env_for(root)
    base = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly"]
    run(
        [
            python,
            "-m",
            "coverage",
            "run",
            "--branch",
            f"--data-file={data}",
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            *tests,
        ],
        root,
        600,
        env,
    )
    if not data.exists() and any(root.glob(f"{data.name}.*")):
        # a project configured with `parallel = true` writes one file per process
        run([python, "-m", "coverage", "combine", f"--data-file={data}", "-q"], root, 120, env)
    report = run(
        [
            python,
            "-m",
            "coverage",
            "json",
            f"--data-file={data}",
            "-o",
            "-",
            "-q",
            "--fail-under=0",
        ],
        root,
        120,
        env,
    )
    lines = branches = 0.0
    try:
        files = json.loads(report.stdout)["files"]
        entry = next(v for k, v in files.items() if k.endswith(module_file.split("/", 1)[-1]))
        summary = entry["summary"]
        lines = summary["covered_lines"] / max(summary["num_statements"], 1)
        branches = summary["covered_branches"] / max(summary["num_branches"], 1)
    except (ValueError, KeyError, StopIteration):
        pass
    first = run([*base, "-rfE", *tests], root, 600, env)
    failing = [
        line.split()[1]
        for line in first.stdout.splitlines()
        if line.startswith(("FAILED ", "ERROR "))
    ]
    deselect = [f"--deselect={node}" for node in failing if "::" in node]
    if first.returncode not in (0, 1) or (failing and not deselect) or "passed" not in first.stdout:
        return {
            "tests": len(tests),
            "lines": lines,
            "branches": branches,
            "killed": 0,
            "mutants": len(sample),
            "note": "does not collect",
        }
    target = root / module_file
    original = target.read_text()
    killed = 0
    which = []
    try:
        for mutant in sample:
            target.write_text(mutant.source)
            # 1: a test failed (the mutant is killed); 5 would be "nothing ran", never a kill.
            if run([*base, "-x", *deselect, *tests], root, 60, env).returncode in (1, 2, -9):
                killed += 1
                which.append(named(mutant))
    finally:
        target.write_text(original)
    passing = first.stdout.count("passed")
    return {
        "tests": len(tests),
        "lines": lines,
        "branches": branches,
        "killed": killed,
        "mutants": len(sample),
        "killed_mutants": which,
        "failing_on_original": len(failing),
        "ran": bool(passing),
    }


def named(mutant: Mutant) -> str:
    """How the comparison names a mutant."""
    return f"line {mutant.line}: {mutant.description}"


def offline(
    python: str, root: Path, module_file: str, budget: float, pynguin_python: str | None
) -> tuple[list[str], dict]:
    """ci-agent tests --engine offline on the module: the examples, the ghostwriter and Pynguin
    (``budget`` seconds of search, as Pynguin alone gets) through the funnel."""
    config = root / ".github" / "ci-agent.yml"
    config.parent.mkdir(exist_ok=True)
    config.write_text(
        "test-generation:\n"
        f"  run-time-limit: {budget * 2}\n"
        "  max-targets: 200\n"
        "  test-timeout: 60\n"
        f"  pynguin-seconds: {budget}\n"
        + (f"  pynguin-python: {pynguin_python}\n" if pynguin_python else "")
    )
    started = time.monotonic()
    done = run(
        [
            sys.executable,
            "-m",
            "ci_agent",
            "tests",
            "--path",
            module_file,
            "--engine",
            "offline",
            "--python",
            python,
            "--output",
            "json",
        ],
        root,
        budget * 6 + 600,
        {**os.environ, "PYTHONPATH": str(ROOT)},
    )
    seconds = time.monotonic() - started
    try:
        result = json.loads(done.stdout)["result"]
    except ValueError:
        problem = f"ci-agent tests failed: {done.stdout[-800:]} {done.stderr[-800:]}"
        raise SystemExit(problem) from None
    result["wall_seconds"] = seconds
    return list(result.get("written", [])), result


def ghostwriter(python: str, root: Path, module: str) -> list[str]:
    """The ghostwriter's module for the whole module, written as it comes."""
    code = (
        "import importlib,sys\nfrom hypothesis.extra import ghostwriter\n"
        f"print(ghostwriter.magic(importlib.import_module({module!r})))"
    )
    done = run([python, "-c", code], root, 300, env_for(root))
    if done.returncode != 0 or "def test" not in done.stdout:
        return []
    path = root / "tests" / "test_ghostwritten.py"
    path.write_text(done.stdout)
    return [str(path.relative_to(root))]


def pynguin(python: str, root: Path, module: str, budget: float) -> list[str]:
    """Pynguin's tests for the module (seeded, assertions by mutation analysis)."""
    out = root / "pynguin-out"
    env = {**env_for(root), "PYNGUIN_DANGER_AWARE": "1"}
    run(
        [
            python,
            "-m",
            "pynguin",
            "--project-path",
            str(root / "src") if (root / "src").is_dir() else str(root),
            "--module-name",
            module,
            "--output-path",
            str(out),
            "--maximum-search-time",
            str(int(budget)),
            "--seed",
            "0",
            "--assertion-generation",
            "MUTATION_ANALYSIS",
        ],
        root,
        budget * 3 + 300,
        env,
    )
    found = []
    for path in sorted(out.glob("test_*.py")):
        dest = root / "tests" / path.name
        shutil.copy(path, dest)
        found.append(str(dest.relative_to(root)))
    return found


def gate_cost(result: dict[str, Any], accepted_only: bool = True) -> float | None:
    """Seconds of every gate ÷ seconds of the `alone` gate (one plain run), summed over the
    accepted candidates (or over all that reached `alone`)."""
    gates_total = alone_total = 0.0
    for candidate in result.get("candidates", []):
        if accepted_only and not candidate["accepted"]:
            continue
        gates = {g["gate"]: g["seconds"] for g in candidate["gates"]}
        if gates.get("alone"):
            gates_total += sum(gates.values())
            alone_total += gates["alone"]
    return gates_total / alone_total if alone_total else None


def funnel_seconds(result: dict[str, Any]) -> float:
    """Seconds spent in the gates, all candidates."""
    return sum(g["seconds"] for c in result.get("candidates", []) for g in c["gates"])


def phase_seconds(result: dict[str, Any]) -> dict[str, float]:
    """Wall seconds of the run's phases (the baseline, each round's proposing and funnel, the
    engines' own processes, the suite gate)."""
    return {p["phase"]: round(p["seconds"], 1) for p in result.get("phases", [])}


def gate_seconds(result: dict[str, Any]) -> dict[str, float]:
    """Seconds spent in each gate, all candidates (a batch's seconds are shared out among its
    candidates, so the sums are the gates' wall time)."""
    found: dict[str, float] = {}
    for candidate in result.get("candidates", []):
        for gate in candidate["gates"]:
            found[gate["gate"]] = found.get(gate["gate"], 0.0) + gate["seconds"]
    return {gate: round(seconds, 1) for gate, seconds in found.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", required=True)
    parser.add_argument("--pynguin-python")
    parser.add_argument("--budget", type=float, default=90.0)
    parser.add_argument("--mutants", type=int, default=25)
    parser.add_argument("--only")
    parser.add_argument(
        "--keep",
        type=Path,
        help="write offline mode's whole JSON result and Pynguin's files per module here",
    )
    args = parser.parse_args()
    rows = []
    for name, version, module_file, module, tests in MODULES:
        if args.only and args.only not in module:
            continue
        with tempfile.TemporaryDirectory(prefix="bench-testgen-") as tmp:
            work = Path(tmp)
            source = fetch(name, version, work / "sdist")
            text = (source / module_file).read_text()
            every = mutants(text, set(range(1, text.count("\n") + 2)), 100000)
            sample = random.Random(0).sample(every, min(args.mutants, len(every)))
            row: dict[str, Any] = {
                "module": f"{name} {version}: {module}",
                "mutants_possible": len(every),
            }
            human = [t for t in tests if (source / t).exists()]
            row["human"] = measure(args.python, source, module_file, human, sample)
            for engine in ("offline", "ghostwriter", "pynguin"):
                copy = stripped(source, tests, work / engine)
                started = time.monotonic()
                if engine == "offline":
                    files, result = offline(
                        args.python, copy, module_file, args.budget, args.pynguin_python
                    )
                    row["funnel"] = result.get("funnel")
                    if args.keep is not None:
                        args.keep.mkdir(parents=True, exist_ok=True)
                        (args.keep / f"{module}.offline.json").write_text(json.dumps(result))
                    row.update(funnel_figures(result))
                elif engine == "ghostwriter":
                    files = ghostwriter(args.python, copy, module)
                else:
                    files = pynguin(args.pynguin_python or args.python, copy, module, args.budget)
                    if args.keep is not None:
                        for file in files:
                            shutil.copy(
                                copy / file, args.keep / f"{module}.pynguin.{Path(file).name}"
                            )
                seconds = time.monotonic() - started
                row[engine] = {
                    **measure(args.python, copy, module_file, files, sample),
                    "seconds": round(seconds, 1),
                }
                print(f"{name} {engine}: {json.dumps(row[engine])}", file=sys.stderr, flush=True)
            # What each set kills that offline mode's accepted tests do not.
            ours = set(row["offline"].get("killed_mutants", []))
            row["missed_by_offline"] = {
                key: sorted(set(row[key].get("killed_mutants", [])) - ours)
                for key in ("pynguin", "ghostwriter", "human")
            }
            print(json.dumps(row), flush=True)
            rows.append(row)
    print(table(rows))
    return 0


def funnel_figures(result: dict[str, Any]) -> dict[str, Any]:
    """Offline mode's funnel and time figures from its JSON result."""
    row: dict[str, Any] = {}
    row["gate_cost"] = gate_cost(result)
    row["gate_cost_all"] = gate_cost(result, accepted_only=False)
    row["funnel_seconds"] = round(funnel_seconds(result), 1)
    row["gate_seconds"] = gate_seconds(result)
    row["phases"] = phase_seconds(result)
    row["engines"] = {
        e: sum(1 for c in result.get("candidates", []) if c["engine"] == e)
        for e in ("examples", "ghostwriter", "pynguin")
    }
    row["accepted_by_engine"] = {
        e: sum(1 for c in result.get("candidates", []) if c["engine"] == e and c["accepted"])
        for e in ("examples", "ghostwriter", "pynguin")
    }
    minutes = max(result.get("wall_seconds", 0.0), 1.0) / 60
    row["candidates_per_minute"] = round(
        (result.get("funnel") or {}).get("candidates", 0) / minutes, 1
    )
    return row


def table(rows: list[dict[str, Any]]) -> str:
    """The Markdown table of docs/benchmarks.md."""
    out = [
        "| module | set | lines | branches | mutants killed | seconds |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        for key in ("offline", "ghostwriter", "pynguin", "human"):
            m = row[key]
            out.append(
                f"| {row['module']} | {key} | {m['lines']:.0%} | {m['branches']:.0%} | "
                f"{m['killed']}/{m['mutants']} | {m.get('seconds', '')} |"
            )
        funnel = row.get("funnel") or {}
        cost = row.get("gate_cost")
        out.append(
            f"| {row['module']} | offline funnel | "
            + ", ".join(f"{k} {v}" for k, v in funnel.items())
            + (f" | gates ÷ one run: {cost:.1f} |" if cost else " | |")
            + f" {row.get('candidates_per_minute')} candidates/min |"
        )
        per_gate = row.get("gate_seconds") or {}
        if per_gate:
            out.append(
                f"| {row['module']} | offline gate seconds | "
                + ", ".join(f"{k} {v}" for k, v in per_gate.items())
                + f" | all gates {row.get('funnel_seconds')} | |"
            )
        phases = row.get("phases") or {}
        if phases:
            out.append(
                f"| {row['module']} | offline phases (wall seconds) | "
                + ", ".join(f"{k} {v}" for k, v in phases.items())
                + " | | |"
            )
        if row.get("offline", {}).get("seconds") and row.get("pynguin", {}).get("seconds"):
            ratio = row["offline"]["seconds"] / row["pynguin"]["seconds"]
            out.append(f"| {row['module']} | offline ÷ Pynguin alone (seconds) | {ratio:.2f} | | |")
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
