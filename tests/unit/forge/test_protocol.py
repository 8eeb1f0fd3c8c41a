"""The protocols are small, runtime-checkable, and compose into what each capability needs."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from ci_agent import forge
from ci_agent.forge import protocol, run_protocol

SMALL = [
    getattr(module, name)
    for module in (protocol, run_protocol)
    for name in module.__all__
    if not name.endswith(("Forge", "Client", "Source"))
]


def members(cls: type) -> set[str]:
    return {n for n, v in vars(cls).items() if inspect.isfunction(v) and not n.startswith("_")}


def all_members(cls: type) -> set[str]:
    return set().union(*(members(base) for base in cls.__mro__ if base is not object))


@pytest.mark.parametrize("cls", SMALL, ids=lambda c: c.__name__)
def test_each_protocol_has_one_to_four_methods(cls: type) -> None:
    assert 1 <= len(members(cls)) <= 4, members(cls)


def test_the_capability_groups() -> None:
    assert all_members(forge.ChangeSource) == {
        "pull_request",
        "changed_files",
        "diff",
        "commits",
        "file_contents",
    }
    review = all_members(forge.ReviewForge)
    assert {"create_review", "add_reaction", "complete_check_run", "permission"} <= review
    assert "rerun_failed_jobs" not in review
    fix = all_members(forge.FixForge)
    assert {"download_job_log", "rerun_failed_jobs", "push", "pull_requests_for"} <= fix
    assert {"listing", "reviews", "download_artifact", "commits"} <= all_members(forge.BackupForge)
    assert {"deployments", "deployment_state", "diff"} <= all_members(forge.PlanForge)


class _Partial:
    """Has only some of ArtifactStore's methods."""

    def artifacts(self, name: str | None = None) -> Any:
        return iter(())


class _Store(_Partial):
    """Has all of ArtifactStore's methods."""

    def download_artifact(self, artifact: Any, dest: Any) -> Any:
        return dest

    def delete_artifact(self, artifact_id: int) -> None:
        return None


def test_runtime_checks() -> None:
    assert not isinstance(_Partial(), forge.ArtifactStore)
    assert isinstance(_Store(), forge.ArtifactStore)
    assert not isinstance(_Store(), forge.BackupForge)


def test_the_package_reexports_every_public_name() -> None:
    from ci_agent.forge import run_types, types

    for module in (protocol, run_protocol, types, run_types):
        assert set(module.__all__) <= set(forge.__all__), module.__name__
