"""Triage accuracy on real projects: their own test suites, with injected faults, run for real.

Run: .venv/bin/python bench/triage_corpus.py [--cache DIR] [--projects six,toolz,...]

The source distributions of a few projects are fetched from the package index with pip (into
``--cache``, default ``~/.cache/ci-agent-bench``; nothing is written into the repository). Each
case copies a project, injects one fault, runs the project's suite as CI would (pytest, unittest
or doctest), wraps the output as a GitHub Actions job log, and triages it. The truth is the
runner's own: pytest's JUnit report for the failing test ids, the injected line for locations,
the kind of fault for the strategy.

Fault kinds: a failing assertion in a new test, an exception raised in the project's code, a
conftest that does not import, tests that fail only on the network (an ``.invalid`` name, a
local server that never answers, one that resets), those next to a real failure, a test that
hangs under pytest-timeout (its signal method, and its thread method, which ends the run with a
dump of every thread's stack and no report), a failing doctest (pytest ``--doctest-modules``
and ``python -m doctest``), a test module unittest cannot import. Runners: pytest (plain, with
pytest-xdist on two workers, and inside tox), unittest and doctest; pytest-xdist,
pytest-timeout and tox are ci-agent's development dependencies (``scripts/bootstrap dev``).
"""

from __future__ import annotations

import argparse
import ast
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ci_agent.triage.junit import read_junit  # noqa: E402
from ci_agent.triage.triage import TriageOptions, triage_logs  # noqa: E402
from tests.integration.triage.joblog import RunStep, job_log, run_tool  # noqa: E402
from tests.integration.triage.test_network_failures import SERVERS  # noqa: E402


@dataclass(frozen=True)
class Project:
    """A project of the corpus: where its tests and code are, what its faults touch."""

    name: str
    version: str
    tests: str  # the test directory (or file) as the project runs it
    path: str  # what goes on PYTHONPATH: the project's import root
    module: str  # a module of the project, for the exception and the doctest
    function: str  # a function of it the suite calls ("Class.method" for a method)
    unittest: bool  # the suite runs under unittest too
    doctest_modules: bool = True  # pytest --doctest-modules can import the module


PROJECTS = (
    # six's lazy module attributes make --doctest-modules import dbm.gnu (absent here).
    Project("six", "1.17.0", ".", ".", "six.py", "with_metaclass", False, False),
    Project("toolz", "1.2.0", "toolz/tests", ".", "toolz/itertoolz.py", "frequencies", False),
    Project("cachetools", "8.0.3", "tests", "src", "src/cachetools/keys.py", "hashkey", True),
    Project(
        "simplejson",
        "4.3.0",
        "simplejson/tests",
        ".",
        "simplejson/encoder.py",
        "JSONEncoder.encode",
        True,
    ),
)


@dataclass
class Case:
    """One run: what was injected, what the truth is."""

    project: str
    kind: str
    runner: str
    ids: set[str] = field(default_factory=set)
    location: str | None = None
    strategy: str = "patch"


def fetch(project: Project, cache: Path) -> Path:
    """The project's unpacked source distribution (fetched with pip the first time)."""
    unpacked = cache / "src" / f"{project.name}-{project.version}"
    if unpacked.is_dir():
        return unpacked
    sdists = cache / "sdists"
    sdists.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"),
            *("--no-binary", ":all:", f"{project.name}=={project.version}", "-d", str(sdists)),
        ],
        check=True,
    )
    archive = next(
        p for p in sdists.glob("*.tar.gz") if p.name.lower().startswith(project.name.lower())
    )
    with tarfile.open(archive) as tar:
        tar.extractall(cache / "src", filter="data")
    extracted = cache / "src" / archive.name.removesuffix(".tar.gz")
    extracted.rename(unpacked)
    return unpacked


def insert(path: Path, line: int, text: str) -> None:
    """Insert ``text`` (lines) before line ``line`` of ``path``."""
    lines = path.read_text().splitlines(keepends=True)
    lines[line - 1 : line - 1] = [f"{row}\n" for row in text.splitlines()]
    path.write_text("".join(lines))


def raise_in(path: Path, qualified: str) -> int:
    """Make the function raise as its first statement (after its docstring); the line."""
    tree = ast.parse(path.read_text())
    scope: list[ast.stmt] = tree.body
    node: ast.FunctionDef | None = None
    for part in qualified.split("."):
        found = next(
            n for n in scope if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name == part
        )
        scope = found.body
        node = found if isinstance(found, ast.FunctionDef) else None
    if node is None:
        raise SystemExit(f"{qualified} is not a function of {path}")
    body = node.body
    first = body[1] if ast.get_docstring(node) and len(body) > 1 else body[0]
    insert(path, first.lineno, " " * first.col_offset + 'raise RuntimeError("injected fault")')
    return first.lineno


DOCTEST = '\n\ndef _injected_doctest():\n    """\n    >>> 1 + 1\n    3\n    """\n'
TIMEOUT = "import time\n\n\ndef test_injected_hang():\n    time.sleep(30)\n"
TIMEOUT_LIMIT = "2"  # seconds: every test of the corpus' suites takes far less
ASSERTION = "def test_injected():\n    assert 2 + 2 == 5\n"


def test_dir(root: Path, project: Project) -> Path:
    """Where injected test files go."""
    return root / project.tests


def inject(kind: str, runner: str, root: Path, project: Project) -> Case:
    """Inject one fault of ``kind`` into the copy at ``root``; the truth it should give."""
    tests = test_dir(root, project)
    rel = "" if project.tests == "." else project.tests + "/"
    case = Case(project.name, kind, runner)
    if kind in ("assertion", "mixed"):
        (tests / "test_injected.py").write_text(ASSERTION)
        case.location = f"{rel}test_injected.py:2"
    if kind in ("network", "mixed"):
        (tests / "test_injected_net.py").write_text(SERVERS)
        case.strategy = "rerun" if kind == "network" else "patch"
    if kind.startswith("timeout"):
        (tests / "test_injected_timeout.py").write_text(TIMEOUT)
        case.strategy = "rerun"
        case.location = f"{rel}test_injected_timeout.py:5"
        # The thread method ends the process: no JUnit report is written.
        case.ids = {f"{rel}test_injected_timeout.py::test_injected_hang"}
    if kind == "exception":
        line = raise_in(root / project.module, project.function)
        case.location = f"{project.module}:{line}"
    if kind == "conftest":
        conftest = tests / "conftest.py"
        old = conftest.read_text() if conftest.exists() else ""
        conftest.write_text("import nonexistent_module_for_bench\n" + old)
        case.ids, case.location = {f"{rel}conftest.py"}, f"{rel}conftest.py:1"
    if kind.startswith("doctest"):
        module = root / project.module
        start = len(module.read_text().splitlines()) + 3
        module.write_text(module.read_text() + DOCTEST)
        case.runner = "doctest" if kind == "doctest-stdlib" else "pytest-doctest"
        name = project.module.removeprefix("src/").removesuffix(".py").replace("/", ".")
        case.ids = {f"{project.module}::{name}._injected_doctest"}
        case.location = f"{project.module}:{start + 2}"
    if kind == "unittest-loader":
        (tests / "test_injected_broken.py").write_text('raise ImportError("injected fault")\n')
        case.runner = "unittest"
        dotted = (rel + "test_injected_broken").replace("/", ".")
        case.ids, case.location = {dotted}, f"{rel}test_injected_broken.py:1"
    return case


def run(case: Case, root: Path, project: Project) -> tuple[str, int]:
    """Run the suite as CI would; its output and exit code (JUnit truth into ``case``)."""
    env = {"PYTHONPATH": str(root / project.path)}
    if case.runner == "unittest":
        args = ["-m", "unittest", "discover", "-s", project.tests, "-t", "."]
    elif case.runner == "doctest":  # doctest.testmod() on the module, imported as the suite does
        dotted = project.module.removeprefix("src/").removesuffix(".py").replace("/", ".")
        script = f"import doctest, sys, {dotted} as m; sys.exit(doctest.testmod(m).failed > 0)"
        args = ["-c", script]
    elif case.runner == "pytest-doctest":
        args = ["-m", "pytest", "-p", "no:cacheprovider", "--doctest-modules", project.module]
    else:
        report = root / "junit.xml"
        args = ["-m", "pytest", "-p", "no:cacheprovider", "--color=yes", f"--junitxml={report}"]
        if case.runner == "pytest-xdist":
            args += ["-n", "2"]
        if case.kind.startswith("timeout"):
            args.append(f"--timeout={TIMEOUT_LIMIT}")
        if case.kind == "timeout-thread":
            args.append("--timeout-method=thread")
        args.append(project.tests)
        if case.runner == "tox":
            # The project's own tox.ini (if any) gives way to one that runs its suite with this
            # interpreter's pytest: no package, nothing installed, so tox works offline.
            (root / "tox.ini").write_text(
                f"[tox]\nenv_list = py\nno_package = true\n\n[testenv]\n"
                f"allowlist_externals = {sys.executable}\n"
                f"set_env = PYTHONPATH={env['PYTHONPATH']}\n"
                f"commands = {sys.executable} {' '.join(args)}\n"
            )
            args = ["-m", "tox", "-e", "py", "--workdir", str(root.parent / "tox")]
    output, code = run_tool([sys.executable, *args], root, env, timeout=600)
    if (
        case.runner.startswith(("pytest", "tox"))
        and not case.ids
        and (root / "junit.xml").is_file()
    ):
        case.ids = {f.test_id for f in read_junit(root / "junit.xml") if f.test_id}
    return output, code


CASES = (  # (fault kind, runner)
    ("assertion", "pytest"),
    ("exception", "pytest"),
    ("conftest", "pytest"),
    ("network", "pytest"),
    ("mixed", "pytest"),
    ("timeout", "pytest"),
    ("timeout-thread", "pytest"),
    ("assertion", "pytest-xdist"),
    ("exception", "pytest-xdist"),
    ("mixed", "pytest-xdist"),
    ("assertion", "tox"),
    ("exception", "tox"),
    ("doctest-pytest", "pytest-doctest"),
    ("doctest-stdlib", "doctest"),
    ("unittest-loader", "unittest"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "ci-agent-bench")
    parser.add_argument("--projects", default=",".join(p.name for p in PROJECTS))
    args = parser.parse_args()
    chosen = [p for p in PROJECTS if p.name in args.projects.split(",")]
    # (kind, runner) -> [cases, tp, fp, fn, located, strategy]
    totals: dict[tuple[str, str], list[int]] = {}
    misses: list[str] = []
    for project in chosen:
        source = fetch(project, args.cache)
        for kind, runner in CASES:
            if (kind == "unittest-loader" and not project.unittest) or (
                kind == "doctest-pytest" and not project.doctest_modules
            ):
                continue
            with tempfile.TemporaryDirectory(prefix="triage-corpus-") as temp:
                root = Path(temp) / project.name
                shutil.copytree(source, root)
                case = inject(kind, runner, root, project)
                output, code = run(case, root, project)
                log = Path(temp) / "job.log"
                step = RunStep(f"{case.runner} {project.tests}", output, code or 1)
                log.write_text(job_log([step]))
                [job] = triage_logs([log], TriageOptions(roots=(str(root),))).jobs
            found = set(job.failing_tests)
            tp, fp, fn = len(found & case.ids), len(found - case.ids), len(case.ids - found)
            located = case.location is None or (job.locations[:1] == (case.location,))
            right = str(job.decision.strategy) == case.strategy
            row = totals.setdefault((kind, runner), [0, 0, 0, 0, 0, 0])
            for i, value in enumerate((1, tp, fp, fn, located, right)):
                row[i] += int(value)
            if fp or fn or not located or not right:
                misses.append(
                    f"  {project.name}/{kind}/{runner}: ids +{sorted(found - case.ids)[:3]} "
                    f"-{sorted(case.ids - found)[:3]}; first location {job.locations[:1]} "
                    f"(want {case.location}); {job.decision.strategy} (want {case.strategy})"
                )
    names = ", ".join(f"{p.name} {p.version}" for p in chosen)
    print(f"Triage accuracy on {names}, one injected fault per run:")
    print(
        "  kind             runner          runs  failing ids  id recall  id precision"
        "  first location  strategy"
    )
    for (kind, runner), (cases, tp, fp, fn, located, right) in totals.items():
        recall = tp / (tp + fn) if tp + fn else 1.0
        precision = tp / (tp + fp) if tp + fp else 1.0
        print(
            f"  {kind:16s} {runner:14s} {cases:4d}  {tp + fn:11d}  {recall:9.1%}  "
            f"{precision:12.1%}  {located:>7d}/{cases:<6d}  {right:>3d}/{cases}"
        )
    for miss in misses:
        print(miss)


if __name__ == "__main__":
    main()
