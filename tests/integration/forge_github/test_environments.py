"""A GitHub Environment's protection rules through the adapter and the fake: the rules parsed,
GitHub's 404 as "no such environment", a 403 kept as the permission error it is."""

from __future__ import annotations

import pytest

from ci_agent.errors import CiAgentError

from .conftest import Rig


def test_rules_are_read_and_a_missing_environment_is_none(rig: Rig) -> None:
    repo = rig.fake.repo("acme/widgets")
    repo.add_environment("staging")  # no rules
    protection = rig.forge.environment_protection("production")  # seeded by the world
    assert protection is not None
    assert (protection.reviewers, protection.wait_timer_minutes) == (1, 5)
    assert protection.rules == ("required_reviewers", "wait_timer")
    assert protection.requires_reviewers
    bare = rig.forge.environment_protection("staging")
    assert bare is not None and bare.rules == () and not bare.requires_reviewers
    assert rig.forge.environment_protection("nowhere") is None


def test_a_token_that_may_not_read_environments_is_ca304(rig: Rig) -> None:
    rig.fake.faults.status("GET", "/repos/*/environments/*", 403, times=None)
    with pytest.raises(CiAgentError) as caught:
        rig.forge.environment_protection("production")
    assert caught.value.code == "CA304"
    assert "actions: read" in caught.value.message
