"""Who gets which delivery, what a landed fix may claim, and what it may touch."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from ci_agent.change.claims import Claims
from ci_agent.change.landing import Target, choose_delivery
from ci_agent.change.scope import Scope, check_scope, check_symlinks, failure_paths
from ci_agent.config_model import FixConfig
from ci_agent.config_validate import validate_section
from ci_agent.errors import CiAgentError
from ci_agent.forge.types import PullRequestInfo


def pr(author: str = "octocat") -> PullRequestInfo:
    return PullRequestInfo(
        1,
        "t",
        "",
        author,
        "NONE",
        False,
        "open",
        "main",
        "b" * 40,
        "feature",
        "a" * 40,
        "acme/widgets",
        False,
    )


def target(*, same: bool = True, author: str = "octocat", bot: bool = False) -> Target:
    return Target(
        "feature",
        "a" * 40,
        pr(author),
        same,
        origin="mallory/widgets",
        author=author,
        author_is_bot=bot,
    )


def test_people_get_the_configured_delivery() -> None:
    assert choose_delivery("push", target()) == ("push", "fix.delivery is push")
    assert choose_delivery("pull-request", target())[0] == "pull-request"
    assert choose_delivery("suggest", target())[0] == "suggest"


def test_a_fork_run_gets_suggestions_whatever_is_configured() -> None:
    mode, why = choose_delivery("push", target(same=False), {"x[bot]": "push"})
    assert mode == "suggest"
    assert "the failed run built mallory/widgets" in why


@pytest.mark.parametrize("login", ["dependabot[bot]", "renovate[bot]"])
def test_bots_get_suggestions_unless_configured(login: str) -> None:
    mode, why = choose_delivery("push", target(author=login, bot=True))
    assert mode == "suggest"
    assert f"{login} is a bot" in why and "fix.bots" in why
    mode, why = choose_delivery("push", target(author=login, bot=True), {login: "push"})
    assert (mode, why) == ("push", f"fix.bots sets push for {login}")


def test_a_repository_default_other_than_push_holds_for_bots() -> None:
    bot = target(author="dependabot[bot]", bot=True)
    assert choose_delivery("pull-request", bot)[0] == "pull-request"


def test_the_bots_setting_is_read_from_the_configuration() -> None:
    config = validate_section(FixConfig, {"bots": {"dependabot[bot]": "pull-request"}})
    assert config.bots == {"dependabot[bot]": "pull-request"}
    with pytest.raises(ValueError, match="bots"):
        validate_section(FixConfig, {"bots": {"dependabot[bot]": "force-push"}})
    with pytest.raises(ValueError, match=r"octocat: not a bot login \(bot logins end in \[bot\]\)"):
        validate_section(FixConfig, {"bots": {"octocat": "push"}})


def test_claims_say_verified_only_for_a_proof_made_here() -> None:
    here = Claims(True, 7, "after: passed 3/3 runs")
    assert here.trailers() == {"Ci-Agent-Verified": "after: passed 3/3 runs"}
    assert "verified" in here.sentence() and here.adjective() == "verified"
    elsewhere = Claims(False, 7, "after: passed 3/3 runs")
    assert elsewhere.trailers() == {
        "Ci-Agent-Rechecked": "applies to head, paths, policy, weakening",
        "Ci-Agent-Reported": "CI run 7: after: passed 3/3 runs",
    }
    assert elsewhere.adjective() == "re-checked"
    assert "not verified by ci-agent" in elsewhere.sentence()


def test_failure_paths_come_from_locations_and_test_ids() -> None:
    paths = failure_paths(
        ["src/calc.py:5", "lib.py", "/usr/lib/x.py:1"], ["tests/test_a.py::test_b"]
    )
    assert paths == {"src/calc.py", "lib.py", "tests/test_a.py"}


def test_scope_names_every_path_outside_it() -> None:
    scope = Scope(frozenset({"calc.py"}), frozenset({"test_calc.py"}))
    assert scope.why("calc.py") == "the pull request changes it"
    assert scope.why("test_calc.py") == "the failed jobs name it"
    check_scope(["calc.py", "test_calc.py"], scope)
    with pytest.raises(CiAgentError) as caught:
        check_scope(["calc.py", "pyproject.toml", "README.md"], scope)
    assert caught.value.code == "CA540"
    assert "pyproject.toml, README.md" in caught.value.message


class Links:
    """A head tree where ``docs`` is a link."""

    def symlinked(self, ref: str, paths: Sequence[str]) -> dict[str, str]:
        return {p: "docs" for p in paths if p.startswith("docs/") or p == "docs"}


def test_a_path_through_a_link_is_refused() -> None:
    check_symlinks(Links(), "a" * 40, ["calc.py"])
    with pytest.raises(CiAgentError) as caught:
        check_symlinks(Links(), "a" * 40, ["calc.py", "docs/workflows/ci.yml"])
    assert caught.value.code == "CA541"
    assert "docs is a symbolic link" in caught.value.message
