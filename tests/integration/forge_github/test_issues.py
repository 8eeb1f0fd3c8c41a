"""Issues (the failure issue's listing, opening without duplicates, closing) and commit ranges."""

from __future__ import annotations

import pytest

from ci_agent.errors import CiAgentError

from .conftest import Rig

ISSUES = "/repos/acme/widgets/issues"
MARKED = "<!-- ci-agent:failing:workflow-1:main -->\nCI fails on main."


def test_open_issues_filter_by_label_and_leave_pull_requests_out(rig: Rig) -> None:
    repo = rig.world.repo
    labelled = repo.add_issue("Broken", body="x", labels=["ci-agent"])
    repo.add_issue("Other", body="y", labels=["bug"])
    closed = repo.add_issue("Old", body="z", labels=["ci-agent"])
    closed.state = "closed"
    repo.issues[rig.world.pr].labels.append("ci-agent")  # a pull request with the label
    found = list(rig.forge.open_issues("ci-agent"))
    assert [i.number for i in found] == [labelled.number]
    [issue] = found
    assert (issue.title, issue.body, issue.author, issue.state) == (
        "Broken",
        "x",
        "octocat",
        "open",
    )
    assert issue.url.endswith(f"/acme/widgets/issues/{labelled.number}")
    [request] = rig.fake.requests.filter("GET", ISSUES)
    assert request.query["labels"] == ["ci-agent"]
    assert request.query["state"] == ["open"]


def test_an_issue_opened_despite_a_502_is_not_opened_twice(rig: Rig) -> None:
    rig.fake.faults.apply_then_fail("POST", ISSUES)
    opened = rig.forge.create_issue("CI failing on main: CI", MARKED, ["ci-agent"])
    mine = [i for i in rig.world.repo.issues.values() if i.body == MARKED]
    assert [i.number for i in mine] == [opened.number]
    assert mine[0].labels == ["ci-agent"]
    assert mine[0].user == "ci-bot"
    assert rig.fake.requests.count("POST", ISSUES) == 1


def test_an_issue_without_a_marker_is_not_re_sent_after_an_ambiguous_failure(rig: Rig) -> None:
    rig.fake.faults.apply_then_fail("POST", ISSUES)
    with pytest.raises(CiAgentError) as caught:
        rig.forge.create_issue("Plain", "no marker", ["ci-agent"])
    assert caught.value.code == "CA306"
    assert rig.fake.requests.count("POST", ISSUES) == 1
    assert len([i for i in rig.world.repo.issues.values() if i.title == "Plain"]) == 1


def test_close_issue_is_completed(rig: Rig) -> None:
    issue = rig.world.repo.add_issue("Broken", body="x", labels=["ci-agent"])
    closed = rig.forge.close_issue(issue.number)
    assert closed.state == "closed"
    assert rig.world.repo.issues[issue.number].state_reason == "completed"


def test_newest_commits_lists_the_commits_after_base_oldest_first(rig: Rig) -> None:
    repo = rig.world.repo
    base = repo.branch_sha("main")
    assert base is not None
    first = repo.commit("main", {"a.txt": "a\n"}, "First")
    second = repo.commit("main", {"b.txt": "b\n"}, "Second\n\nBody")
    commits, total = rig.forge.newest_commits(base, second, 20)
    assert [(c.sha, c.message.splitlines()[0]) for c in commits] == [
        (first, "First"),
        (second, "Second"),
    ]
    assert total == 2
    assert rig.fake.requests.count("GET", "/repos/*/compare/*") == 1
    with pytest.raises(CiAgentError) as caught:
        rig.forge.newest_commits("0" * 40, second, 20)
    assert caught.value.code.startswith("CA3")


@pytest.mark.parametrize(("count", "pages"), [(105, 2), (210, 3)])
def test_newest_commits_reads_the_last_pages_only(rig: Rig, count: int, pages: int) -> None:
    repo = rig.world.repo
    base = repo.branch_sha("main")
    assert base is not None
    shas = [repo.commit("main", {"n.txt": f"{n}\n"}, f"Commit {n}") for n in range(count)]
    commits, total = rig.forge.newest_commits(base, shas[-1], 20)
    assert total == count
    assert [c.sha for c in commits] == shas[-20:]
    asked = [r.query.get("page") for r in rig.fake.requests.filter("GET", "/repos/*/compare/*")]
    # The first page (for the total), then the newest page; it is short, so one page before.
    expected = [["1"], [str(pages)]] + ([[str(pages - 1)]] if pages > 2 else [])
    assert asked == expected
