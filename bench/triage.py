"""Triage benchmarks: speed and memory on a 200 MB job log, extraction accuracy on real runs.

Run: .venv/bin/python bench/triage.py [--size-mb 200] [--runs 5] [--variants 60] [--seed 7]

1. Speed: a 200 MB job log made of a real ``pytest -v`` run with live DEBUG logs (tiled, with
   fresh timestamps) and a real failing run at the end. Median wall time of the triage
   (in-process ``triage_logs``: extraction, classification, report) divided by the median of
   ``grep -c FAILED`` on the same file, interleaved runs; the end-to-end CLI
   (``ci-agent triage --log``, a new process) is reported too. Peak memory: ``ru_maxrss`` of a
   child process that only runs the triage, beside a child that only imports it.
2. Accuracy: N variants of a real project, each with one injected fault (a failing assertion,
   an exception in the code, a fixture error, a collection error, a syntax error, a ruff
   violation, a mypy error, a crashing script), run for real with random pytest options
   (``-v``, ``--tb`` style), wrapped as a GitHub job log with random timestamps. Recall and
   precision of failing test ids and of error locations (``path:line``), and how often the
   first location is the injected one.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ci_agent.fix.triage import TriageOptions, triage_logs  # noqa: E402
from tests.integration.triage.joblog import START, RunStep, job_log, run_tool, stamp  # noqa: E402

BIN = Path(sys.executable).parent
COLOUR = {"FORCE_COLOR": "1", "MYPY_FORCE_COLOR": "1", "PY_COLORS": "1"}


# --- the project the runs are made in ---

PRICING = [
    "def subtotal(items):",
    "    return sum(price * qty for price, qty in items)",
    "",
    "",
    "def discount(total, percent):",
    "    if not 0 <= percent <= 100:",
    '        raise ValueError("percent out of range")',
    "    return total * (100 - percent) / 100",
    "",
    "",
    "def tax(total, rate=0.2):",
    "    return round(total * rate, 2)",
]
TEXT = [
    "def slug(title):",
    '    return "-".join(title.lower().split())',
    "",
    "",
    "def words(text):",
    "    return len(text.split())",
]
STORE = [
    "class Store:",
    "    def __init__(self):",
    "        self.items = {}",
    "",
    "    def add(self, name, price):",
    "        self.items[name] = price",
    "",
    "    def get(self, name):",
    "        return self.items[name]",
    "",
    "    def count(self):",
    "        return len(self.items)",
]
TYPED = [
    "def total(prices: list[int]) -> int:",
    "    return sum(prices)",
    "",
    "",
    "def label(name: str) -> str:",
    "    return name.title()",
]
CONFTEST = [
    "import pathlib",
    "import sys",
    "",
    "import pytest",
    "",
    'sys.path.insert(0, str(pathlib.Path(__file__).parent.parent / "src"))',
    "",
    "from shop.store import Store  # noqa: E402",
    "",
    "",
    "@pytest.fixture",
    "def store():",
    "    made = Store()",
    '    made.add("pen", 2)',
    "    return made",
    "",
    "",
    "@pytest.fixture",
    "def items():",
    "    return [(2, 3), (5, 1)]",
]
# (file, test name, fixtures, body lines; the last line is the assert)
TESTS: list[tuple[str, str, list[str], list[str]]] = [
    ("test_pricing.py", "test_subtotal", ["items"], ["assert subtotal(items) == 11"]),
    ("test_pricing.py", "test_discount", [], ["assert discount(200, 10) == 180"]),
    ("test_pricing.py", "test_tax", [], ["assert tax(100) == 20"]),
    ("test_text.py", "test_slug", [], ['assert slug("Hello World") == "hello-world"']),
    ("test_text.py", "test_words", [], ['assert words("a b c") == 3']),
    ("test_store.py", "TestStore::test_get", ["store"], ['assert store.get("pen") == 2']),
    ("test_store.py", "TestStore::test_count", ["store"], ["assert store.count() == 1"]),
    (
        "test_store.py",
        "TestStore::test_add",
        ["store"],
        ['store.add("ink", 5)', "assert store.count() == 2"],
    ),
]
IMPORTS = {
    "test_pricing.py": "from shop.pricing import discount, subtotal, tax",
    "test_text.py": "from shop.text import slug, words",
    "test_store.py": "",
}
SOURCES = {"pricing.py": PRICING, "text.py": TEXT, "store.py": STORE, "typed.py": TYPED}
FUNCTIONS = {  # src function -> (file, line of its first body statement)
    "subtotal": ("pricing.py", 2),
    "discount": ("pricing.py", 6),
    "tax": ("pricing.py", 12),
    "slug": ("text.py", 2),
    "words": ("text.py", 6),
    "add": ("store.py", 6),
    "get": ("store.py", 9),
    "count": ("store.py", 12),
}
SCRIPT = [
    "import pathlib",
    "import sys",
    "",
    'sys.path.insert(0, str(pathlib.Path(__file__).parent.parent / "src"))',
    "",
    "from shop.pricing import discount, subtotal, tax  # noqa: E402",
    "from shop.text import slug, words  # noqa: E402",
    "",
    "print(subtotal([(2, 3)]), discount(100, 5), tax(10), slug('A B'), words('a b'))",
]


def test_module(name: str) -> tuple[list[str], dict[str, int]]:
    """A test file's lines and the line of each test's assert."""
    lines = [IMPORTS[name], "", ""] if IMPORTS[name] else []
    asserts: dict[str, int] = {}
    in_class = False
    for file, test, fixtures, body in TESTS:
        if file != name:
            continue
        cls, _, func = test.rpartition("::")
        indent = "    " if cls else ""
        if cls and not in_class:
            lines += [f"class {cls}:"]
            in_class = True
        args = ", ".join((["self"] if cls else []) + fixtures)
        lines += [f"{indent}def {func}({args}):"]
        lines += [f"{indent}    {line}" for line in body]
        asserts[test] = len(lines)
        lines += ["", ""] if not cls else [""]
    return lines, asserts


@dataclass
class Variant:
    """One run with one injected fault, and what triage must find."""

    name: str
    tests: set[str] = field(default_factory=set)
    locations: list[str] = field(default_factory=list)


def write_project(root: Path, edits: dict[str, list[str]]) -> None:
    files: dict[str, list[str]] = {f"src/shop/{n}": list(t) for n, t in SOURCES.items()}
    files["src/shop/__init__.py"] = []
    files["tests/conftest.py"] = list(CONFTEST)
    files["scripts/report.py"] = list(SCRIPT)
    for name in IMPORTS:
        files[f"tests/{name}"] = test_module(name)[0]
    files.update(edits)
    for path, lines in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("\n".join(lines) + "\n")


def make_variant(kind: str, rng: random.Random) -> tuple[Variant, dict[str, list[str]], str]:
    """The fault: which files change, what must be found, and which tool runs."""
    edits: dict[str, list[str]] = {}
    if kind == "assertion":
        file, test, *_ = rng.choice(TESTS)
        lines, asserts = test_module(file)
        lines[asserts[test] - 1] += " + 1" if "==" in lines[asserts[test] - 1] else ""
        edits[f"tests/{file}"] = lines
        return (
            Variant(kind, {f"tests/{file}::{test}"}, [f"tests/{file}:{asserts[test]}"]),
            edits,
            "pytest",
        )
    if kind in ("exception", "script"):
        function = rng.choice(sorted(FUNCTIONS))
        if kind == "script":
            function = rng.choice(["subtotal", "discount", "tax", "slug", "words"])
        source, line = FUNCTIONS[function]
        lines = list(SOURCES[source])
        indent = lines[line - 1][: len(lines[line - 1]) - len(lines[line - 1].lstrip())]
        lines.insert(line - 1, f'{indent}raise RuntimeError("injected fault")')
        edits[f"src/shop/{source}"] = lines
        tests = {
            f"tests/{f}::{t}"
            for f, t, fixtures, body in TESTS
            if any(re.search(rf"\b{function}\(", line) for line in body)
            or (function == "add" and "store" in fixtures)  # the store fixture calls add
        }
        variant = Variant(kind, set() if kind == "script" else tests, [f"src/shop/{source}:{line}"])
        return variant, edits, "script" if kind == "script" else "pytest"
    if kind == "fixture":
        fixture, line = rng.choice([("store", 13), ("items", 20)])
        lines = list(CONFTEST)
        lines.insert(line - 1, '    raise RuntimeError("fixture fault")')
        edits["tests/conftest.py"] = lines
        tests = {f"tests/{f}::{t}" for f, t, fx, _ in TESTS if fixture in fx}
        return Variant(kind, tests, [f"tests/conftest.py:{line}"]), edits, "pytest"
    if kind in ("collection", "syntax"):
        file = rng.choice(sorted(IMPORTS))
        lines = test_module(file)[0]
        if kind == "collection":
            lines.insert(0, f"import not_installed_{rng.randrange(1000)}")
            line = 1
        else:
            line = rng.randrange(2, len(lines))
            lines.insert(line - 1, "x = 1 +")
        edits[f"tests/{file}"] = lines
        return Variant(kind, {f"tests/{file}"}, [f"tests/{file}:{line}"]), edits, "pytest"
    if kind == "ruff":
        function = rng.choice(sorted(FUNCTIONS))
        source, line = FUNCTIONS[function]
        lines = list(SOURCES[source])
        indent = lines[line - 1][: len(lines[line - 1]) - len(lines[line - 1].lstrip())]
        lines.insert(line - 1, f"{indent}undefined_helper()")
        edits[f"src/shop/{source}"] = lines
        return Variant(kind, set(), [f"src/shop/{source}:{line}"]), edits, "ruff"
    if kind == "mypy":
        line = rng.choice([2, 6])
        lines = list(TYPED)
        lines[line - 1] = "    return None"
        edits["src/shop/typed.py"] = lines
        return Variant(kind, set(), [f"src/shop/typed.py:{line}"]), edits, "mypy"
    raise ValueError(kind)


# ``--tb=line`` prints no location for an error in a fixture or in collection: nothing could
# find one, so that style is only drawn for failing tests.
STYLES = ("auto", "long", "short", "native")


def run_variant(root: Path, tool: str, rng: random.Random, kind: str = "") -> RunStep:
    if tool == "pytest":
        options = ["-v"] if rng.random() < 0.5 else []
        styles = (*STYLES, "line") if kind in ("assertion", "exception") else STYLES
        options.append(f"--tb={rng.choice(styles)}")
        args = [
            sys.executable,
            "-m",
            "pytest",
            "--color=yes",
            "-p",
            "no:cacheprovider",
            *options,
            "tests",
        ]
    elif tool == "ruff":
        args = [str(BIN / "ruff"), "check", "--no-cache", "src"]
    elif tool == "mypy":
        args = [str(BIN / "mypy"), "--no-incremental", "--cache-dir=/dev/null", "src/shop/typed.py"]
    else:
        args = [sys.executable, "scripts/report.py"]
    output, code = run_tool(args, root, COLOUR)
    return RunStep(" ".join([Path(args[0]).name, *args[1:]]), output, code)


KINDS = ("assertion", "exception", "fixture", "collection", "syntax", "ruff", "mypy", "script")


def bench_accuracy(count: int, seed: int) -> None:
    rng = random.Random(seed)
    totals = {"tests": [0, 0, 0], "locations": [0, 0, 0]}  # true pos, false pos, false neg
    first_right = 0
    misses: list[str] = []
    with tempfile.TemporaryDirectory(prefix="triage-bench-") as temp:
        base = Path(temp) / "clean"
        write_project(base, {})
        for tool in ("pytest", "ruff", "mypy", "script"):
            step = run_variant(base, tool, rng)
            if step.exit_code:
                raise SystemExit(f"the clean project fails {tool}:\n{step.output}")
        for index in range(count):
            kind = KINDS[index % len(KINDS)]
            variant, edits, tool = make_variant(kind, rng)
            root = Path(temp) / f"v{index}" / "proj"
            write_project(root, edits)
            step = run_variant(root, tool, rng, kind)
            log = root.parent / "job.log"
            start = START + timedelta(seconds=rng.randrange(10**6))
            log.write_text(
                job_log([step], start=start, tick=timedelta(milliseconds=rng.randrange(1, 900)))
            )
            [job] = triage_logs([log], TriageOptions(roots=(str(root),))).jobs
            found_tests, found_locations = set(job.failing_tests), list(job.locations)
            for key, found, expected in (
                ("tests", found_tests, variant.tests),
                ("locations", set(found_locations), set(variant.locations)),
            ):
                totals[key][0] += len(found & expected)
                totals[key][1] += len(found - expected)
                totals[key][2] += len(expected - found)
            right = bool(found_locations) and found_locations[0] == variant.locations[0]
            first_right += right
            if not right or found_tests != variant.tests:
                misses.append(
                    f"  {kind} ({step.command}): expected {sorted(variant.tests)} "
                    f"{variant.locations}, found {sorted(found_tests)} {found_locations}"
                )
    print(f"\nAccuracy on {count} real runs with injected faults ({', '.join(KINDS)}):")
    for key, (tp, fp, fn) in totals.items():
        recall = tp / (tp + fn) if tp + fn else 1.0
        precision = tp / (tp + fp) if tp + fp else 1.0
        counts = f"({tp} found, {fp} wrong, {fn} missed)"
        print(f"  {key:10s} recall {recall:7.2%}  precision {precision:7.2%}  {counts}")
    print(f"  first location is the injected fault: {first_right}/{count}")
    for miss in misses:
        print(miss)


# --- speed and memory on a 200 MB log ---


def real_outputs(root: Path) -> tuple[list[str], str]:
    """Lines of a real passing ``pytest -v`` run with live DEBUG logs, and a real failing run."""
    write_project(root, {})
    cases = [
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
        "    assert n >= 0",
    ]
    (root / "tests" / "test_batch.py").write_text("\n".join(cases) + "\n")
    args = ["-m", "pytest", "--color=yes", "-p", "no:cacheprovider", "-v", "-o", "log_cli=true"]
    output, _ = run_tool([sys.executable, *args, "--log-cli-level=DEBUG", "tests"], root, COLOUR)
    lines = output.splitlines()
    first = next(i for i, line in enumerate(lines) if "collected" in line) + 1
    body = [line for line in lines[first:] if line.strip() and not line.startswith("\x1b[32m====")]
    lines, asserts = test_module("test_pricing.py")
    lines[asserts["test_tax"] - 1] += " + 1"
    (root / "tests" / "test_pricing.py").write_text("\n".join(lines) + "\n")
    failing, _ = run_tool([sys.executable, *args[:-2], "tests"], root, COLOUR)
    return body, failing


def write_big_log(path: Path, size: int, body: list[str], failing: str) -> None:
    """A job log of about ``size`` bytes: set-up, an install step, the tiled passing run, the
    failing run's tail, the error marker, post-job cleanup."""
    moment = START
    tick = timedelta(microseconds=3701)

    def stamped(lines: Iterator[str] | list[str]) -> Iterator[str]:
        nonlocal moment
        for line in lines:
            yield f"{stamp(moment)} {line}\n"
            moment += tick

    head = job_log([RunStep("pip install -e .", "Successfully installed shop-0.1\n")], bom=True)
    head = head[: head.index("Post job cleanup.")].rsplit("\n", 1)[0] + "\n"
    with path.open("w", encoding="utf-8") as out:
        out.write(head)
        out.writelines(
            stamped(
                [
                    "##[group]Run python -m pytest -v tests",
                    "python -m pytest -v tests",
                    "##[endgroup]",
                ]
            )
        )
        written = len(head)
        while written < size - len(failing) - 4096:
            chunk = "".join(stamped(body))
            out.write(chunk)
            written += len(chunk.encode())
        tail = [
            *failing.splitlines(),
            "##[error]Process completed with exit code 1.",
            "Post job cleanup.",
            "Cleaning up orphan processes",
        ]
        out.writelines(stamped(tail))


def median_of(action: Callable[[], object], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def child_peak(code: str) -> int:
    """Peak RSS (KiB) of a process running ``code``.

    Linux carries a forked process's high-water mark across ``exec``, so a child of this (big)
    process would report our size: a small launcher process starts the measured one and reads
    its ``RUSAGE_CHILDREN``.
    """
    launcher = (
        "import resource, subprocess, sys\n"
        "subprocess.run([sys.executable, '-c', sys.argv[1]], check=True)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", launcher, code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return int(proc.stdout.strip().splitlines()[-1])


def bench_speed(size_mb: int, runs: int) -> None:
    with tempfile.TemporaryDirectory(prefix="triage-bench-") as temp:
        root = Path(temp) / "proj"
        body, failing = real_outputs(root)
        log = Path(temp) / "big.log"
        write_big_log(log, size_mb << 20, body, failing)
        size = log.stat().st_size
        options = TriageOptions(roots=(str(root),))
        [job] = triage_logs([log], options).jobs
        if job.failing_tests != ("tests/test_pricing.py::test_tax",):
            raise SystemExit(f"wrong failing tests: {job.failing_tests}")
        grep = ["grep", "-c", "FAILED", str(log)]
        # The command itself, as ``ci-agent triage`` runs it (cli.py maps the name to it).
        command = "import sys; from ci_agent.commands.triage import triage; "
        command += "sys.exit(triage.main(args=sys.argv[1:], standalone_mode=False))"
        cli = [
            sys.executable,
            "-c",
            command,
            "--log",
            str(log),
            "--root",
            str(root),
            "--output",
            "json",
        ]
        grep_times, triage_times, cli_times = [], [], []
        for _ in range(runs):  # interleaved: the machine's noise hits all three alike
            grep_times.append(
                median_of(lambda: subprocess.run(grep, capture_output=True, check=True), 1)
            )
            triage_times.append(median_of(lambda: triage_logs([log], options), 1))
            cli_times.append(
                median_of(lambda: subprocess.run(cli, capture_output=True, check=True), 1)
            )
        imported = child_peak("import ci_agent.fix.triage")
        peak = child_peak(
            "from pathlib import Path\nfrom ci_agent.fix.triage import TriageOptions, triage_logs\n"
            f"triage_logs([Path({str(log)!r})], TriageOptions(roots=({str(root)!r},)))"
        )
        out = json.loads(subprocess.run(cli, capture_output=True, text=True, check=True).stdout)
    g, t, c = (statistics.median(x) for x in (grep_times, triage_times, cli_times))
    found = out["result"]["jobs"][0]["failing_tests"]
    print(
        f"Speed on a {size / 2**20:.0f} MB job log ({found} near the end), median of {runs} runs:"
    )
    print(f"  grep -c FAILED                  {g * 1000:8.0f} ms   ratio 1.00")
    speed = f"({size / t / 2**20:.0f} MB/s)"
    print(f"  triage (in-process)             {t * 1000:8.0f} ms   ratio {t / g:.2f}   {speed}")
    print(f"  ci-agent triage --log (process) {c * 1000:8.0f} ms   ratio {c / g:.2f}")
    print(
        f"Peak memory (ru_maxrss): triage {peak / 1024:.1f} MiB; the interpreter with the "
        f"module imported {imported / 1024:.1f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--variants", type=int, default=64)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-accuracy", action="store_true")
    args = parser.parse_args()
    if not args.skip_speed:
        bench_speed(args.size_mb, args.runs)
    if not args.skip_accuracy:
        bench_accuracy(args.variants, args.seed)


if __name__ == "__main__":
    main()
