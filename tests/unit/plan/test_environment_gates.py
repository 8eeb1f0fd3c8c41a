"""The environment gates against the in-memory forge: which environments are read, and the
findings for a missing environment, a missing reviewers rule and a short wait timer."""

from __future__ import annotations

from ci_agent.forge.memory import InMemoryForge
from ci_agent.forge.run_types import EnvironmentProtection
from ci_agent.plan.environments import check_environments, environments_markdown

PLAN = {
    "environments": [
        {"environment": "dev", "approval": False, "wait_timer_minutes": 0},
        {"environment": "staging", "approval": False, "wait_timer_minutes": 30},
        {"environment": "production", "approval": True, "wait_timer_minutes": 0},
    ]
}


def test_only_gated_environments_are_read_and_each_gap_is_a_finding() -> None:
    forge = InMemoryForge()
    forge.seed_environment(
        EnvironmentProtection("staging", rules=("wait_timer",), wait_timer_minutes=10)
    )
    done = check_environments(forge, PLAN)
    assert [c.args["name"] for c in forge.calls if c.method == "environment_protection"] == [
        "staging",
        "production",
    ]
    assert [(f["code"], f["environment"]) for f in done["findings"]] == [
        ("CA554", "staging"),
        ("CA553", "production"),
    ]
    assert "waits 10 minute(s)" in done["findings"][0]["message"]
    assert "set it to 30 minutes" in done["findings"][0]["suggestion"]
    assert "does not exist" in done["findings"][1]["message"]
    text = environments_markdown(done)
    assert text.count("- **CA55") == 2


def test_a_reviewers_rule_with_nobody_in_it_is_no_approval() -> None:
    forge = InMemoryForge()
    forge.seed_environment(EnvironmentProtection("production", rules=("required_reviewers",)))
    forge.seed_environment(
        EnvironmentProtection("staging", rules=("wait_timer",), wait_timer_minutes=30)
    )
    done = check_environments(forge, PLAN)
    assert [f["code"] for f in done["findings"]] == ["CA553"]
    forge.seed_environment(
        EnvironmentProtection("production", rules=("required_reviewers",), reviewers=2)
    )
    done = check_environments(forge, PLAN)
    assert done["findings"] == [] and len(done["checked"]) == 2
    assert "gates hold in GitHub: `staging`, `production`" in environments_markdown(done)


def test_no_gates_reads_nothing() -> None:
    forge = InMemoryForge()
    done = check_environments(forge, {"environments": PLAN["environments"][:1]})
    assert done == {"checked": [], "findings": [], "skipped": ""}
    assert environments_markdown(done) == ""
    assert not forge.calls
