"""Every GET endpoint of the fake answers with GitHub's schema (githubkit's OpenAPI models):
required fields present, types right, no keys GitHub's schema does not define."""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

import pytest

from tests.fakes.github_server import FakeGitHub

from .rawhttp import Raw
from .schema import LEGACY_KEYS, validate
from .world import World, build

R = "/repos/acme/widgets"


class Read(NamedTuple):
    """A GET endpoint: ``path`` is formatted with the seeded world as ``w``."""

    path: str
    model: str
    many: bool = False


READS = {
    "repo": Read(R, "FullRepository"),
    "repo by id": Read("/repositories/{w.repo.id}", "FullRepository"),
    "fork": Read("/repos/mallory/widgets", "FullRepository"),
    "branches": Read(f"{R}/branches", "ShortBranch", many=True),
    "branch": Read(f"{R}/branches/feature", "BranchWithProtection"),
    "file": Read(f"{R}/contents/app.py?ref=feature", "ContentFile"),
    "dir": Read(f"{R}/contents/lib", "ContentDirectoryItems", many=True),
    "root": Read(f"{R}/contents?ref={{w.base_sha}}", "ContentDirectoryItems", many=True),
    "permission": Read(f"{R}/collaborators/alice/permission", "RepositoryCollaboratorPermission"),
    "rate limit": Read("/rate_limit", "RateLimitOverview"),
    "commits": Read(f"{R}/commits?sha=feature", "Commit", many=True),
    "commit": Read(f"{R}/commits/{{w.head_sha}}", "Commit"),
    "compare": Read(f"{R}/compare/main...feature", "CommitComparison"),
    "compare fork": Read(f"{R}/compare/main...mallory:patch-1", "CommitComparison"),
    "ref": Read(f"{R}/git/ref/heads/main", "GitRef"),
    "refs": Read(f"{R}/git/refs", "GitRef", many=True),
    "refs prefix": Read(f"{R}/git/refs/heads", "GitRef", many=True),
    "matching refs": Read(f"{R}/git/matching-refs/heads/f", "GitRef", many=True),
    "git commit": Read(f"{R}/git/commits/{{w.head_sha}}", "GitCommit"),
    "tree": Read(f"{R}/git/trees/{{w.head_sha}}?recursive=1", "GitTree"),
    "blob": Read(f"{R}/git/blobs/{{w.blob_sha}}", "Blob"),
    "pulls": Read(f"{R}/pulls?state=all", "PullRequestSimple", many=True),
    "pull": Read(f"{R}/pulls/{{w.pr}}", "PullRequest"),
    "fork pull": Read(f"{R}/pulls/{{w.fork_pr}}", "PullRequest"),
    "merged pull": Read(f"{R}/pulls/{{w.merged_pr}}", "PullRequest"),
    "pull files": Read(f"{R}/pulls/{{w.pr}}/files", "DiffEntry", many=True),
    "pull commits": Read(f"{R}/pulls/{{w.pr}}/commits", "Commit", many=True),
    "reviews": Read(f"{R}/pulls/{{w.pr}}/reviews", "PullRequestReview", many=True),
    "review": Read(f"{R}/pulls/{{w.pr}}/reviews/{{w.review}}", "PullRequestReview"),
    "review's comments": Read(
        f"{R}/pulls/{{w.pr}}/reviews/{{w.review}}/comments", "ReviewComment", many=True
    ),
    "pull comments": Read(f"{R}/pulls/{{w.pr}}/comments", "PullRequestReviewComment", many=True),
    "repo review comments": Read(f"{R}/pulls/comments", "PullRequestReviewComment", many=True),
    "review comment": Read(f"{R}/pulls/comments/{{w.review_comment}}", "PullRequestReviewComment"),
    "review comment reactions": Read(
        f"{R}/pulls/comments/{{w.review_comment}}/reactions", "Reaction", many=True
    ),
    "issues": Read(f"{R}/issues?state=all", "Issue", many=True),
    "issue": Read(f"{R}/issues/{{w.issue}}", "Issue"),
    "PR as issue": Read(f"{R}/issues/{{w.pr}}", "Issue"),
    "issue comments": Read(f"{R}/issues/{{w.issue}}/comments", "IssueComment", many=True),
    "repo issue comments": Read(f"{R}/issues/comments", "IssueComment", many=True),
    "issue comment": Read(f"{R}/issues/comments/{{w.issue_comment}}", "IssueComment"),
    "comment reactions": Read(
        f"{R}/issues/comments/{{w.issue_comment}}/reactions", "Reaction", many=True
    ),
    "issue reactions": Read(f"{R}/issues/{{w.issue}}/reactions", "Reaction", many=True),
    "labels": Read(f"{R}/labels", "Label", many=True),
    "issue labels": Read(f"{R}/issues/{{w.issue}}/labels", "Label", many=True),
    "milestones": Read(f"{R}/milestones", "Milestone", many=True),
    "releases": Read(f"{R}/releases", "Release", many=True),
    "latest release": Read(f"{R}/releases/latest", "Release"),
    "release by tag": Read(f"{R}/releases/tags/v1.0.0", "Release"),
    "release": Read(f"{R}/releases/{{w.release}}", "Release"),
    "release assets": Read(f"{R}/releases/{{w.release}}/assets", "ReleaseAsset", many=True),
    "check run": Read(f"{R}/check-runs/{{w.check_run}}", "CheckRun"),
    "job as check run": Read(f"{R}/check-runs/{{w.failed_job}}", "CheckRun"),
    "annotations": Read(f"{R}/check-runs/{{w.check_run}}/annotations", "CheckAnnotation", True),
    "check runs for ref": Read(
        f"{R}/commits/{{w.head_sha}}/check-runs", "ReposOwnerRepoCommitsRefCheckRunsGetResponse200"
    ),
    "statuses": Read(f"{R}/commits/{{w.head_sha}}/statuses", "Status", many=True),
    "combined status": Read(f"{R}/commits/feature/status", "CombinedCommitStatus"),
    "deployments": Read(f"{R}/deployments", "Deployment", many=True),
    "environment": Read(f"{R}/environments/production", "Environment"),
    "deployment": Read(f"{R}/deployments/{{w.deployment}}", "Deployment"),
    "deployment statuses": Read(
        f"{R}/deployments/{{w.deployment}}/statuses", "DeploymentStatus", many=True
    ),
    "runs": Read(f"{R}/actions/runs", "ReposOwnerRepoActionsRunsGetResponse200"),
    "run": Read(f"{R}/actions/runs/{{w.run}}", "WorkflowRun"),
    "jobs": Read(
        f"{R}/actions/runs/{{w.run}}/jobs", "ReposOwnerRepoActionsRunsRunIdJobsGetResponse200"
    ),
    "job": Read(f"{R}/actions/jobs/{{w.failed_job}}", "Job"),
    "artifacts": Read(f"{R}/actions/artifacts", "ReposOwnerRepoActionsArtifactsGetResponse200"),
    "run artifacts": Read(
        f"{R}/actions/runs/{{w.run}}/artifacts",
        "ReposOwnerRepoActionsRunsRunIdArtifactsGetResponse200",
    ),
    "artifact": Read(f"{R}/actions/artifacts/{{w.artifact}}", "Artifact"),
}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FakeGitHub, World]]:
    fake = FakeGitHub(tmp_path_factory.mktemp("schema-reads"))
    try:
        yield fake, build(fake)
    finally:
        fake.close()
    assert not fake.server.errors, "\n".join(fake.server.errors)


# api.github.com form with API version 2026-03-10 (what the models describe, strictly), and
# the GHES form with the default version 2022-11-28 (which still sends a few removed fields).
@pytest.mark.parametrize(
    ("prefix", "version"), [("", "2026-03-10"), ("/api/v3", None)], ids=["root-2026", "ghes-2022"]
)
@pytest.mark.parametrize("case", READS.values(), ids=READS.keys())
def test_get_answers_in_githubs_schema(
    seeded: tuple[FakeGitHub, World], case: Read, prefix: str, version: str | None
) -> None:
    fake, world = seeded
    headers = {"X-GitHub-Api-Version": version} if version else {}
    reply = Raw(fake.base_url + prefix).get(case.path.format(w=world), headers=headers)
    assert reply.status == 200, reply.text
    assert reply.headers["content-type"] == "application/json; charset=utf-8"
    data = reply.json
    if case.many:
        assert data, "the seeded world should make this list non-empty"
    validate(case.model, data, many=case.many, allow=frozenset() if version else LEGACY_KEYS)
    assert reply.headers["x-github-api-version-selected"] == (version or "2022-11-28")
    api = fake.base_url + prefix + "/"
    urls = [v for v in _strings(data) if v.startswith("http://127.0.0.1")]
    uploads = fake.base_url + "/api/uploads/"  # GHES serves release uploads there
    api_urls = [u for u in urls if "/repos/" in u or "/users/" in u]
    wrong = [u for u in api_urls if not u.startswith((api, uploads))]
    assert not wrong, f"API URLs must keep the {prefix or '/'} prefix: {wrong[:3]}"


def _strings(data: object) -> Iterator[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from _strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from _strings(value)


def test_errors_answer_in_githubs_schema(seeded: tuple[FakeGitHub, World]) -> None:
    fake, _ = seeded
    raw = Raw(fake.base_url)
    missing = raw.get("/repos/acme/nothing")
    assert missing.status == 404
    assert missing.json == {
        "message": "Not Found",
        "documentation_url": "https://docs.github.com/rest",
        "status": "404",
    }
    validate("BasicError", missing.json)
    unknown_route = raw.get("/no/such/route")
    assert unknown_route.status == 404
    invalid = raw.post(f"{R}/git/refs", {"ref": "refs/heads/main", "sha": "0" * 40})
    assert invalid.status == 422
    # GitHub sends "status" in every error body; the ValidationError schema omits it.
    validate("ValidationError", invalid.json, allow=frozenset({"status"}))
