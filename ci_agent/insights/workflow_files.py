"""The repository's workflow definitions, read from the default branch through the forge:
triggers, concurrency, and per job its timeout, matrix and dependency installs and caches."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ci_agent.forge.run_protocol import WorkflowFiles

__all__ = ["JobDef", "WorkflowDef", "parse_workflow", "read_workflows"]

FOLDER = ".github/workflows"
_INSTALL = re.compile(
    r"\b(?:pip3?|uv pip|python -m pip) install\b|\bnpm (?:ci|install)\b|\byarn install\b|"
    r"\bpnpm install\b|\bpoetry install\b|\bbundle install\b"
)
# setup-* actions that cache the package manager's downloads when given `cache:`.
_SETUP_WITH_CACHE = ("actions/setup-python", "actions/setup-node", "actions/setup-java")
_MAX_FILES = 100


@dataclass(frozen=True)
class JobDef:
    """One job of a workflow file."""

    id: str
    name: str
    timeout_minutes: float | None
    matrix: bool
    installs: tuple[str, ...]  # the install commands of its run steps
    cached: bool  # actions/cache, or a setup action with `cache:`

    def matches(self, run_name: str) -> bool:
        """Whether a job of a run called ``run_name`` is this one (matrix legs included)."""
        shown = self.id if "${{" in self.name else self.name
        return run_name == shown or run_name.startswith(shown + " (")


@dataclass(frozen=True)
class WorkflowDef:
    """One workflow file: its path, name, events, cancel-in-progress concurrency, jobs."""

    path: str
    name: str
    events: tuple[str, ...]
    cancels: bool
    jobs: tuple[JobDef, ...]


def read_workflows(forge: WorkflowFiles) -> tuple[tuple[WorkflowDef, ...], list[str]]:
    """The workflow files of the default branch, and the ones that could not be parsed."""
    entries = forge.directory_at(FOLDER, None) or ()
    found, problems = [], []
    files = [e for e in entries if e.type == "file" and e.name.endswith((".yml", ".yaml"))]
    for entry in sorted(files, key=lambda e: e.path)[:_MAX_FILES]:
        raw = forge.file_at(entry.path, None)
        if raw is None:
            continue
        parsed = parse_workflow(entry.path, raw)
        if parsed is None:
            problems.append(entry.path)
        else:
            found.append(parsed)
    if len(files) > _MAX_FILES:
        problems.append(f"{len(files) - _MAX_FILES} workflow file(s) past the first {_MAX_FILES}")
    return tuple(found), problems


def parse_workflow(path: str, raw: bytes) -> WorkflowDef | None:
    """The definition in ``raw``; None when it is not a YAML mapping."""
    import yaml

    try:
        data = yaml.safe_load(raw.decode("utf-8", "replace"))
    except yaml.YAMLError:
        return None
    if not isinstance(data, dict):
        return None
    # YAML 1.1 reads the key `on` as true.
    events = _events(data.get("on", data.get(True)))
    jobs = tuple(
        _job(str(job_id), spec)
        for job_id, spec in (data.get("jobs") or {}).items()
        if isinstance(spec, dict)
    )
    name = str(data.get("name") or path.rsplit("/", 1)[-1])
    return WorkflowDef(path, name, events, _cancels(data.get("concurrency")), jobs)


def _events(on: Any) -> tuple[str, ...]:
    if isinstance(on, str):
        return (on,)
    if isinstance(on, list):
        return tuple(str(e) for e in on)
    if isinstance(on, dict):
        return tuple(str(e) for e in on)
    return ()


def _cancels(concurrency: Any) -> bool:
    if isinstance(concurrency, dict):
        return concurrency.get("cancel-in-progress") not in (None, False, "false")
    return False


def _job(job_id: str, spec: dict[str, Any]) -> JobDef:
    steps = [s for s in spec.get("steps") or () if isinstance(s, dict)]
    installs = tuple(
        match.group(0)
        for step in steps
        for match in [_INSTALL.search(str(step.get("run") or ""))]
        if match
    )
    timeout = spec.get("timeout-minutes")
    strategy = spec.get("strategy")
    return JobDef(
        id=job_id,
        name=str(spec.get("name") or job_id),
        timeout_minutes=float(timeout) if isinstance(timeout, int | float) else None,
        matrix=isinstance(strategy, dict) and "matrix" in strategy,
        installs=installs,
        cached=any(_caches(step) for step in steps),
    )


def _caches(step: dict[str, Any]) -> bool:
    uses = str(step.get("uses") or "")
    given = step.get("with")
    with_: dict[str, Any] = given if isinstance(given, dict) else {}
    if uses.startswith("actions/cache"):
        return True
    return uses.startswith(_SETUP_WITH_CACHE) and bool(with_.get("cache"))
