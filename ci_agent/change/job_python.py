"""Which command runs the user's tests: ``tests.command``, else the job's ``python`` (the one
PATH gives outside ci-agent's own virtual environment), checked to have pytest.

In the action, ci-agent lives in a virtual environment of its own that holds its lock only (no
pytest, none of the project's dependencies) and is never put on PATH, while the user's job has
installed the project and pytest into its Python: that Python is the one to use. On a laptop it
is the ``python`` of the user's shell (an activated virtual environment is fine, even one that
holds ci-agent too).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ci_agent.change.sandbox import Sandbox
from ci_agent.config_tests import TestsConfig
from ci_agent.errors import fail

__all__ = [
    "PROBE",
    "TestCommand",
    "find_test_command",
    "own_environment",
    "probe_python",
    "python_candidates",
]

_MARK = "ci-agent-probe"
# Run by the candidate interpreter: does it have pytest, pytest-cov, coverage?
PROBE = (
    "import importlib.util as u, pytest; "
    f"print('{_MARK}', pytest.__version__, "
    "int(u.find_spec('pytest_cov') is not None), int(u.find_spec('coverage') is not None))"
)
_PROBE_SECONDS = 120.0


@dataclass(frozen=True)
class TestCommand:
    """The command prefix pytest's arguments are appended to, and what it offers."""

    __test__ = False  # not a pytest test class

    argv: tuple[str, ...]
    source: str
    pytest_cov: bool = False
    coverage: bool = False
    python: str | None = None  # the interpreter, when ci-agent chose it


def own_environment(environ: Mapping[str, str]) -> Path | None:
    """ci-agent's own virtual environment, unless the user activated it as theirs."""
    if sys.prefix == sys.base_prefix:
        return None
    prefix = Path(sys.prefix).resolve()
    active = environ.get("VIRTUAL_ENV", "")
    if active and Path(active).resolve() == prefix and not (prefix / "ci-agent-own").exists():
        return None
    return prefix


def python_candidates(environ: Mapping[str, str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(interpreters to try, PATH entries skipped because they are ci-agent's own)."""
    own = own_environment(environ)
    found: list[str] = []
    skipped: list[str] = []
    for name in ("python", "python3"):
        for entry in environ.get("PATH", "").split(os.pathsep):
            if not entry:
                continue
            if own is not None and Path(entry).resolve().is_relative_to(own):
                skipped.append(entry)
                continue
            candidate = Path(entry) / name
            if _executable(candidate):
                found.append(str(candidate))
                break
    return tuple(dict.fromkeys(found)), tuple(dict.fromkeys(skipped))


def _executable(path: Path) -> bool:
    try:
        return path.is_file() and os.access(path, os.X_OK)
    except OSError:  # a PATH entry this user may not search
        return False


def find_test_command(config: TestsConfig, sandbox: Sandbox, root: Path) -> TestCommand:
    """The command that runs pytest in ``root``; CA560 names everything tried when none has
    pytest, CA563 when ``tests.command`` cannot start."""
    configured = config.argv()
    if configured is not None:
        return _configured(configured, sandbox, root)
    candidates, skipped = python_candidates(sandbox.environ)
    tried: list[str] = []
    for python in candidates:
        words, why = probe_python(python, sandbox, root)
        if words is not None:
            source = f"{python} (the job's python on PATH)"
            return TestCommand(
                (python, "-m", "pytest"), source, words[1] == "1", words[2] == "1", python
            )
        tried.append(f"{python}: no pytest ({why})")
    if not candidates:
        tried.append("no python or python3 on PATH")
    if skipped:
        tried.append(f"skipped ci-agent's own environment on PATH: {', '.join(skipped)}")
    raise fail("CA560", tried="; ".join(tried))


def _configured(argv: tuple[str, ...], sandbox: Sandbox, root: Path) -> TestCommand:
    command = " ".join(argv)
    source = f"tests.command '{command}'"
    try:
        code, output = sandbox.run([*argv, "--version", "--version"], root, _PROBE_SECONDS)
    except OSError as exc:
        raise fail("CA563", command=command, problem=exc.strerror or str(exc)) from None
    text = output.decode("utf-8", "replace")
    if code != 0 or "pytest" not in text:
        last = text.strip().splitlines()[-1:] or [f"exit status {code}"]
        raise fail("CA560", tried=f"{source}: it does not run pytest ({last[0][:200]})")
    return TestCommand(argv, source, pytest_cov="pytest-cov" in text)


def probe_python(python: str, sandbox: Sandbox, root: Path) -> tuple[list[str] | None, str]:
    """What ``python`` offers in the sandbox (pytest's version, then 1 or 0 for pytest-cov and
    coverage), or None and why not: the last line it printed (its first 200 characters)."""
    try:
        code, output = sandbox.run([python, "-c", PROBE], root, _PROBE_SECONDS)
    except OSError as exc:
        return None, f"it cannot start: {exc.strerror or exc}"
    words = _probe_line(output)
    if code == 0 and words is not None:
        return words, ""
    last = output.decode("utf-8", "replace").strip().splitlines()[-1:]
    if not last:
        return None, f"exit status {code}, no output"
    return None, last[0] if len(last[0]) <= 200 else last[0][:200] + "… (its last line, cut)"


def _probe_line(output: bytes) -> list[str] | None:
    for line in output.decode("utf-8", "replace").splitlines():
        words = line.split()
        if len(words) == 4 and words[0] == _MARK:
            return words[1:]
    return None
