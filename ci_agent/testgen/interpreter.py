"""Which Python runs the project's code for test generation, and the sandbox it runs in.

The interpreter is the one the change core finds for the user's tests (``tests.command`` or the
job's ``python`` outside ci-agent's own environment); ``test-generation.python`` and
``--python`` still name one explicitly. Every process then runs inside the sandbox that
``tests.isolation`` asks for.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ci_agent.change.job_python import find_test_command, probe_python
from ci_agent.change.sandbox import Sandbox, make_sandbox
from ci_agent.config_tests import TestsConfig
from ci_agent.errors import fail
from ci_agent.testgen.execute import SandboxExecutor

__all__ = ["PROBES", "ProjectPython", "project_python", "sandbox_executor"]

# The probe scripts run inside the sandbox; in the action they live in ci-agent's own
# environment under $RUNNER_TEMP, which the sandbox hides, so their directory stays reachable.
PROBES = Path(__file__).resolve().parent / "probes"


@dataclass(frozen=True)
class ProjectPython:
    """The command prefix that starts the project's interpreter and how reports name it."""

    command: tuple[str, ...]
    source: str


def project_python(
    configured: str | None, tests: TestsConfig, sandbox: Sandbox, root: Path
) -> ProjectPython:
    """The explicitly named interpreter (CA190 when PATH has none), else the one the change
    core runs the tests with; a ``tests.command`` that names no Python is refused (CA193)."""
    if configured:
        found = shutil.which(configured, path=sandbox.environ.get("PATH"))
        if found is None:
            raise fail("CA190", tried=f"'{configured}'")
        _probe(found, sandbox, root)
        return ProjectPython((found,), f"{found} (test-generation.python)")
    command = find_test_command(tests, sandbox, root)
    if command.python is not None:
        return ProjectPython((command.python,), command.source)
    return ProjectPython(_python_of(command.argv), command.source)


def _probe(python: str, sandbox: Sandbox, root: Path) -> None:
    """CA560 when the named interpreter is not a Python with pytest, CA581 when it lacks
    coverage: said now, not as a failing suite after the baseline run."""
    source = f"{python} (test-generation.python)"
    words, why = probe_python(python, sandbox, root)
    install = (
        f"Install them into that environment ('{python} -m pip install pytest coverage', with "
        "the project and what its tests need), or name another interpreter with --python or "
        "test-generation.python."
    )
    if words is None:
        if not _is_python(python, sandbox, root):
            # /bin/ls or a shell script: what it printed about a '-c' it does not know is noise.
            raise fail("CA190", tried=f"'{python}' is not a Python interpreter")
        raise fail("CA560", tried=f"{source}: no pytest ({why})", suggestion=install)
    if words[2] != "1":
        raise fail(
            "CA581", python=source, problem="coverage is not installed there", suggestion=install
        )


def _is_python(python: str, sandbox: Sandbox, root: Path) -> bool:
    """Whether ``python`` runs Python code at all (asked only when the probe failed)."""
    mark = "ci-agent-is-python"
    try:
        code, output = sandbox.run([python, "-c", f"print('{mark}')"], root, 30.0)
    except OSError:
        return False
    return code == 0 and mark in output.decode("utf-8", "replace")


def _python_of(argv: tuple[str, ...]) -> tuple[str, ...]:
    """``X -m pytest`` gives ``X``; ``... pytest`` gives ``... python`` (``uv run pytest``,
    ``.venv/bin/pytest``); anything else names no interpreter."""
    if len(argv) >= 3 and argv[-2:] == ("-m", "pytest"):
        return argv[:-2]
    last = Path(argv[-1]) if argv else None
    if last is not None and last.name == "pytest":
        return (*argv[:-1], str(last.with_name("python")) if last.parent != Path() else "python")
    raise fail("CA193", command=" ".join(argv))


def sandbox_executor(
    configured: str | None,
    tests: TestsConfig,
    environ: Mapping[str, str],
    root: Path,
    work: Path,
) -> tuple[SandboxExecutor, str]:
    """The production runner for ``root`` (CA561 when no isolation exists and a secret is in
    reach) and the name of its interpreter; ``work`` and the probes stay reachable inside."""
    sandbox = make_sandbox(tests, environ)
    python = project_python(configured, tests, sandbox, root)
    home = work / "home"
    home.mkdir(exist_ok=True)
    return SandboxExecutor(sandbox, python.command, home, root, (work, PROBES)), python.source
