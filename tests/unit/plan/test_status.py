"""``record_status`` on the in-memory forge: found again, never created twice, refused refs."""

from __future__ import annotations

import pytest

from ci_agent.errors import CiAgentError
from ci_agent.forge.memory import InMemoryForge
from ci_agent.plan.status import record_status


def test_states_accumulate_on_one_deployment() -> None:
    forge = InMemoryForge()
    deployment = forge.seed_deployment("d" * 40, "staging", task="deploy:api")
    for state in ("in_progress", "success"):
        done = record_status(forge, unit="api", environment="staging", state=state, sha="d" * 40)
        assert done["deployment"] == deployment.id and done["created"] is False
    assert forge.deployment_state(deployment.id) == "success"
    assert [c.method for c in forge.writes()] == ["set_deployment_state"] * 2


def test_an_unknown_commit_is_refused_as_github_does() -> None:
    forge = InMemoryForge()
    with pytest.raises(CiAgentError) as caught:
        record_status(forge, unit="api", environment="prod", state="queued", sha="e" * 40)
    assert caught.value.code == "CA308"


def test_a_dry_run_writes_nothing() -> None:
    forge = InMemoryForge()
    done = record_status(
        forge, unit="api", environment="prod", state="queued", sha="e" * 40, dry_run=True
    )
    assert done["dry_run"] is True
    assert forge.writes() == []
