"""The process seam (the project's interpreter, a clean environment, a time limit), the lint
seam (ruff with the repository's rules) and the engines that need a tool the environment lacks."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from ci_agent.change.isolation import choose_isolation
from ci_agent.change.sandbox import Sandbox
from ci_agent.config_tests import TestsConfig
from ci_agent.errors import CiAgentError
from ci_agent.ruff_tool import ruff_configured
from ci_agent.testgen.context import TargetContext
from ci_agent.testgen.execute import SandboxExecutor
from ci_agent.testgen.ghostwriter_engine import GhostwriterEngine
from ci_agent.testgen.interpreter import project_python, sandbox_executor
from ci_agent.testgen.lint import format_module, lint_problems
from ci_agent.testgen.pynguin_engine import PynguinEngine, search_args
from ci_agent.testgen.targets import Target
from ci_agent.testgen.verdict import Limits


def _pythons(tmp_path: Path) -> tuple[Path, Path]:
    own, other = tmp_path / "own" / "bin", tmp_path / "other" / "bin"
    for directory in (own, other):
        directory.mkdir(parents=True)
        # This suite's Python, which has pytest and coverage: the probe of a named one passes.
        (directory / "python3").write_text(f'#!/bin/sh\nexec {sys.executable} "$@"\n')
        (directory / "python3").chmod(0o755)
    return own, other


def test_a_named_interpreter_is_looked_up_on_the_jobs_path(tmp_path: Path) -> None:
    own, other = _pythons(tmp_path)
    environ = {"PATH": os.pathsep.join([str(own), str(other)])}
    sandbox = Sandbox(choose_isolation("none", environ), environ)
    chosen = project_python("python3", TestsConfig(), sandbox, tmp_path)
    assert chosen.command == (str(own / "python3"),)
    assert chosen.source.endswith("(test-generation.python)")
    with pytest.raises(CiAgentError) as missing:
        project_python("nope", TestsConfig(), sandbox, tmp_path)
    assert missing.value.code == "CA190" and "'nope'" in missing.value.message


@pytest.mark.parametrize(
    ("command", "python"),
    [
        (f"{sys.executable} -m pytest", (sys.executable,)),
        (
            f"{Path(sys.executable).parent / 'pytest'}",
            (str(Path(sys.executable).parent / "python"),),
        ),
    ],
)
def test_the_tests_command_gives_the_interpreter(
    tmp_path: Path, command: str, python: tuple[str, ...]
) -> None:
    if not Path(
        command.split(maxsplit=1)[0]
    ).exists():  # pragma: no cover - a venv without the script
        pytest.skip("no pytest script next to this interpreter")
    environ = {"PATH": os.environ["PATH"]}
    sandbox = Sandbox(choose_isolation("none", environ), environ)
    chosen = project_python(None, TestsConfig(command=command), sandbox, tmp_path)
    assert chosen.command == python and command in chosen.source


def test_a_tests_command_without_a_python_is_refused(tmp_path: Path) -> None:
    script = tmp_path / "runtests"
    script.write_text("#!/bin/sh\necho pytest 8.0.0\n")
    script.chmod(0o755)
    environ = {"PATH": os.environ["PATH"]}
    sandbox = Sandbox(choose_isolation("none", environ), environ)
    with pytest.raises(CiAgentError) as refused:
        project_python(None, TestsConfig(command=f"{script} --"), sandbox, tmp_path)
    assert refused.value.code == "CA193" and str(script) in refused.value.message


def test_production_runs_every_process_in_the_sandbox(tmp_path: Path) -> None:
    """The runner the command builds is the sandboxed one, with the job's python; a secret in
    the job's environment never reaches the process."""
    environ = {"PATH": os.environ["PATH"], "OPENAI_API_KEY": "sk-never-inside"}
    work = tmp_path / "work"
    work.mkdir()
    runner, source = sandbox_executor(
        sys.executable, TestsConfig(isolation="none"), environ, tmp_path, work
    )
    assert isinstance(runner, SandboxExecutor) and sys.executable in source
    shown = runner.python(["-c", "import os; print(dict(os.environ))"], cwd=tmp_path, timeout=30)
    assert shown.ok and "sk-never-inside" not in shown.stdout and str(work / "home") in shown.stdout
    slow = runner.python(["-c", "import time; time.sleep(30)"], cwd=tmp_path, timeout=0.5)
    assert slow.timed_out and not slow.ok
    gone = runner.using(str(tmp_path / "no-python")).python(["-c", "1"], cwd=tmp_path, timeout=5)
    assert gone.returncode == 127 and "no-python" in gone.output


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="namespaces are Linux only")
def test_the_pipeline_runs_the_project_in_the_configured_sandbox(tmp_path: Path) -> None:
    from ci_agent.config_testgen import TestGenerationConfig
    from ci_agent.testgen.pipeline import TestsRequest, _executor
    from ci_agent.testgen.scope import Scope

    request = TestsRequest(
        root=tmp_path,
        scope=Scope("all"),
        config=TestGenerationConfig(python=sys.executable),
        environ={"PATH": os.environ["PATH"], "GITHUB_TOKEN": "ghs_kept_out"},
        tests=TestsConfig(isolation="namespaces"),
    )
    runner, python = _executor(request, tmp_path)
    assert isinstance(runner, SandboxExecutor) and python.startswith(sys.executable)
    assert runner.sandbox.isolation.isolated
    ran = runner.python(["-c", "import os; print(os.getpid())"], cwd=tmp_path, timeout=60)
    assert ran.ok and ran.stdout.split()[-1] in {"1", "2"}, ran  # a PID namespace of its own


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="namespaces are Linux only")
def test_the_probes_stay_reachable_where_runner_temp_is_hidden(tmp_path: Path) -> None:
    """In the action ci-agent's environment (and so its probe scripts) is under $RUNNER_TEMP."""
    from ci_agent.testgen.interpreter import PROBES

    hidden = PROBES.parent  # stands for $RUNNER_TEMP around ci-agent's environment
    environ = {"PATH": os.environ["PATH"], "RUNNER_TEMP": str(hidden)}
    work = tmp_path / "work"
    work.mkdir()
    runner, _ = sandbox_executor(
        sys.executable, TestsConfig(isolation="namespaces"), environ, tmp_path, work
    )
    read = "import sys; print(len(open(sys.argv[1]).read()) > 0)"
    probe = runner.python(["-c", read, str(PROBES / "examples.py")], cwd=tmp_path, timeout=60)
    assert probe.ok and probe.stdout.split()[-1] == "True", probe
    masked = runner.python(["-c", read, str(hidden / "execute.py")], cwd=tmp_path, timeout=60)
    assert not masked.ok  # the rest of the hidden directory is not readable


def test_a_process_gets_no_variable_of_ours_and_is_stopped_at_its_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-should-not-pass")
    runner = _direct(Path(sys.executable), tmp_path)
    show = "import os; print(sorted(os.environ), os.environ['HOME'], os.environ['EXTRA'])"
    shown = runner.python(["-c", show], cwd=tmp_path, timeout=30, env={"EXTRA": "1"})
    assert shown.ok and "OPENAI_API_KEY" not in shown.stdout
    assert shown.stdout.rstrip().endswith(f"{tmp_path} 1")
    slow = runner.python(["-c", "import time; time.sleep(30)"], cwd=tmp_path, timeout=0.5)
    assert slow.timed_out and not slow.ok
    missing = _direct(tmp_path / "no-python", tmp_path)
    gone = missing.python(["-c", "1"], cwd=tmp_path, timeout=5)
    assert gone.returncode == 127 and "no-python" in gone.output


def test_the_repositorys_ruff_rules_apply_only_where_it_configures_ruff(tmp_path: Path) -> None:
    source = "import os\nimport sys\n\n\ndef test_x( ):\n    assert sys\n"
    assert not ruff_configured(tmp_path)
    assert lint_problems(source, tmp_path, "tests/test_x.py") is None
    (tmp_path / "pyproject.toml").write_text("[tool.ruff.lint]\nselect = ['F']\n")
    assert ruff_configured(tmp_path)
    assert lint_problems(source, tmp_path, "tests/test_x.py") == [
        "1:8: F401 [*] `os` imported but unused"
    ]
    assert lint_problems("x = 1\n", tmp_path, "tests/test_x.py") == []
    assert format_module(source, tmp_path, "tests/test_x.py").endswith(
        "def test_x():\n    assert sys\n"
    )
    (tmp_path / "pyproject.toml").write_text("not toml [")
    assert not ruff_configured(tmp_path)
    (tmp_path / "ruff.toml").write_text("")
    assert ruff_configured(tmp_path)


def test_a_style_the_repositorys_ruff_rules_ask_for_is_written_not_refused(
    tmp_path: Path,
) -> None:
    # humanize's settings: flake8-pytest-style with comma-separated parametrize names. Every
    # examples test (a tuple of names) was refused at lint with PT006.
    (tmp_path / "pyproject.toml").write_text(
        "[tool.ruff]\nlint.extend-select = ['PT']\n"
        "lint.flake8-pytest-style.parametrize-names-type = 'csv'\n"
    )
    source = (
        "import pytest\n\n\n@pytest.mark.parametrize(('a', 'b'), [(1, 2)])\n"
        "def test_x(a, b):\n    assert a < b\n"
    )
    assert lint_problems(source, tmp_path, "tests/test_x.py") != []

    fixed = format_module(source, tmp_path, "tests/test_x.py")

    assert '@pytest.mark.parametrize("a, b", [(1, 2)])' in fixed
    assert lint_problems(fixed, tmp_path, "tests/test_x.py") == []


def _direct(python: Path, home: Path) -> SandboxExecutor:
    """The production runner with isolation 'none': this machine's interpreter, run directly."""
    environ = dict(os.environ)
    sandbox = Sandbox(choose_isolation("none", environ), environ)
    return SandboxExecutor(sandbox, (str(python),), home, home)


def _context(qualname: str) -> TargetContext:
    target = Target("calc.py", qualname, 1, 2, (2,), ())
    return TargetContext(target, "calc", "", "", (), (), None, "")


def test_engines_say_why_when_their_tool_is_missing(tmp_path: Path) -> None:
    (tmp_path / "calc.py").write_text("def add(a: int, b: int) -> int:\n    return a + b\n")
    runner = _direct(Path(sys.executable), tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    limits = Limits(test_timeout=60)
    ghost = GhostwriterEngine(runner, tmp_path, work, limits)
    assert ghost.propose(_context("Calc.add"), None).problem.endswith("module-level functions only")
    ghost.prepare([_context("add").target, _context("Calc.add").target])
    answer = ghost.propose(_context("add"), None)
    # Written once, in the background, for the whole module; propose finds it.
    assert list(ghost.spent) == ["writing of calc"]
    try:
        import hypothesis  # noqa: F401
    except ImportError:
        assert answer.source is None
        assert answer.problem.startswith("the ghostwriter cannot run: ModuleNotFoundError")
    else:  # pragma: no cover - where Hypothesis is installed
        assert answer.source is not None
    pynguin = PynguinEngine(runner, tmp_path, work, limits, 5)
    assert pynguin.propose(_context("Calc.add"), None).source is None
    missing = pynguin.propose(_context("add"), None)
    assert missing.source is None
    assert (
        missing.problem == "pynguin is not installed in its environment "
        "(test-generation.pynguin-python)"
    )
    assert pynguin.propose(_context("add"), None) == missing  # searched once per module


def test_pynguins_search_ends_on_a_coverage_plateau_only_when_asked(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = search_args(tmp_path, "calc", out, 60.5, 500)
    assert args[:2] == ["-m", "pynguin"]
    # The time limit stays the upper bound; the plateau ends the search earlier.
    assert args[args.index("--maximum-search-time") + 1] == "60"
    assert args[args.index("--maximum-coverage-plateau") + 1] == "500"
    assert "--maximum-coverage-plateau" not in search_args(tmp_path, "calc", out, 60, 0)


def test_the_examples_engine_proposes_nothing_whose_inputs_run_no_missing_line(
    tmp_path: Path,
) -> None:
    # Its cases were chosen for the mutants they tell apart in code the suite already runs,
    # and each such module met lint, alone and five repeat runs before the coverage gate
    # refused it (python-slugify: 7 of 7 candidates, 11 s).
    from ci_agent.testgen.examples_engine import ExamplesEngine

    source = (
        "def shout(text: str) -> str:\n    if len(text) > 50:\n        return 'long'\n"
        "    return text.upper() + '!'\n"
    )
    (tmp_path / "loud.py").write_text(source)
    work = tmp_path / "work"
    work.mkdir()
    engine = ExamplesEngine(
        _direct(Path(sys.executable), tmp_path),
        tmp_path,
        work,
        {"loud.py": source},
        Limits(test_timeout=60),
    )
    target = Target("loud.py", "shout", 1, 4, (3,), ((2, 3),))

    proposal = engine.propose(TargetContext(target, "loud", "", "", (), (), None, ""), None)

    assert proposal.source is None
    assert (
        proposal.problem == "no input found runs the missing lines or branches of the target's file"
    )


def test_a_long_ghostwriter_failure_says_how_much_was_cut_and_how_to_see_it(
    tmp_path: Path,
) -> None:
    from ci_agent.testgen.ghostwriter_engine import _proposal

    out = tmp_path / "out.py"
    out.write_text("# fails: " + "E" * 1000)
    refused = _proposal(out, "")
    assert refused.source is None and refused.problem.endswith(
        "E… (700 more characters; `hypothesis write MODULE` in the project's environment "
        "shows the whole)"
    )
    crashed = _proposal(tmp_path / "missing.py", "x" * 400 + "Killed")
    assert crashed.problem.startswith("the ghostwriter failed: (the last 300 of 406 characters;")
    assert crashed.problem.endswith("Killed")
