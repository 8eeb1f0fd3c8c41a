"""``ci-agent triage`` without click: for every argument list below, the console entry point
(which takes plain local-triage arguments itself) and the click application give the same
stdout, stderr, exit code and files, good input and bad. Both run as new processes, as users
run them, on a log made by really running pytest."""

from __future__ import annotations

import gzip
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import ci_agent
from ci_agent.commands.triage_args import parse_triage

from .conftest import Project
from .joblog import job_log

ROOT = Path(ci_agent.__file__).resolve().parents[1]
# Console entry point vs the click app it hands over to; each notes whether click was imported.
ENTRY = """\
import sys
from ci_agent.cli import main
try:
    main(sys.argv[1:])
    code = 0
except SystemExit as exc:
    code = exc.code
with open(sys.argv[0] + ".click", "w") as note:
    note.write(f"{'click' in sys.modules} {'ci_agent.config' in sys.modules}")
sys.exit(code)
"""
CLICK = """\
import sys
from ci_agent.cli_app import invoke
sys.exit(invoke(sys.argv[1:]))
"""
FAST = [  # taken by the entry point itself
    ["--log", "job.log"],
    ["--log=job.log", "--root", "{root}"],
    ["--log", "job.log", "--output", "json"],
    ["--log", "job.log", "--output=markdown"],
    ["--log", "job.log", "--output", "text", "-q", "--no-color"],
    ["-v", "--log", "job.log"],
    ["-vv", "--log", "job.log", "--output", "json"],
    ["--verbose", "--verbose", "--log", "job.log"],
    ["--log", "job.log", "--json-out", "whole.json"],
    ["--log", "job.log", "--json-out", "whole.json", "--dry-run"],
    ["--log", "job.log", "--passed", "tests/test_calc.py::test_add"],
    ["--log", "logs"],
    ["--log", "job.log", "--log", "logs", "--root", "{root}", "--root", "elsewhere"],
    ["--junit", "report.xml"],
    ["--log", "missing.log"],
    ["--log", "missing.log", "--output", "json"],
    ["--log", "job.log.gz"],
    ["--log", "job.log", "--config", "missing.yml"],
    ["--log", "job.log", "--config", "bad.yml"],
    ["--log", "job.log", "--config", "bad.yml", "--output", "json"],
    [],
]
CLICK_ONLY = [  # handed to click: its parsing, its errors
    ["--log"],
    ["--log", "-v"],
    ["--log", ""],
    ["--log", "job.log", "--output", "yaml"],
    ["--log", "job.log", "--output", "yaml", "--output", "json"],
    ["--log", "job.log", "--bogus"],
    ["--log", "job.log", "extra"],
    ["--log", "job.log", "--json-out", "logs"],
    ["--log", "job.log", "--config", "logs"],
    ["--log", "job.log", "--rerun"],
    ["--log", "job.log", "--run", "5"],
    ["--log", "job.log", "--repo", "acme/widgets"],
    ["--log", "job.log", "--default-branch", "main"],
    ["--log", "job.log", "-q", "-q"],
    ["--log", "job.log", "-qv"],
    ["--log", "job.log", "--quiet=yes"],
    ["--log", "job.log", "--json-out", "a.json", "--json-out", "b.json"],
    ["--log", "job.log", "--", "x"],
    ["-h"],
    ["--log", "job.log", "--help"],
]
_FLOAT = re.compile(r"\d+\.\d+")  # durations differ from run to run


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with a failing test, its job log (also in a directory, gzipped, and as JUnit),
    a bad configuration file."""
    base = tmp_path_factory.mktemp("fast")
    project = Project(base / "proj")
    project.write("src/calc.py", "def add(a, b):\n    return a - b\n")
    project.write("tests/conftest.py", "import sys\nsys.path.insert(0, 'src')\n")
    project.write(
        "tests/test_calc.py",
        "from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n",
    )
    step = project.pytest("--junit-xml=report.xml", "tests")
    assert step.exit_code == 1, step.output
    log = job_log([step])
    (project.root / "job.log").write_text(log, encoding="utf-8")
    (project.root / "logs").mkdir()
    (project.root / "logs" / "test.log").write_text(log, encoding="utf-8")
    (project.root / "job.log.gz").write_bytes(gzip.compress(log.encode()))
    (project.root / "bad.yml").write_text("fix:\n  triage:\n    max-reruns-per-sha: many\n")
    return project.root


def run(
    script: str, args: list[str], cwd: Path, extra: dict[str, str] | None = None
) -> tuple[int, str, str, str, tuple[bool, bool]]:
    """Exit code, stdout, stderr, the JSON file written (if any), and whether click and the
    configuration layer loaded; ``extra`` is added to the environment."""
    program = cwd.parent / ("entry.py" if script is ENTRY else "click_app.py")
    program.write_text(script)
    (cwd / "whole.json").unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RUNNER_"))}
    env = {k: v for k, v in env.items() if not k.startswith("CI_AGENT_")}
    env.update(PYTHONPATH=str(ROOT), NO_COLOR="1", CI_AGENT_NO_PROGRESS="1", **(extra or {}))
    proc = subprocess.run(
        [sys.executable, str(program), "triage", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    whole = cwd / "whole.json"
    written = whole.read_text() if whole.exists() else ""
    note = Path(str(program) + ".click")
    words = note.read_text().split() if note.exists() else ["False", "False"]
    loaded = (words[0] == "True", words[1] == "True")
    note.unlink(missing_ok=True)
    return (
        proc.returncode,
        _FLOAT.sub("N", proc.stdout),
        _FLOAT.sub("N", proc.stderr),
        written,
        loaded,
    )


def _case(args: list[str], root: Path) -> list[str]:
    return [arg.format(root=root) for arg in args]


@pytest.mark.parametrize("args", FAST + CLICK_ONLY, ids=lambda a: " ".join(a) or "(none)")
def test_the_same_as_click(workdir: Path, args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(workdir)  # paths are checked where the command runs
    args = _case(args, workdir)
    fast = args in [_case(a, workdir) for a in FAST]
    assert (parse_triage(args) is not None) is fast
    code, out, err, written, loaded = run(ENTRY, args, workdir)
    helped = args in (["-h"], ["--help"])  # the stored help pages: no click either
    assert loaded[0] is not (fast or helped)  # the plain arguments never load click
    # Nothing configured here (no config file, no variable): only --config and -vv, which
    # prints the settings, load the configuration layer.
    if fast:
        parsed = parse_triage(args)
        assert parsed is not None
        assert loaded[1] is ("config" in parsed or parsed["verbose"] >= 2)
    click_code, click_out, click_err, click_written, _ = run(CLICK, args, workdir)
    assert (code, out, err, written) == (click_code, click_out, click_err, click_written)
    assert out or err  # something was said, whatever the path


def test_the_paths_find_the_failure(workdir: Path) -> None:
    code, out, _, written, loaded = run(
        ENTRY, ["--log", "job.log", "--json-out", "whole.json"], workdir
    )
    assert (code, loaded) == (0, (False, False))
    assert "tests/test_calc.py::test_add" in out and '"tests/test_calc.py::test_add"' in written


def test_help_loads_neither_click_nor_the_configuration(workdir: Path) -> None:
    program = workdir.parent / "entry.py"
    program.write_text(ENTRY)
    proc = subprocess.run(
        [sys.executable, str(program), "triage", "--help"],
        cwd=workdir,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert "--log FILE|DIR" in proc.stdout
    assert Path(str(program) + ".click").read_text() == "False False"


@pytest.mark.parametrize("program", [ENTRY, CLICK], ids=["entry point", "click"])
def test_a_reader_that_goes_away_ends_it_quietly(
    workdir: Path, tmp_path: Path, program: str
) -> None:
    """``ci-agent triage --log big.log | head``: no traceback, on both paths."""
    lines = [f"FAILED tests/test_calc.py::test_{i} - assert {i} == 0\n" for i in range(20_000)]
    (tmp_path / "big.log").write_text("".join(lines), encoding="utf-8")
    script = tmp_path / "run.py"
    script.write_text(program, encoding="utf-8")
    log = str(tmp_path / "big.log")
    args = [sys.executable, str(script), "triage", "--log", log, "--output", "json"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with subprocess.Popen(
        args, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()  # the reader goes away before the output is written
        errors = process.stderr.read().decode()
        code = process.wait(timeout=120)
    # No traceback; the exit is click's for a broken pipe (1), or 0 when the whole output
    # reached the pipe before the reader left.
    assert errors == "" and code in (0, 1)


# Environments the entry point must read as the configuration layer does: (variables, the
# arguments, whether the configuration layer is needed).
ENVIRONMENTS = [
    ({"CI_AGENT_DRY_RUN": "yes"}, ["--log", "job.log", "--json-out", "whole.json"], False),
    ({"CI_AGENT_DRY_RUN": " off "}, ["--log", "job.log", "--json-out", "whole.json"], False),
    ({"CI_AGENT_DRY_RUN": "maybe"}, ["--log", "job.log"], True),
    ({"CI_AGENT_DRY_RUN": "maybe"}, ["--log", "job.log", "--output", "json"], True),
    ({"CI_AGENT_MODEL": "gpt-4o"}, ["--log", "job.log"], True),
    ({"CI_AGENT_FAIL_LEVEL": "nonsense"}, ["--log", "job.log", "--output", "json"], True),
    ({"CI_AGENT_CONFIG": "bad.yml"}, ["--log", "job.log"], True),
    ({"GITHUB_ACTIONS": "true"}, ["--log", "job.log"], True),
    # Credentials are masked in what is printed: the failing test's name here.
    ({"GITHUB_TOKEN": "test_add"}, ["--log", "job.log", "--output", "json"], False),
    ({"CI_AGENT_PUSH_TOKEN": "test_add"}, ["--log", "job.log"], False),
    ({"GITHUB_WORKSPACE": "{root}/src"}, ["--log", "job.log", "--output", "markdown"], False),
]


@pytest.mark.parametrize(
    ("extra", "args", "configured"), ENVIRONMENTS, ids=lambda v: str(v) if v else "-"
)
def test_the_environment_is_read_as_the_configuration_reads_it(
    workdir: Path, extra: dict[str, str], args: list[str], configured: bool
) -> None:
    extra = {name: value.format(root=workdir) for name, value in extra.items()}
    code, out, err, written, loaded = run(ENTRY, args, workdir, extra)
    assert loaded == (False, configured)
    assert (code, out, err, written) == run(CLICK, args, workdir, extra)[:4]
    if "test_add" in extra.values():
        assert "test_add" not in out + err and "***" in out + err


def test_a_config_file_in_the_working_directory_is_read(workdir: Path, tmp_path: Path) -> None:
    """With ``.github/ci-agent.yml`` the settings are the file's, on both paths."""
    (tmp_path / "job.log").write_bytes((workdir / "job.log").read_bytes())
    config = tmp_path / ".github" / "ci-agent.yml"
    config.parent.mkdir()
    config.write_text("fix:\n  triage:\n    strategies:\n      test: analyze\n", encoding="utf-8")
    args = ["--log", "job.log", "--json-out", "whole.json"]
    code, out, err, written, loaded = run(ENTRY, args, tmp_path)
    assert loaded == (False, True)
    assert "strategy: analyze" in out  # the file's strategy, not the default (patch)
    assert (code, out, err, written) == run(CLICK, args, tmp_path)[:4]
    config.unlink()
    code, out, err, written, loaded = run(ENTRY, args, tmp_path)
    assert loaded == (False, False) and "strategy: patch" in out
    assert (code, out, err, written) == run(CLICK, args, tmp_path)[:4]


# What a plain job log's triage needs none of: the configuration layer and what only GitHub
# mode, archives, --json-out, --output json or threads use; and dataclasses (with the inspect,
# ast and tokenize it loads), since triage's values are records.
NOT_LOADED = [
    "dataclasses",
    "inspect",
    "ast",
    "tokenize",
    "click",
    "ci_agent.config",
    "ci_agent.config_model",
    "ci_agent.compose",
    "ci_agent.retry",
    "ci_agent.commands.common",
    "tempfile",
    "zipfile",
    "shutil",
    "threading",
    "hashlib",
    "base64",
    "zlib",
    "json",
]
MODULES = """\
import sys
from ci_agent.cli import main
try:
    main(sys.argv[1:])
finally:
    sys.stderr.write(" ".join(sorted(sys.modules)))
"""


def test_a_plain_log_loads_only_what_it_needs(workdir: Path, tmp_path: Path) -> None:
    """``ci-agent triage --log job.log`` (a real pytest run's log) starts without the modules
    it does not use; an archive of the same log still finds the failure."""
    program = tmp_path / "modules.py"
    program.write_text(MODULES)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "CI_AGENT_"))}
    env["PYTHONPATH"] = str(ROOT)

    def loaded(*args: str) -> tuple[str, set[str]]:
        proc = subprocess.run(
            [sys.executable, str(program), "triage", *args],
            cwd=workdir,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        return proc.stdout, set(proc.stderr.rsplit("\n", 1)[-1].split())

    out, modules = loaded("--log", "job.log")
    assert "tests/test_calc.py::test_add" in out
    assert sorted(modules & set(NOT_LOADED)) == []
    archive = tmp_path / "logs.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.write(workdir / "job.log", "0_test.txt")
    out, modules = loaded("--log", str(archive))
    assert "tests/test_calc.py::test_add" in out and "job 'test'" in out
    assert {"zipfile", "tempfile"} <= modules
