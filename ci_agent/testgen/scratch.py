"""Scratch copies of the repository: candidates and mutants run there, never in the checkout."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ci_agent.testgen.outcomes import REPORT_MODULE, REPORT_PLUGIN

__all__ = [
    "FORKS_MODULE",
    "GUARD_PLUGIN",
    "PLAIN_MODULE",
    "guard_dir",
    "scratch_copy",
    "snapshot",
]

FORKS_MODULE = "ci_agent_testgen_forks"
# Loaded in every measured run: test generation runs pytest in one process under coverage. A
# project whose pytest options start pytest-cov (`--cov`) would begin a second measurement that
# takes coverage's tracer (its data then holds nothing), and pytest-xdist's workers (`-n 2`)
# run the tests where neither coverage nor the per-test report sees them. pytest-cov's option is
# cleared before its own hook reads it, xdist's worker count set to none before it acts on it;
# without either plugin this one does nothing.
PLAIN_MODULE = "ci_agent_testgen_plain"
_PLAIN_PLUGIN = """\
import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_load_initial_conftests(early_config, parser, args):
    namespace = early_config.known_args_namespace
    if getattr(namespace, "cov_source", None):
        namespace.cov_source = None
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_cmdline_main(config):
    if getattr(config.option, "numprocesses", None):
        config.option.numprocesses = 0
        config.option.distload = False
        config.option.dist = "no"
    yield
"""
_FORKS_PLUGIN = Path(__file__).resolve().parent / "probes" / "forks.py"

# Directories never copied: version control, environments, caches.
_SKIPPED = (
    ".git",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    "__pycache__",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    "node_modules",
    ".hypothesis",
    "*.egg-info",
)

# A pytest plugin loaded into every candidate run: the network is refused and long sleeps are
# cut, so a test that relies on either fails where it is checked instead of passing by luck.
GUARD_PLUGIN = """\
import socket
import time

_SLEEP_BOUND = float(__import__("os").environ.get("CI_AGENT_TESTGEN_SLEEP_BOUND", "1.0"))
_sleep = time.sleep


def _refused(*args, **kwargs):
    raise OSError("network access is refused in generated tests")


def _bounded_sleep(seconds):
    if seconds > _SLEEP_BOUND:
        raise RuntimeError(f"time.sleep({seconds}) exceeds the bound of {_SLEEP_BOUND} s")
    _sleep(seconds)


# The repeat gate runs some of its runs with the clock moved (and another time zone, CI
# unset): a test that pins a value read from the clock fails there instead of a minute later.
_SHIFT = float(__import__("os").environ.get("CI_AGENT_TESTGEN_CLOCK_SHIFT", "0") or 0)
if _SHIFT:
    _clock = time.time
    _clock_ns = time.time_ns
    _localtime, _gmtime, _ctime, _asctime, _strftime = (
        time.localtime, time.gmtime, time.ctime, time.asctime, time.strftime
    )
    time.time = lambda: _clock() + _SHIFT
    time.time_ns = lambda: _clock_ns() + int(_SHIFT * 1_000_000_000)
    time.localtime = lambda secs=None: _localtime(time.time() if secs is None else secs)
    time.gmtime = lambda secs=None: _gmtime(time.time() if secs is None else secs)
    time.ctime = lambda secs=None: _ctime(time.time() if secs is None else secs)
    time.asctime = lambda t=None: _asctime(time.localtime() if t is None else t)
    time.strftime = lambda fmt, t=None: _strftime(fmt, time.localtime() if t is None else t)

socket.socket.connect = _refused
socket.socket.connect_ex = _refused
socket.socket.bind = _refused
socket.getaddrinfo = _refused
socket.create_connection = _refused
time.sleep = _bounded_sleep

# Writes while a test module is imported or a test runs: only under pytest's temporary
# directory (tmp_path), the working copy (compared before and after), anonymous temporary
# files and caches of compiled modules. The check is in the process, so it sees a write
# however the code spells its open().
import os as _os
import sys as _sys

_ALLOWED = [_os.path.realpath(_os.getcwd())]
if _os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
    _ALLOWED.append(_os.path.realpath(_os.environ["HYPOTHESIS_STORAGE_DIRECTORY"]))
_ACTIVE = [False]
_WRITE_FLAGS = _os.O_WRONLY | _os.O_RDWR | _os.O_CREAT | _os.O_APPEND | _os.O_TRUNC
_TMPFILE = getattr(_os, "O_TMPFILE", 0)


def _audit(event, args):
    if event != "open" or not _ACTIVE[0]:
        return
    path, mode, flags = args
    if path is None or isinstance(path, int):
        return
    writing = (mode is not None and any(c in str(mode) for c in "wax+")) or (
        isinstance(flags, int) and flags & _WRITE_FLAGS
    )
    if not writing or (_TMPFILE and isinstance(flags, int) and flags & _TMPFILE == _TMPFILE):
        return
    full = _os.path.realpath(_os.fsdecode(path))
    if full == _os.devnull or "__pycache__" in full.split(_os.sep):
        return
    if any(full == root or full.startswith(root + _os.sep) for root in _ALLOWED):
        return
    raise PermissionError(f"a generated test may not write outside tmp_path: {full}")


_sys.addaudithook(_audit)

import pytest as _pytest


def pytest_configure(config):
    factory = getattr(config, "_tmp_path_factory", None)
    if factory is not None:
        _ALLOWED.append(_os.path.realpath(str(factory.getbasetemp())))


@_pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    _ACTIVE[0] = True
    try:
        yield
    finally:
        _ACTIVE[0] = False


@_pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    _ACTIVE[0] = True
    try:
        yield
    finally:
        _ACTIVE[0] = False
"""


@contextmanager
def scratch_copy(root: Path, parent: Path | None = None) -> Iterator[Path]:
    """A copy of ``root``'s files (without .git, environments and caches), removed afterwards."""
    base = Path(tempfile.mkdtemp(prefix="ci-agent-tests-", dir=parent))
    try:
        target = base / root.name
        skipped = shutil.ignore_patterns(*_SKIPPED)
        inside = base.resolve()

        def ignore(directory: str, names: list[str]) -> set[str]:
            # The temporary directory may lie inside the project: never copy the copy.
            here = Path(directory).resolve()
            return set(skipped(directory, names)) | {n for n in names if here / n == inside}

        shutil.copytree(root, target, ignore=ignore, symlinks=True)
        yield target
    finally:
        shutil.rmtree(base, ignore_errors=True)


def guard_dir(parent: Path) -> Path:
    """A directory holding the guard plugin, the per-test report plugin, the mutant gate's
    fork plugin and the one that keeps pytest-cov and pytest-xdist out (put on PYTHONPATH,
    loaded with ``-p``)."""
    directory = parent / "_guard"
    directory.mkdir(exist_ok=True)
    (directory / "ci_agent_testgen_guard.py").write_text(GUARD_PLUGIN, encoding="utf-8")
    (directory / f"{REPORT_MODULE}.py").write_text(REPORT_PLUGIN, encoding="utf-8")
    forks = _FORKS_PLUGIN.read_text(encoding="utf-8")
    (directory / f"{FORKS_MODULE}.py").write_text(forks, encoding="utf-8")
    (directory / f"{PLAIN_MODULE}.py").write_text(_PLAIN_PLUGIN, encoding="utf-8")
    return directory


def snapshot(root: Path) -> frozenset[str]:
    """Every file path under ``root`` (relative), to see what a test run wrote."""
    return frozenset(
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and ".pytest_cache" not in p.parts
    )
