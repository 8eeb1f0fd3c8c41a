"""Wheel build hook: record the release commit in ``ci_agent/release.json``.

``ci-agent init`` pins the workflows it writes to this commit. The commit comes from
``CI_AGENT_RELEASE_COMMIT`` (set by ``scripts/release``, and needed to build from an sdist), or
from git when HEAD carries the tag ``v<version>``. Any other build records nothing, and ``init``
then asks for ``--ref``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

__all__ = ["ReleaseRecordHook", "release_commit"]

_SHA = re.compile(r"[0-9a-f]{40}")


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, check=False
        )
    except OSError:
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def release_commit(root: Path, version: str, environ: dict[str, str]) -> str | None:
    """The commit to record for ``version``, or None for a build that is not a release."""
    given = environ.get("CI_AGENT_RELEASE_COMMIT", "").strip().lower()
    if given:
        if not _SHA.fullmatch(given):
            raise ValueError(f"CI_AGENT_RELEASE_COMMIT={given!r} is not a full commit SHA")
        return given
    tagged = _git(root, "rev-parse", "--verify", "--quiet", f"refs/tags/v{version}^{{commit}}")
    head = _git(root, "rev-parse", "HEAD")
    # A dirty tree is not the tagged commit: its files may differ from the release.
    dirty = _git(root, "status", "--porcelain", "--untracked-files=no")
    if tagged and head == tagged and dirty == "":
        return head
    return None


class ReleaseRecordHook(BuildHookInterface):  # type: ignore[type-arg]
    """Adds ``ci_agent/release.json`` to release wheels."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        """Write the record to a temporary file and force-include it in the wheel."""
        if self.target_name != "wheel":
            return
        commit = release_commit(Path(self.root), self.metadata.version, dict(os.environ))
        if commit is None:
            return
        record = {"version": self.metadata.version, "commit": commit}
        self._dir = tempfile.TemporaryDirectory(prefix="ci-agent-release-")
        path = Path(self._dir.name) / "release.json"
        path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        build_data["force_include"][str(path)] = "ci_agent/release.json"

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        """Remove the temporary record."""
        directory = getattr(self, "_dir", None)
        if directory is not None:
            directory.cleanup()
