"""A stateful fake of GitHub's REST API on 127.0.0.1 for testing PyGithub/ghapi-based code.

The ``fake_github`` fixture (``tests.fakes.github_server.fixtures``) starts it on a free port;
it answers at ``fake_github.base_url`` and identically under ``fake_github.ghes_url``
(``/api/v3``). Every repository is a real git repository, so SHAs, trees and diffs are git's.

Served, under ``/repos/{owner}/{repo}`` (also ``/repositories/{id}``) unless noted:
repository, branches, contents (GET/PUT/DELETE), commits, ``compare/{base}...{head}``,
``collaborators/{user}/permission``, ``GET /rate_limit``; git refs (fast-forward check,
``force``), commits, trees (``recursive=1``), blobs; pulls (list/get/create/update/merge,
``files``, ``commits``, diff and patch media types), reviews (a bad inline anchor: 422, nothing
stored), review comments; issues (PRs included), issue comments, reactions, labels,
milestones, releases, deployments and statuses; check runs (at most 50 annotations per
request), commit statuses, combined status; Actions runs, jobs, job/run logs and artifact
zips (302 to short-lived URLs), re-runs, artifacts. Rate-limit headers, ``x-github-request-id``,
``Link`` pagination and GitHub's error bodies everywhere.

Seeding and inspecting (``fake_github.state`` is the ``Store``; a repository a ``RepoState``)::

    repo = fake_github.create_repo("acme/widgets", files={"app.py": "x = 1\\n"})  # or path=
    sha = repo.commit("feature", {"app.py": "x = 2\\n"}, "Change x")
    pr = repo.open_pull("feature", title="Change x", user="alice")
    fork = fake_github.state.fork_repo(repo, "mallory/widgets")   # then head_repo=fork
    repo.grant("alice", "write")                     # collaborator permission
    fake_github.require_token("t", login="ci-bot")   # else any token is github-actions[bot]
    run = repo.add_workflow_run(head_sha=sha, conclusion="failure", jobs=[
        {"name": "test", "conclusion": "failure",
         "steps": [{"name": "pytest", "conclusion": "failure", "log": "E  assert 1 == 2"}]}])
    repo.add_artifact("coverage", run=run, files={"coverage.xml": "<coverage/>"})
    repo.add_issues(75, step=60); repo.add_issue_comments(1, ["a", "b"], step=60)
    fake_github.clock.set("2026-01-01T00:00:00Z"); fake_github.clock.advance(60)
    repo.reruns, repo.issue_comments, repo.reviews, repo.review_comments, repo.check_runs

Faults (paths without ``/api/v3``; fnmatch globs or a compiled regex; ``times=None`` means
every matching request; each call returns the ``Fault``, whose ``hits`` counts uses)::

    fake_github.faults.secondary_rate_limit("POST", "/repos/*/issues/*/comments", retry_after=1)
    fake_github.faults.primary_rate_limit("GET", "*")        # 403, x-ratelimit-remaining: 0
    fake_github.faults.too_many_requests("GET", "*")         # 429
    fake_github.faults.status("GET", "/repos/*/pulls/1/files", 502, times=2)
    fake_github.faults.reset("*", "*")                       # drop the connection
    fake_github.faults.slow("GET", "*", seconds=0.5)         # every matching request
    fake_github.faults.apply_then_fail("POST", "/repos/*/issues/*/comments")  # write, then 502

Request log: ``fake_github.requests.count("GET", "/repos/*/pulls/*/files")``, ``filter(...)``,
``endpoints()``; entries carry method, path, prefix, query, headers, body, status and fault.
Clients: ``fake_github.pygithub()`` and ``fake_github.ghapi(owner, repo)`` (``ghes=True``).
"""

from .faults import Fault, FaultPlan
from .fixtures import TEST_TOKEN, FakeGitHub, fake_github
from .requestlog import LoggedRequest, RequestLog
from .state import RepoState, Store

__all__ = [
    "TEST_TOKEN",
    "FakeGitHub",
    "Fault",
    "FaultPlan",
    "LoggedRequest",
    "RepoState",
    "RequestLog",
    "Store",
    "fake_github",
]
