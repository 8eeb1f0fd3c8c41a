"""Triage of logs made by really running the tools: pytest (assertion, exception in the code,
fixture error, collection errors, every traceback style), unittest, ruff, mypy, a crashing
script, gcc, node; coloured, timestamped and split into steps as GitHub serves them."""

from __future__ import annotations

import shutil

import pytest

from ci_agent.triage.model import Kind

from .conftest import Project
from .joblog import RunStep


def line_of(project: Project, path: str, needle: str) -> int:
    """The 1-based line of ``path`` that holds ``needle``."""
    lines = (project.root / path).read_text().splitlines()
    return next(n for n, text in enumerate(lines, 1) if needle in text)


def test_a_failing_assertion(project: Project) -> None:
    project.write(
        "tests/test_calc.py",
        "from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 4\n",
    )
    install = RunStep("pip install -e .", "Successfully installed calc-0.1\n")
    result = project.triage(install, project.pytest("tests"))
    [job] = result.jobs
    assert job.failing_tests == ("tests/test_calc.py::test_add",)
    assert job.locations == (
        f"tests/test_calc.py:{line_of(project, 'tests/test_calc.py', 'assert')}",
    )
    assert job.steps == ("Run python -m pytest tests",)
    assert job.exit_code == 1
    assert job.kind is Kind.TEST
    assert job.failures[0].message == "assert 3 == 4"
    assert (str(job.decision.strategy), job.decision.rule) == ("patch", "kind")
    assert job.decision.reason == "1 failing test (pytest) in step 'Run python -m pytest tests'"
    assert "E       assert 3 == 4" in job.excerpt
    assert (str(result.decision.strategy), result.decision.reason) == ("patch", job.decision.reason)


def test_an_exception_in_the_code_points_at_the_raise(project: Project) -> None:
    project.write(
        "tests/test_calc.py",
        """\
        from calc import divide


        def test_divide_by_zero():
            assert divide(1, 0) == 0
        """,
    )
    [job] = project.triage(project.pytest("tests")).jobs
    assert job.failing_tests == ("tests/test_calc.py::test_divide_by_zero",)
    raise_line = line_of(project, "src/calc.py", "raise ZeroDivisionError")
    assert job.locations == (f"src/calc.py:{raise_line}",)
    assert job.failures[0].message == "ZeroDivisionError: b must not be zero"


def test_a_fixture_error_and_a_failure_in_the_same_run(project: Project) -> None:
    project.write(
        "tests/conftest.py",
        """\
        import pathlib
        import sys

        import pytest

        sys.path.insert(0, str(pathlib.Path(__file__).parent.parent / "src"))


        @pytest.fixture
        def numbers():
            return [1, 2, 3]


        @pytest.fixture
        def database():
            raise ConnectionError("database is not configured")
        """,
    )
    project.write(
        "tests/test_db.py",
        """\
        def test_query(database):
            assert database


        class TestUsers:
            def test_names(self):
                assert ["ann", "bob"] == ["ann", "eve"]
        """,
    )
    [job] = project.triage(project.pytest("tests")).jobs
    assert job.failing_tests == (
        "tests/test_db.py::test_query",
        "tests/test_db.py::TestUsers::test_names",
    )
    fixture = line_of(project, "tests/conftest.py", "raise ConnectionError")
    names = line_of(project, "tests/test_db.py", '"eve"')
    assert job.locations == (f"tests/conftest.py:{fixture}", f"tests/test_db.py:{names}")
    assert job.failures[0].message == "ConnectionError: database is not configured"


def test_collection_errors_import_and_syntax(project: Project) -> None:
    project.write("tests/test_broken.py", "import nonexistent_module\n")
    project.write("tests/test_syntax.py", "def test_x():\n    x = (1,\n")
    step = project.pytest("tests")
    [job] = project.triage(step).jobs
    assert job.failing_tests == ("tests/test_broken.py", "tests/test_syntax.py")
    assert job.locations[0] == "tests/test_broken.py:1"
    assert job.locations[1].startswith("tests/test_syntax.py:")
    assert job.failures[0].message.startswith("collection error: ModuleNotFoundError")
    assert "SyntaxError" in job.failures[1].message
    assert job.exit_code == 2


@pytest.mark.parametrize("style", ["auto", "long", "short", "native", "line"])
def test_every_traceback_style_gives_the_same_location(project: Project, style: str) -> None:
    project.write(
        "tests/test_calc.py",
        """\
        import pytest
        from calc import divide


        @pytest.mark.parametrize("b", [1, 0, "a - b"])
        def test_divide(b):
            if b == "a - b":
                return
            assert divide(4, b) == 4
        """,
    )
    [job] = project.triage(project.pytest("-v", f"--tb={style}", "tests")).jobs
    assert job.failing_tests == ("tests/test_calc.py::test_divide[0]",)
    raise_line = line_of(project, "src/calc.py", "raise ZeroDivisionError")
    assert job.locations == (f"src/calc.py:{raise_line}",)


def test_unittest(project: Project) -> None:
    project.write(
        "ut/test_mod.py",
        """\
        import unittest


        class TestMath(unittest.TestCase):
            def test_add(self):
                self.assertEqual(1 + 1, 3)

            def test_lookup(self):
                {}["missing"]

            def test_ok(self):
                pass
        """,
    )
    project.root.joinpath("ut", "__init__.py").write_text("")
    [job] = project.triage(project.python("-m", "unittest", "ut.test_mod")).jobs
    assert job.failing_tests == (
        "ut.test_mod.TestMath.test_lookup",
        "ut.test_mod.TestMath.test_add",
    )
    assert job.locations == (
        f"ut/test_mod.py:{line_of(project, 'ut/test_mod.py', 'missing')}",
        f"ut/test_mod.py:{line_of(project, 'ut/test_mod.py', 'assertEqual')}",
    )
    assert job.failures[1].message == "AssertionError: 2 != 3"
    assert str(job.decision.strategy) == "patch"


def test_ruff_check_with_a_rule_no_fixer_fixes_needs_a_patch(project: Project) -> None:
    project.write("src/bad.py", "import os\nimport sys\n\n\ndef f():\n    return undefined_name\n")
    [job] = project.triage(project.ruff("check", "--select", "F", "src")).jobs
    assert job.kind is Kind.LINT
    assert [(f.code, str(f.location), f.fixable) for f in job.failures] == [
        ("F401", "src/bad.py:1", True),
        ("F401", "src/bad.py:2", True),
        ("F821", "src/bad.py:6", False),
    ]
    assert (str(job.decision.strategy), job.decision.rule) == ("patch", "unfixable")
    assert job.decision.reason == (
        "3 lint violations (ruff; 2 with an automatic fix): 1 no fixer can fix (F821) "
        "in step 'Run ruff check --select F src'"
    )
    concise = project.ruff("check", "--select", "F821", "--output-format=concise", "src")
    [job] = project.triage(concise).jobs
    assert [(f.code, f.fixable) for f in job.failures] == [("F821", False)]
    assert str(job.decision.strategy) == "patch"


def test_ruff_check_goes_to_the_fixers(project: Project) -> None:
    project.write("src/bad.py", "import os\nimport sys\n")
    [job] = project.triage(project.ruff("check", "--select", "F", "src")).jobs
    assert [(f.code, f.fixable) for f in job.failures] == [("F401", True), ("F401", True)]
    assert (str(job.decision.strategy), job.decision.rule) == ("fixers", "kind")
    assert job.decision.reason == (
        "2 lint violations (ruff; 2 with an automatic fix) in step 'Run ruff check --select F src'"
    )


def test_ruff_concise_output_and_format_check(project: Project) -> None:
    project.write("src/bad.py", "import os\n\n\n\nx=1\n")
    concise = project.ruff("check", "--select", "F401", "--output-format=concise", "src")
    [job] = project.triage(concise).jobs
    assert [(f.tool, f.code, str(f.location)) for f in job.failures] == [
        ("ruff", "F401", "src/bad.py:1")
    ]
    [job] = project.triage(project.ruff("format", "--check", "src")).jobs
    assert (job.kind, str(job.decision.strategy)) == (Kind.FORMAT, "fixers")
    assert [f.location.path for f in job.failures if f.location] == ["src/bad.py"]


def test_mypy_type_errors_need_a_patch(project: Project) -> None:
    project.write("src/typed.py", 'def f(x: int) -> str:\n    return x\n\n\ny: int = "a"\n')
    [job] = project.triage(project.mypy("--strict", "src/typed.py")).jobs
    assert job.kind is Kind.TYPE
    assert job.locations == ("src/typed.py:2", "src/typed.py:5")
    assert [f.code for f in job.failures] == ["return-value", "assignment"]
    assert str(job.decision.strategy) == "patch"


def test_a_crashing_script(project: Project) -> None:
    project.write(
        "scripts/load.py",
        """\
        import json


        def load(path):
            with open(path) as handle:
                return json.load(handle)


        try:
            load("/nonexistent/config.json")
        except FileNotFoundError as exc:
            raise RuntimeError("config missing") from exc
        """,
    )
    [job] = project.triage(project.python("scripts/load.py")).jobs
    assert job.kind is Kind.EXCEPTION
    assert job.failures[0].message == "RuntimeError: config missing"
    assert job.locations == (f"scripts/load.py:{line_of(project, 'scripts/load.py', 'raise')}",)
    assert str(job.decision.strategy) == "patch"


@pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc is not installed")
def test_gcc_errors(project: Project) -> None:
    project.write("c/main.c", "int main(void) {\n    int x = 1;\n    return y;\n}\n")
    step = project.run("make", "gcc", "-Wall", "-c", "c/main.c", "-o", "/dev/null")
    [job] = project.triage(step).jobs
    assert (job.kind, job.locations) == (Kind.BUILD, ("c/main.c:3",))
    assert "undeclared" in job.failures[0].message


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_an_uncaught_node_error(project: Project) -> None:
    project.write("boom.js", 'function f() {\n  throw new TypeError("no thing");\n}\nf();\n')
    [job] = project.triage(project.run("node boom.js", "node", str(project.root / "boom.js"))).jobs
    assert job.kind is Kind.EXCEPTION
    assert (job.failures[0].message, job.locations) == ("TypeError: no thing", ("boom.js:2",))


def test_a_connection_reset_is_infrastructure(project: Project) -> None:
    """A real reset: a local server that aborts the connection (SO_LINGER 0 sends RST)."""
    project.write(
        "scripts/fetch.py",
        """\
        import socket
        import struct
        import threading

        server = socket.create_server(("127.0.0.1", 0))


        def reset_once():
            conn, _ = server.accept()
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()


        threading.Thread(target=reset_once).start()
        client = socket.create_connection(server.getsockname())
        client.sendall(b"GET / HTTP/1.1\\r\\n\\r\\n")
        threading.Event().wait(0.2)
        client.recv(1024)
        client.recv(1024)
        """,
    )
    step = project.python("scripts/fetch.py")
    assert "ConnectionResetError" in step.output
    [job] = project.triage(step).jobs
    assert job.kind is Kind.NETWORK
    assert (str(job.decision.strategy), job.decision.rule) == ("rerun", "infrastructure")
    assert "Connection reset by peer" in job.decision.reason


def test_a_process_killed_by_sigkill_is_an_out_of_memory_kill(project: Project) -> None:
    script = "python -c 'import os, signal; os.kill(os.getpid(), signal.SIGKILL)'"
    step = project.run("python train.py", "bash", "-c", f"{script}; exit $?")
    assert step.exit_code == 137
    [job] = project.triage(step).jobs
    assert (job.kind, str(job.decision.strategy)) == (Kind.OOM, "rerun")
    assert job.exit_code == 137
