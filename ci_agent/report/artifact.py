"""The report-artifact surface: the whole report as a JSON file the action uploads.

Posted texts must fit GitHub's limits and may leave rows out; they then point here. The file
is written only in Actions (into ``RUNNER_TEMP``, which the runner empties after the job) and
never in a dry run; the action's upload step reads its path from the ``artifact-path`` output.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ci_agent.atomic import write_bytes_atomically
from ci_agent.report.value import ArtifactRef

__all__ = ["report_artifact_name", "run_url", "write_json_artifact"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def report_artifact_name(capability: str, key: str, environ: Mapping[str, str]) -> str:
    """A name unique per run attempt and job (upload-artifact refuses a name twice in a run)."""
    parts = [
        "ci-agent",
        capability,
        key,
        environ.get("GITHUB_JOB", ""),
        f"run{environ.get('GITHUB_RUN_ID', '0')}",
        f"attempt{environ.get('GITHUB_RUN_ATTEMPT', '1')}",
    ]
    return _UNSAFE.sub("-", "-".join(p for p in parts if p)) + ".json"


def run_url(environ: Mapping[str, str]) -> str:
    """The page of this workflow run, where its artifacts are listed ("" outside Actions)."""
    server = environ.get("GITHUB_SERVER_URL") or "https://github.com"
    repository, run_id = environ.get("GITHUB_REPOSITORY"), environ.get("GITHUB_RUN_ID")
    return (
        f"{server.rstrip('/')}/{repository}/actions/runs/{run_id}" if repository and run_id else ""
    )


def write_json_artifact(
    environ: Mapping[str, str], name: str, data: Mapping[str, Any]
) -> ArtifactRef | None:
    """Write ``data`` as ``RUNNER_TEMP/name``; None outside Actions (no runner temp)."""
    folder = environ.get("RUNNER_TEMP")
    if not folder:
        return None
    content = json.dumps(data, indent=1, sort_keys=True, default=str).encode("utf-8")
    path = Path(folder) / name
    write_bytes_atomically(path, content)
    return ArtifactRef(path, name, hashlib.sha256(content).hexdigest())
