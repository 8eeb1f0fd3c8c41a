"""ghapi 2.x (sync transport, ``gh_host`` pointed at the fake) against the fake."""

from __future__ import annotations

import pytest
from fasttransport.errors import APIError

from tests.fakes.github_server import FakeGitHub

from .world import World, build


@pytest.fixture(params=[False, True], ids=["root", "ghes"])
def api(request: pytest.FixtureRequest, fake_github: FakeGitHub) -> tuple[object, World]:
    world = build(fake_github)
    return fake_github.ghapi("acme", "widgets", ghes=request.param), world


def test_repos_and_git_data(api: tuple[object, World]) -> None:
    gh, world = api
    assert gh.repos.get().default_branch == "main"  # type: ignore[attr-defined]
    ref = gh.git.get_ref("heads/feature")  # type: ignore[attr-defined]
    assert ref.object.sha == world.head_sha
    tree = gh.git.get_tree(world.head_sha, recursive=1)  # type: ignore[attr-defined]
    assert "docs/guide.md" in [e.path for e in tree.tree]
    content = gh.repos.get_content("README.md", ref="main")  # type: ignore[attr-defined]
    assert content.encoding == "base64"
    assert gh.repos.get_collaborator_permission_level("alice").permission == "write"  # type: ignore[attr-defined]
    diff = gh.repos.compare_commits(
        "main...feature",  # type: ignore[attr-defined]
        headers_={"Accept": "application/vnd.github.diff"},
    )
    assert isinstance(diff, str) and diff.startswith("diff --git a/app.py b/app.py")


def test_pulls_diff_files_and_reviews(api: tuple[object, World]) -> None:
    gh, world = api
    pr = gh.pulls.get(world.pr)  # type: ignore[attr-defined]
    assert pr.author_association == "COLLABORATOR"
    diff = gh.pulls.get(world.pr, headers_={"Accept": "application/vnd.github.v3.diff"})  # type: ignore[attr-defined]
    assert "+LINE THREE" in diff
    files = gh.pulls.list_files(world.pr)  # type: ignore[attr-defined]
    assert [f.status for f in files] == ["modified", "added", "renamed"]
    review = gh.pulls.create_review(
        world.pr,
        body="ok",
        event="COMMENT",
        comments=[  # type: ignore[attr-defined]
            {"path": "app.py", "line": 16, "start_line": 15, "body": "range"}
        ],
    )
    assert review.state == "COMMENTED"
    with pytest.raises(APIError) as caught:
        gh.pulls.create_review(
            world.pr,
            event="COMMENT",  # type: ignore[attr-defined]
            comments=[{"path": "nope.py", "line": 1, "body": "x"}],
        )
    assert caught.value.status_code == 422
    reviews = gh.pulls.list_reviews(world.pr)  # type: ignore[attr-defined]
    assert [r.body for r in reviews] == ["Looks fine", "", "ok"]


def test_issue_comments_and_reactions(api: tuple[object, World]) -> None:
    gh, world = api
    comment = gh.issues.create_comment(world.pr, body="hello")  # type: ignore[attr-defined]
    first = gh.reactions.create_for_issue_comment(comment.id, content="+1")  # type: ignore[attr-defined]
    again = gh.reactions.create_for_issue_comment(comment.id, content="+1")  # type: ignore[attr-defined]
    assert first.id == again.id
    since = gh.issues.list_comments_for_repo(since=comment.created_at)  # type: ignore[attr-defined]
    assert comment.id in [c.id for c in since]
    gh.issues.delete_comment(comment.id)  # type: ignore[attr-defined]
    with pytest.raises(APIError) as caught:
        gh.issues.get_comment(comment.id)  # type: ignore[attr-defined]
    assert caught.value.status_code == 404


def test_checks_statuses_and_actions(api: tuple[object, World]) -> None:
    gh, world = api
    run = gh.checks.create(
        name="ci-agent",
        head_sha=world.head_sha,
        status="completed",  # type: ignore[attr-defined]
        conclusion="success",
        output={"title": "t", "summary": "s"},
    )
    assert gh.checks.get(run.id).conclusion == "success"  # type: ignore[attr-defined]
    combined = gh.repos.get_combined_status_for_ref("feature")  # type: ignore[attr-defined]
    assert combined.state == "pending"
    runs = gh.actions.list_workflow_runs_for_repo(head_sha=world.head_sha)  # type: ignore[attr-defined]
    assert runs.total_count == 1
    jobs = gh.actions.list_jobs_for_workflow_run(world.run)  # type: ignore[attr-defined]
    assert [j.conclusion for j in jobs.jobs] == ["success", "failure"]
    gh.actions.re_run_workflow_failed_jobs(world.run)  # type: ignore[attr-defined]
    assert world.repo.reruns[-1]["failed_only"] is True
    arts = gh.actions.list_workflow_run_artifacts(world.run)  # type: ignore[attr-defined]
    assert arts.artifacts[0].digest.startswith("sha256:")
    deployments = gh.repos.list_deployments(environment="staging")  # type: ignore[attr-defined]
    assert [d.id for d in deployments] == [world.deployment]
    limit = gh.rate_limit.get()  # type: ignore[attr-defined]
    assert limit.resources.core.remaining < 5000
