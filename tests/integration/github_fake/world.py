"""A seeded repository with one of everything the fake serves, for schema and client tests."""

from __future__ import annotations

from dataclasses import dataclass

from tests.fakes.github_server import FakeGitHub, RepoState

APP = "".join(f"line {n}\n" for n in range(1, 21))
# feature: line 3 changed, line 18 changed + a line added (two hunks), a rename, a new file.
APP_FEATURE = APP.replace("line 3\n", "LINE THREE\n").replace("line 18\n", "line 18!\nextra\n")


@dataclass
class World:
    """Ids of what ``build`` created in ``acme/widgets``."""

    repo: RepoState
    fork: RepoState
    base_sha: str
    head_sha: str
    blob_sha: str  # app.py on main
    fork_sha: str
    pr: int
    fork_pr: int
    merged_pr: int
    issue: int
    issue_comment: int
    review: int
    review_comment: int
    check_run: int
    deployment: int
    run: int
    failed_job: int
    artifact: int
    release: int
    pending_review: int = 0  # set by tests that need one


def build(fake: FakeGitHub) -> World:
    """Seed ``acme/widgets`` (and the fork ``mallory/widgets``)."""
    repo = fake.create_repo(
        "acme/widgets",
        files={
            "app.py": APP,
            "lib/util.py": "def util():\n    return 1\n",
            "README.md": "# widgets\n",
            "old_name.txt": "same content\n",
        },
    )
    base = repo.branch_sha("main")
    assert base
    for login, level in (("alice", "write"), ("bob", "read"), ("carol", "admin")):
        repo.grant(login, level)
    head = repo.commit(
        "feature",
        {
            "app.py": APP_FEATURE,
            "old_name.txt": None,
            "new_name.txt": "same content\n",
            "docs/guide.md": "# Guide\n",
        },
        "Feature work",
    )
    pr = repo.open_pull(
        "feature", title="Feature work", body="Adds things", user="alice", labels=["enhancement"]
    )
    fork = fake.state.fork_repo(repo, "mallory/widgets")
    fork_sha = fork.commit("patch-1", {"lib/util.py": "def util():\n    return 2\n"}, "Tweak")
    fork_pr = repo.open_pull(
        "patch-1", head_repo=fork, title="Tweak util", user="mallory", draft=True
    )
    repo.commit("small", {"README.md": "# widgets!\n"}, "Readme")
    merged = repo.open_pull("small", title="Readme", user="carol")
    repo.merge_pull(merged.number, by="carol")
    milestone = repo.add_milestone("v1", description="First")
    issue = repo.add_issue(
        "Bug",
        body="It breaks",
        user="bob",
        labels=["bug"],
        milestone=milestone.number,
        assignees=["alice"],
    )
    comment = repo.add_issue_comment(issue.number, "Confirmed", user="alice")
    repo.add_issue_comment(pr.number, "LGTM?", user="bob")
    repo.react(("issue_comment", comment.id), "bob", "+1")
    repo.react(("issue", issue.id), "carol", "eyes")
    review = repo.add_review(
        pr.number,
        user="carol",
        body="Looks fine",
        event="COMMENT",
        comments=[{"path": "app.py", "line": 3, "body": "Why upper?"}],
    )
    review_comment = next(iter(repo.review_comments.values()))
    repo.add_review_comment(pr.number, user="alice", body="Because.", in_reply_to=review_comment.id)
    repo.react(("review_comment", review_comment.id), "alice", "heart")
    check = repo.create_check_run(
        {
            "name": "lint",
            "head_sha": head,
            "conclusion": "failure",
            "output": {
                "title": "2 problems",
                "summary": "See below",
                "annotations": [
                    {
                        "path": "app.py",
                        "start_line": 3,
                        "end_line": 3,
                        "annotation_level": "warning",
                        "message": "Shouting",
                    }
                ],
            },
        }
    )
    repo.add_status(head, "success", context="ci/build", description="ok")
    repo.add_status(head, "pending", context="ci/deploy")
    deployment = repo.add_deployment("main", environment="staging", creator="carol")
    repo.add_environment("production", reviewers=("carol",), wait_timer=5)
    repo.add_deployment_status(deployment.id, "success", environment_url="https://staging.test")
    run = repo.add_workflow_run(
        name="CI",
        head_sha=head,
        head_branch="feature",
        event="pull_request",
        conclusion="failure",
        jobs=[
            {
                "name": "lint",
                "conclusion": "success",
                "steps": [{"name": "ruff", "log": "All good"}],
            },
            {
                "name": "test",
                "conclusion": "failure",
                "steps": [
                    {
                        "name": "pytest",
                        "conclusion": "failure",
                        "log": "FAILED tests/test_app.py::test_x\nE   assert 1 == 2",
                    }
                ],
            },
        ],
    )
    failed_job = run.job_ids[1]
    repo.add_workflow_run(
        name="CI", head_sha=fork_sha, head_branch="patch-1", event="pull_request", head_repo=fork
    )
    artifact = repo.add_artifact("coverage", run=run, files={"coverage.xml": "<coverage/>"})
    release = repo.add_release(
        "v1.0.0",
        name="One",
        body="First release",
        assets=[
            {
                "name": "widgets.tar.gz",
                "data": b"tarball",
                "content_type": "application/gzip",
                "digest": "sha256:" + "ab" * 32,
            }
        ],
    )
    return World(
        repo,
        fork,
        base,
        head,
        repo.git.text("rev-parse", "main:app.py"),
        fork_sha,
        pr.number,
        fork_pr.number,
        merged.number,
        issue.number,
        comment.id,
        review.id,
        review_comment.id,
        check.id,
        deployment.id,
        run.id,
        failed_job,
        artifact.id,
        release.id,
    )
