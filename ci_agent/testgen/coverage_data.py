"""Line and branch coverage from coverage.py: measured through the executor in the project's
environment, or read from the data a CI job already produced."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ci_agent.errors import fail
from ci_agent.testgen.execute import Execution, Executor

__all__ = [
    "Branch",
    "FileCoverage",
    "combined",
    "coverage_json",
    "measure",
    "parse_coverage_json",
    "read_coverage_data",
]

Branch = tuple[int, int]  # (from line, to line); a negative "to" leaves the function


@dataclass(frozen=True)
class FileCoverage:
    """What ran and what did not in one source file."""

    executed: frozenset[int] = frozenset()
    missing: frozenset[int] = frozenset()
    executed_branches: frozenset[Branch] = frozenset()
    missing_branches: frozenset[Branch] = field(default=frozenset())


def parse_coverage_json(data: Mapping[str, Any], root: Path) -> dict[str, FileCoverage]:
    """``coverage json`` output, keyed by the path relative to ``root`` (POSIX)."""
    files = data.get("files")
    if not isinstance(files, dict):
        raise ValueError("no 'files' object")
    result: dict[str, FileCoverage] = {}
    for name, entry in files.items():
        path = Path(name)
        if path.is_absolute():
            try:
                path = path.resolve().relative_to(root.resolve())
            except ValueError:
                continue  # outside the repository (site-packages)
        result[path.as_posix()] = FileCoverage(
            frozenset(entry.get("executed_lines", ())),
            frozenset(entry.get("missing_lines", ())),
            frozenset((int(a), int(b)) for a, b in entry.get("executed_branches", ())),
            frozenset((int(a), int(b)) for a, b in entry.get("missing_branches", ())),
        )
    return result


def measure(
    executor: Executor,
    root: Path,
    work: Path,
    pytest_args: Sequence[str],
    *,
    timeout: float,
    env: Mapping[str, str] | None = None,
    source_dirs: Sequence[str] = (),
) -> tuple[Execution, dict[str, FileCoverage] | None, str | None]:
    """Run pytest under coverage with branch measurement in ``root``; the coverage of every
    repository file, or None and why not (coverage's own words, when it spoke) when the run
    produced no data. ``source_dirs`` also reports the
    files there that no test imports, as entirely missing (coverage only walks packages below
    a source directory, so every directory holding sources is named)."""
    from ci_agent.testgen.scratch import PLAIN_MODULE, guard_dir

    data = work / f"cov-{uuid.uuid4().hex}.data"
    plugins = str(guard_dir(work))
    given = dict(env or {})
    given["PYTHONPATH"] = ":".join(filter(None, (plugins, given.get("PYTHONPATH"))))
    ran = executor.python(
        [
            "-m",
            "coverage",
            "run",
            "--branch",
            f"--data-file={data}",
            *([f"--source={','.join(source_dirs)}"] if source_dirs else []),
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            # The project's own --cov (pytest-cov) and -n (pytest-xdist) are kept out.
            "-p",
            PLAIN_MODULE,
            *pytest_args,
        ],
        cwd=root,
        timeout=timeout,
        env=given,
    )
    if ran.timed_out or not combined(executor, root, data, timeout=timeout):
        return ran, None, None
    report, problem = coverage_json(executor, root, data, work, timeout=timeout)
    data.unlink(missing_ok=True)
    return ran, report if problem is None else None, problem


def combined(executor: Executor, root: Path, data: Path, *, timeout: float) -> bool:
    """The data file exists; a project whose coverage configuration says ``parallel = true``
    gets one file per process (``DATA.host.pid.random``), combined here into ``data``."""
    if data.exists():
        return True
    if not any(data.parent.glob(f"{data.name}.*")):
        return False
    executor.python(
        ["-m", "coverage", "combine", f"--data-file={data}", "-q", str(data.parent)],
        cwd=root,
        timeout=timeout,
    )
    for part in data.parent.glob(f"{data.name}.*"):
        part.unlink(missing_ok=True)
    return data.exists()


def coverage_json(
    executor: Executor, root: Path, data: Path, work: Path, *, timeout: float
) -> tuple[dict[str, FileCoverage] | None, str | None]:
    """Turn a ``.coverage`` data file into per-file coverage with ``coverage json``."""
    out = work / f"{data.name}.json"
    done = executor.python(
        # The project's fail_under is for its own reports; here every figure is wanted. A file
        # that does not parse (a template, a fixture, Python 2) is left out, not fatal (-i).
        [
            "-m",
            "coverage",
            "json",
            f"--data-file={data}",
            "-o",
            str(out),
            "-q",
            "-i",
            "--fail-under=0",
        ],
        cwd=root,
        timeout=timeout,
    )
    if not done.ok or not out.exists():
        return None, (done.output.strip() or "coverage json wrote nothing")[-2000:]
    try:
        loaded = json.loads(out.read_text(encoding="utf-8"))
        if not loaded.get("meta", {}).get("branch_coverage", False):
            # Without arcs every branch would look covered: no target would have any.
            return None, "it was measured without --branch"
        return parse_coverage_json(loaded, root), None
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        return None, str(exc)
    finally:
        out.unlink(missing_ok=True)


def read_coverage_data(
    executor: Executor, root: Path, given: Path, work: Path, *, timeout: float
) -> dict[str, FileCoverage]:
    """Coverage the CI job produced: a ``coverage json`` report or a ``.coverage`` data file
    (CA192 when it is neither, or holds no branch data)."""
    raw = given.read_bytes() if given.is_file() else None
    if raw is None:
        raise fail("CA192", file=given, problem="the file does not exist")
    if raw.lstrip().startswith(b"{"):
        try:
            loaded = json.loads(raw)
            meta = loaded.get("meta", {})
            if not meta.get("branch_coverage", False):
                raise fail("CA192", file=given, problem="it was measured without --branch")
            return parse_coverage_json(loaded, root)
        except (ValueError, AttributeError) as exc:
            raise fail("CA192", file=given, problem=f"not a coverage JSON report: {exc}") from None
    report, problem = coverage_json(executor, root, given.resolve(), work, timeout=timeout)
    if report is None:
        raise fail("CA192", file=given, problem=problem or "unreadable")
    return report
