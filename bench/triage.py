"""Triage accuracy on variants of a small project (speed: ``bench/triage_speed.py``; real
projects from the package index: ``bench/triage_corpus.py``).

Run: .venv/bin/python bench/triage.py [--variants 60] [--seed 7]

Accuracy: N variants of a real project, each with one injected fault (a failing assertion,
   an exception in the code, a fixture error, a collection error, a syntax error, a ruff
   violation, a mypy error, a crashing script), run for real with random pytest options
   (``-v``, ``--tb`` style), wrapped as a GitHub job log with random timestamps. Recall and
   precision of failing test ids and of error locations (``path:line``), and how often the
   first location is the injected one.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ci_agent.triage.triage import TriageOptions, triage_logs  # noqa: E402
from tests.integration.triage.joblog import START, RunStep, job_log, run_tool  # noqa: E402

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", type=int, default=64)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    bench_accuracy(args.variants, args.seed)


if __name__ == "__main__":
    main()
