"""Bundles as workflow-run artifacts: their names, keyed by the capability and the run whose job
made them (``ci-agent-fix-<run>-…`` for fix), and finding, downloading and validating them in
the privileged job.
"""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

from ci_agent.change.bundle import MAX_BUNDLE_BYTES, ChangeBundle, read_bundle
from ci_agent.errors import fail
from ci_agent.forge.run_protocol import ArtifactStore
from ci_agent.forge.run_types import WorkflowRun

__all__ = ["bundle_file_name", "bundle_prefix", "find_bundle"]


def bundle_prefix(capability: str) -> str:
    """The start of every bundle artifact's name that ``capability`` uploads."""
    return f"ci-agent-{capability}-"


def bundle_file_name(capability: str, run_id: int, attempt: str, job: str, leg: str) -> str:
    """The bundle file one job of a run writes; ``leg`` keeps matrix legs apart."""
    return f"{bundle_prefix(capability)}{run_id}-{attempt}-{_safe(job)}-{leg}.json"


def _safe(name: str) -> str:
    """A job name as a file-name part (GitHub allows any text in job ids' display)."""
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in name)[:60] or "job"


def find_bundle(store: ArtifactStore, run: WorkflowRun, capability: str) -> ChangeBundle | None:
    """The ``capability`` bundle the run uploaded (a verified one first), downloaded and
    validated."""
    prefix = bundle_prefix(capability)
    found = []
    for artifact in store.artifacts():
        if run.created_at and artifact.created_at and artifact.created_at < run.created_at:
            break  # newest first: older artifacts cannot belong to this run
        if artifact.run_id == run.id and artifact.name.startswith(prefix):
            found.append(artifact)
    bundles = []
    with tempfile.TemporaryDirectory(prefix="ci-agent-bundle-") as temp:
        for artifact in found:
            if artifact.expired:
                continue
            path = store.download_artifact(artifact, Path(temp) / f"{artifact.id}")
            bundles.append(read_bundle(_unzipped(path, artifact.name), name=artifact.name))
    bundles.sort(key=lambda b: not b.diff)
    return bundles[0] if bundles else None


def _unzipped(download: Path, name: str) -> Path:
    """The bundle file of an artifact download: as is (uploaded with ``archive: false``) or
    the one member of a zip, read no further than the bundle size cap (no zip bombs)."""
    with download.open("rb") as head:
        if head.read(4) != b"PK\x03\x04":
            return download
    with zipfile.ZipFile(download) as archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        if len(members) != 1:
            raise fail("CA532", name=name, problem=f"{len(members)} files, expected one")
        target = download.with_suffix(".json")
        with archive.open(members[0]) as source, target.open("wb") as out:
            out.write(source.read(MAX_BUNDLE_BYTES + 1))
    return target
