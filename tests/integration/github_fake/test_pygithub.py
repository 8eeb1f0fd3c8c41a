"""PyGithub against the fake: a representative call per area, at ``/`` and ``/api/v3``."""

from __future__ import annotations

import base64

import github
import pytest

from tests.fakes.github_server import FakeGitHub

from .world import World, build


@pytest.fixture(params=[False, True], ids=["root", "ghes"])
def client(request: pytest.FixtureRequest, fake_github: FakeGitHub) -> tuple[github.Github, World]:
    world = build(fake_github)
    return fake_github.pygithub(ghes=request.param), world


def test_repository_branches_contents_compare(client: tuple[github.Github, World]) -> None:
    gh, world = client
    repo = gh.get_repo("acme/widgets")
    assert (repo.full_name, repo.default_branch, repo.private) == ("acme/widgets", "main", False)
    assert {b.name for b in repo.get_branches()} >= {"main", "feature", "small"}
    assert repo.get_branch("feature").commit.sha == world.head_sha
    content = repo.get_contents("app.py", ref="feature")
    assert not isinstance(content, list)
    assert b"LINE THREE" in content.decoded_content
    assert sorted(c.path for c in repo.get_contents("lib")) == ["lib/util.py"]  # type: ignore[union-attr]
    comparison = repo.compare("main", "feature")
    assert (comparison.status, comparison.ahead_by, comparison.total_commits) == ("diverged", 1, 1)
    assert [c.sha for c in comparison.commits] == [world.head_sha]
    assert {f.filename for f in comparison.files} == {"app.py", "new_name.txt", "docs/guide.md"}
    assert gh.get_rate_limit().resources.core.limit == 5000


def test_git_data_round_trip(client: tuple[github.Github, World]) -> None:
    gh, world = client
    repo = gh.get_repo("acme/widgets")
    blob = repo.create_git_blob(base64.b64encode(b"data\n").decode(), "base64")
    base_tree = repo.get_git_tree("feature")
    tree = repo.create_git_tree(
        [github.InputGitTreeElement("data.txt", "100644", "blob", sha=blob.sha)], base_tree
    )
    parent = repo.get_git_commit(world.head_sha)
    commit = repo.create_git_commit("Add data", tree, [parent])
    ref = repo.get_git_ref("heads/feature")
    ref.edit(commit.sha)  # a fast-forward
    assert world.repo.branch_sha("feature") == commit.sha
    with pytest.raises(github.GithubException) as caught:
        ref.edit(world.base_sha)
    assert (caught.value.status, caught.value.data["message"]) == (
        422,
        "Update is not a fast forward",
    )
    ref.edit(world.base_sha, force=True)
    created = repo.create_git_ref("refs/heads/other", commit.sha)
    assert created.object.sha == commit.sha
    tree_paths = {e.path for e in repo.get_git_tree(commit.sha, recursive=True).tree}
    assert {"data.txt", "lib", "lib/util.py", "docs/guide.md"} <= tree_paths
    assert world.repo.git.read_blob(blob.sha) == b"data\n"


def test_pull_request_files_diff_and_reviews(client: tuple[github.Github, World]) -> None:
    gh, world = client
    pr = gh.get_repo("acme/widgets").get_pull(world.pr)
    assert (pr.head.sha, pr.base.ref, pr.user.login) == (world.head_sha, "main", "alice")
    assert (pr.additions, pr.deletions, pr.changed_files, pr.commits) == (4, 2, 3, 1)
    assert pr.mergeable is True
    files = {f.filename: f for f in pr.get_files()}
    assert files["new_name.txt"].status == "renamed"
    assert files["new_name.txt"].previous_filename == "old_name.txt"
    assert files["app.py"].patch.startswith("@@ -1,6 +1,6 @@")
    review = pr.create_review(
        body="Nits",
        event="COMMENT",
        comments=[{"path": "app.py", "line": 19, "side": "RIGHT", "body": "extra?"}],
    )
    assert review.state == "COMMENTED"
    with pytest.raises(github.GithubException) as caught:
        pr.create_review(
            body="Bad",
            event="COMMENT",
            comments=[{"path": "app.py", "line": 10, "body": "outside"}],
        )
    assert caught.value.status == 422
    assert caught.value.data["errors"] == ["Line could not be resolved"]
    assert [c.body for c in pr.get_review_comments()][-1] == "extra?"
    comment = pr.create_review_comment("one line", pr.get_commits()[0], "app.py", line=3)
    assert comment.line == 3 and comment.side == "RIGHT"
    fork_pr = gh.get_repo("acme/widgets").get_pull(world.fork_pr)
    assert fork_pr.head.repo.full_name == "mallory/widgets"
    assert fork_pr.draft is True
    merged = gh.get_repo("acme/widgets").get_pull(world.merged_pr)
    assert merged.merged and merged.state == "closed"


def test_issues_comments_reactions_and_metadata(client: tuple[github.Github, World]) -> None:
    gh, world = client
    repo = gh.get_repo("acme/widgets")
    numbers = {i.number: i for i in repo.get_issues(state="all")}
    assert numbers[world.pr].pull_request is not None
    assert numbers[world.issue].pull_request is None
    issue = repo.get_issue(world.issue)
    comment = issue.create_comment("<!-- ci-agent:summary:1 -->\nSummary")
    comment.edit("<!-- ci-agent:summary:1 -->\nUpdated")
    assert repo.get_issue(world.issue).get_comment(comment.id).body.endswith("Updated")
    reaction = comment.create_reaction("eyes")
    assert reaction.content == "eyes"
    assert [r.content for r in comment.get_reactions()] == ["eyes"]
    assert [m.title for m in repo.get_milestones()] == ["v1"]
    assert {label.name for label in repo.get_labels()} >= {"bug", "enhancement"}
    release = repo.get_latest_release()
    assert (release.tag_name, [a.name for a in release.assets]) == ("v1.0.0", ["widgets.tar.gz"])


def test_checks_statuses_permissions_deployments(client: tuple[github.Github, World]) -> None:
    gh, world = client
    repo = gh.get_repo("acme/widgets")
    run = repo.create_check_run("ci-agent", world.head_sha, status="in_progress")
    notes = [
        {
            "path": "app.py",
            "start_line": n,
            "end_line": n,
            "annotation_level": "notice",
            "message": f"note {n}",
        }
        for n in range(1, 51)
    ]
    run.edit(output={"title": "Review", "summary": "50 notes", "annotations": notes})
    run.edit(
        conclusion="neutral",
        output={"title": "Review", "summary": "51 notes", "annotations": notes[:1]},
    )
    assert run.output.annotations_count == 51
    assert len(list(run.get_annotations())) == 51
    with pytest.raises(github.GithubException) as caught:
        run.edit(output={"title": "t", "summary": "s", "annotations": notes + notes[:1]})
    assert caught.value.status == 422
    names = {c.name for c in repo.get_commit(world.head_sha).get_check_runs()}
    assert names == {"lint", "test", "ci-agent"}, "Actions jobs are check runs too"
    commit = repo.get_commit(world.head_sha)
    commit.create_status("failure", context="ci-agent", description="bad")
    assert commit.get_combined_status().state == "failure"
    assert repo.get_collaborator_permission("alice") == "write"
    assert repo.get_collaborator_permission("bob") == "read"
    assert repo.get_collaborator_role_name("carol") == "admin"
    deployment = repo.create_deployment("feature", environment="preview", required_contexts=[])
    deployment.create_status("success", environment_url="https://preview.test")
    assert [s.state for s in deployment.get_statuses()] == ["success"]


def test_actions_runs_jobs_rerun_artifacts(client: tuple[github.Github, World]) -> None:
    gh, world = client
    repo = gh.get_repo("acme/widgets")
    failed = list(repo.get_workflow_runs(status="failure", head_sha=world.head_sha))
    assert [r.id for r in failed] == [world.run]
    run = failed[0]
    assert [p.number for p in run.pull_requests] == [world.pr]
    fork_run = next(iter(repo.get_workflow_runs(branch="patch-1")))
    assert fork_run.pull_requests == [], "fork PRs are not listed on workflow runs"
    jobs = {j.name: j for j in run.jobs()}
    assert jobs["test"].conclusion == "failure"
    assert [s.name for s in jobs["test"].steps] == ["Set up job", "pytest"]
    assert run.rerun_failed_jobs() is True
    assert world.repo.reruns[-1]["job_ids"] == [jobs["test"].id]
    assert repo.get_workflow_run(world.run).status == "queued"
    artifacts = list(repo.get_artifacts())
    assert [a.name for a in artifacts] == ["coverage"]
    assert artifacts[0].delete() is True
    assert list(repo.get_artifacts()) == []
