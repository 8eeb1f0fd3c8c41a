"""Backup listings (PyGithub): pages of 100 with Link, ``since``; deployments for plans."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ci_agent.forge.github_archive import since_param
from ci_agent.forge.run_types import ArchiveKind

from .conftest import Rig


def test_250_issues_come_in_three_pages_through_link(rig: Rig) -> None:
    rig.world.repo.add_issues(250 - len(rig.world.repo.issues))  # the world has a few already
    records = list(rig.forge.listing(ArchiveKind.ISSUES))
    assert len(records) == 250
    assert len({r["number"] for r in records}) == 250
    pages = rig.fake.requests.filter("GET", "/repos/acme/widgets/issues")
    assert [r.query.get("page", ["1"])[0] for r in pages] == ["1", "2", "3"]
    first = pages[0].query
    assert (first["per_page"], first["state"], first["sort"]) == (["100"], ["all"], ["updated"])
    assert rig.calls()["GET /repos/{owner}/{repo}/issues"] == 3


def test_issues_since(rig: Rig) -> None:
    rig.fake.clock.set("2030-01-01T00:00:00Z")
    rig.world.repo.add_issues(5, step=60)  # 00:00 .. 00:04
    since = datetime(2030, 1, 1, 0, 2, tzinfo=UTC)
    titles = [r["title"] for r in rig.forge.listing(ArchiveKind.ISSUES, since)]
    assert titles == ["Issue 3", "Issue 4", "Issue 5"]
    query = rig.fake.requests.filter("GET", "/repos/*/issues")[-1].query
    assert query["since"] == ["2030-01-01T00:02:00Z"]
    assert since_param(datetime(2030, 1, 1)) == "2030-01-01T00:00:00Z", "naive is UTC"


def test_pull_requests_since_stop_at_the_first_older_one(rig: Rig) -> None:
    everything = list(rig.forge.listing(ArchiveKind.PULLS))
    assert sorted(r["number"] for r in everything) == sorted(
        [rig.world.pr, rig.world.fork_pr, rig.world.merged_pr]
    )
    newest = max(datetime.fromisoformat(r["updated_at"]) for r in everything)
    recent = list(rig.forge.listing(ArchiveKind.PULLS, newest))
    assert {r["updated_at"] for r in recent} == {newest.strftime("%Y-%m-%dT%H:%M:%SZ")}
    later = list(rig.forge.listing(ArchiveKind.PULLS, newest + timedelta(seconds=1)))
    assert later == []
    assert rig.fake.requests.filter("GET", "/repos/*/pulls")[-1].query["direction"] == ["desc"]


def test_comments_releases_labels_milestones_and_reviews(rig: Rig) -> None:
    listing = rig.forge.listing
    assert {c["body"] for c in listing(ArchiveKind.ISSUE_COMMENTS)} == {"Confirmed", "LGTM?"}
    assert [c["body"] for c in listing(ArchiveKind.REVIEW_COMMENTS)] == ["Why upper?", "Because."]
    far = datetime(2100, 1, 1, tzinfo=UTC)
    assert list(listing(ArchiveKind.ISSUE_COMMENTS, far)) == []
    assert list(listing(ArchiveKind.REVIEW_COMMENTS, far)) == []
    [release] = listing(ArchiveKind.RELEASES)
    assert release["tag_name"] == "v1.0.0"
    assert release["assets"][0]["name"] == "widgets.tar.gz"
    assert {"bug", "enhancement"} <= {label["name"] for label in listing(ArchiveKind.LABELS)}
    assert [m["title"] for m in listing(ArchiveKind.MILESTONES)] == ["v1"]
    assert [r["body"] for r in rig.forge.reviews(rig.world.pr)] == ["Looks fine", ""]


def test_deployments_and_their_state(rig: Rig) -> None:
    [deployment] = rig.forge.deployments("staging")
    assert (deployment.id, deployment.environment, deployment.creator) == (
        rig.world.deployment,
        "staging",
        "carol",
    )
    assert list(rig.forge.deployments("production")) == []
    assert rig.forge.deployment_state(deployment.id) == "success"
    fresh = rig.world.repo.add_deployment("main", environment="production")
    assert rig.forge.deployment_state(fresh.id) is None
