"""The in-memory forge on its own: seeding from a unified diff, pushes and pull requests from a
local clone, Actions runs, logs, re-runs and dispatches, artifacts with digests, deployments,
archive listings, and the call log."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ci_agent.errors import CiAgentError
from ci_agent.forge.memory import InMemoryForge
from ci_agent.forge.memory_diff import file_section, files_from_diff
from ci_agent.forge.protocol import BackupForge, FixForge, PlanForge, ReviewForge
from ci_agent.forge.run_types import ArchiveKind, Artifact, Job, Step, WorkflowRun
from ci_agent.forge.types import CommentKind, FileStatus, InlineComment
from tests.conftest import git

from .conftest import Project, commit_files

DIFF = """\
diff --git a/app.py b/app.py
index 1111111..2222222 100644
--- a/app.py
+++ b/app.py
@@ -1,3 +1,4 @@
 import os
-x = 1
+x = 2
+y = 3
 print(x)
diff --git a/logo.png b/logo.png
new file mode 100644
index 0000000..3333333
Binary files /dev/null and b/logo.png differ
diff --git a/old.txt b/new.txt
similarity index 100%
rename from old.txt
rename to new.txt
"""


def test_it_is_every_forge() -> None:
    forge = InMemoryForge()
    for protocol in (ReviewForge, FixForge, BackupForge, PlanForge):
        assert isinstance(forge, protocol)
    assert (forge.repo.full_name, forge.bot) == ("acme/widgets", "github-actions[bot]")


def test_a_pull_request_from_a_unified_diff() -> None:
    forge = InMemoryForge()
    pull = forge.seed_pull_from_diff(DIFF, head_files={"app.py": b"import os\nx = 2\n"})
    files = {f.path: f for f in forge.changed_files(pull.number)}
    assert files["app.py"].status is FileStatus.MODIFIED
    assert (files["app.py"].additions, files["app.py"].deletions) == (2, 1)
    assert files["app.py"].patch == "@@ -1,3 +1,4 @@\n import os\n-x = 1\n+x = 2\n+y = 3\n print(x)"
    assert (files["logo.png"].binary, files["logo.png"].patch) == (True, None)
    assert (files["new.txt"].status, files["new.txt"].previous_path) == (
        FileStatus.RENAMED,
        "old.txt",
    )
    assert forge.diff(pull.number) == DIFF
    assert forge.file_contents("app.py", pull.head_sha) == b"import os\nx = 2\n"
    assert forge.file_contents("app.py", "feature") == b"import os\nx = 2\n"
    with pytest.raises(CiAgentError):
        forge.file_contents("app.py", pull.base_sha)
    # Anchors follow the hunks: new line 3 was added, new line 5 is past the hunk.
    result = forge.create_review(
        pull.number,
        pull.head_sha,
        "body",
        [InlineComment("app.py", 3, "ok"), InlineComment("app.py", 5, "bad")],
    )
    assert [c.line for c in result.rejected] == [5]
    assert files_from_diff("") == []


def test_the_log_shows_reads_and_writes_and_what_was_posted(project: Project) -> None:
    forge, number = project.forge, project.pull.number
    forge.pull_request(number)
    made = forge.create_comment(number, "hi")
    forge.update_comment(CommentKind.ISSUE, made.id, "hello")
    forge.add_reaction(CommentKind.ISSUE, made.id, "rocket")
    assert [(c.method, c.write) for c in forge.calls] == [
        ("pull_request", False),
        ("create_comment", True),
        ("update_comment", True),
        ("add_reaction", True),
    ]
    assert forge.writes("create_comment")[0].args == {"number": number, "body": "hi"}
    assert forge.reactions(CommentKind.ISSUE, made.id) == {("github-actions[bot]", "rocket")}
    forge.delete_comment(CommentKind.ISSUE, made.id)
    assert forge.reactions(CommentKind.ISSUE, made.id) == set()


def test_push_and_open_a_pull_request(project: Project, tmp_path: Path) -> None:
    forge = project.forge
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(project.repo), str(clone))
    git(clone, "checkout", "-q", "feature")
    fixed = commit_files(clone, {"app/runner.py": "import subprocess\n"}, "Fix the runner")

    forge.push(clone, fixed, "ci-agent/fix")
    assert forge.branch_head("ci-agent/fix") == fixed
    opened = forge.open_pull_request("feature", "ci-agent/fix", "Fix", "Fixes the runner")
    assert (opened.head_sha, opened.base_sha, opened.author) == (
        fixed,
        project.pull.head_sha,
        "github-actions[bot]",
    )
    assert [f.path for f in forge.changed_files(opened.number)] == ["app/runner.py"]
    assert [c.title for c in forge.commits(opened.number)] == ["Fix the runner"]
    with pytest.raises(CiAgentError) as caught:
        forge.open_pull_request("feature", "ci-agent/fix", "Again", "")
    assert "already exists" in caught.value.context["detail"]

    git(clone, "reset", "-q", "--hard", "HEAD~1")
    sideways = commit_files(clone, {"other.txt": "x\n"}, "Sideways")
    with pytest.raises(CiAgentError) as caught:
        forge.push(clone, sideways, "ci-agent/fix")
    assert caught.value.code == "CA203"
    assert forge.branch_head("ci-agent/fix") == fixed


def run(
    run_id: int = 0, status: str = "completed", conclusion: str | None = "failure"
) -> WorkflowRun:
    return WorkflowRun(run_id, "CI", 7, "a" * 40, "main", "push", status, conclusion)


def test_runs_jobs_logs_reruns_and_dispatches(tmp_path: Path) -> None:
    forge = InMemoryForge()
    failed = Job(0, 0, "test", "completed", "failure", (Step(1, "pytest", "completed", "failure"),))
    passed = Job(0, 0, "lint", "completed", "success")
    made = forge.seed_run(run(), [(failed, b"FAILED test_add\n"), (passed, b"ok\n")])
    other = forge.seed_run(run(status="in_progress", conclusion=None))
    assert [r.id for r in forge.workflow_runs(branch="main")] == [other.id, made.id]
    assert list(forge.workflow_runs(head_sha="b" * 40)) == []
    jobs = list(forge.jobs(made.id))
    assert [j.name for j in jobs if j.failed] == ["test"]
    size = forge.download_job_log(jobs[0].id, tmp_path / "log.txt")
    assert (size, (tmp_path / "log.txt").read_bytes()) == (16, b"FAILED test_add\n")

    forge.rerun_failed_jobs(made.id)
    again = forge.workflow_run(made.id)
    assert (again.status, again.run_attempt) == ("queued", 2)
    assert [(j.name, j.status) for j in forge.jobs(made.id)] == [
        ("test", "queued"),
        ("lint", "completed"),
    ]
    with pytest.raises(CiAgentError) as caught:
        forge.rerun_failed_jobs(other.id)
    assert caught.value.code == "CA304"

    forge.state.branches["main"] = "a" * 40
    forge.dispatch_workflow("ci.yml", "main", {"debug": "1"})
    assert forge.state.dispatches == [
        {"workflow": "ci.yml", "ref": "main", "inputs": {"debug": "1"}}
    ]
    with pytest.raises(CiAgentError) as caught:
        forge.dispatch_workflow("ci.yml", "nope")
    assert caught.value.context["status"] == 422
    with pytest.raises(CiAgentError) as caught:
        forge.workflow_run(424242)
    assert caught.value.code == "CA305"


def test_artifacts_download_checks_the_digest(tmp_path: Path) -> None:
    forge = InMemoryForge()
    older = forge.seed_artifact("backup", b"zip one")
    newer = forge.seed_artifact("backup", b"zip two", run_id=5)
    forge.seed_artifact("other", b"zip three")
    assert [a.id for a in forge.artifacts("backup")] == [newer.id, older.id]
    assert newer.digest == "sha256:" + hashlib.sha256(b"zip two").hexdigest()

    path = forge.download_artifact(newer, tmp_path)
    assert (path.name, path.read_bytes()) == ("backup.zip", b"zip two")
    lying = Artifact(older.id, "backup", 7, "sha256:" + "0" * 64, None)
    with pytest.raises(CiAgentError) as caught:
        forge.download_artifact(lying, tmp_path / "lying.zip")
    assert caught.value.code == "CA503"
    assert not (tmp_path / "lying.zip").exists()

    forge.delete_artifact(older.id)
    assert [a.id for a in forge.artifacts("backup")] == [newer.id]
    with pytest.raises(CiAgentError):
        forge.delete_artifact(older.id)


def test_deployments_and_their_states() -> None:
    forge = InMemoryForge()
    staging = forge.seed_deployment("a" * 40, "staging", ["in_progress", "success"])
    production = forge.seed_deployment("b" * 40, "production")
    assert [d.id for d in forge.deployments()] == [production.id, staging.id]
    assert [d.id for d in forge.deployments("staging")] == [staging.id]
    assert forge.deployment_state(staging.id) == "success"
    assert forge.deployment_state(production.id) is None
    with pytest.raises(CiAgentError):
        forge.deployment_state(1)


def test_archive_listings(project: Project) -> None:
    forge, number = project.forge, project.pull.number
    issue = forge.seed_issue("Bug", "It breaks", ["bug"], author="bob")
    forge.seed_comment(issue.number, "me too", "carol")
    result = forge.create_review(
        number, project.pull.head_sha, "review", [InlineComment("app/runner.py", 1, "unused")]
    )
    forge.seed_records(ArchiveKind.LABELS, [{"name": "bug", "color": "d73a4a"}])

    issues = list(forge.listing(ArchiveKind.ISSUES))
    assert {(r["number"], "pull_request" in r) for r in issues} == {
        (issue.number, False),
        (number, True),
    }
    (pull,) = forge.listing(ArchiveKind.PULLS)
    assert (pull["number"], pull["head"]["sha"]) == (number, project.pull.head_sha)
    (comment,) = forge.listing(ArchiveKind.ISSUE_COMMENTS)
    assert (comment["body"], comment["user"]["login"]) == ("me too", "carol")
    (inline,) = forge.listing(ArchiveKind.REVIEW_COMMENTS)
    assert (inline["path"], inline["line"]) == ("app/runner.py", 1)
    assert list(forge.listing(ArchiveKind.LABELS)) == [{"name": "bug", "color": "d73a4a"}]
    (review,) = forge.reviews(number)
    assert (review["id"], review["state"]) == (result.id, "COMMENTED")
    later = datetime(2030, 1, 1, tzinfo=UTC)
    assert list(forge.listing(ArchiveKind.ISSUE_COMMENTS, since=later)) == []


def test_refusals_as_github_words_them(project: Project) -> None:
    forge, pull = project.forge, project.pull
    with pytest.raises(CiAgentError) as caught:
        forge.create_review(pull.number, "f" * 40, "body", [])
    assert caught.value.context["detail"] == f"No commit found for SHA: {'f' * 40}"
    with pytest.raises(CiAgentError) as caught:
        forge.start_check_run("x", "f" * 40)
    assert caught.value.context["status"] == 422
    with pytest.raises(CiAgentError) as caught:
        forge.create_issue("", "body", [])
    assert caught.value.context["status"] == 422
    with pytest.raises(CiAgentError) as caught:
        forge.create_issue("t" * 257, "body", [])
    assert "title is too long" in caught.value.context["detail"]
    with pytest.raises(CiAgentError) as caught:
        forge.close_issue(999)
    assert caught.value.code == "CA305"
    bot_pull = forge.set_pull(pull.number, author="github-actions[bot]")
    assert bot_pull.author == "github-actions[bot]"
    with pytest.raises(CiAgentError) as caught:
        forge.create_review(pull.number, pull.head_sha, "body", [], "REQUEST_CHANGES")
    assert "your own pull request" in caught.value.context["detail"]


def test_diffs_of_the_forges_own_commits_read_back_as_git_diffs() -> None:
    added = files_from_diff(file_section("a.txt", None, b"one\ntwo"))
    assert [(f.status, f.additions, f.patch) for f in added] == [
        (FileStatus.ADDED, 2, "@@ -0,0 +1,2 @@\n+one\n+two\n\\ No newline at end of file")
    ]
    removed = files_from_diff(file_section("a.txt", b"one\n", None))
    assert [(f.status, f.deletions) for f in removed] == [(FileStatus.REMOVED, 1)]
    (binary,) = files_from_diff(file_section("logo.png", b"\x89PNG\0", b"\x89PNG\0\1"))
    assert (binary.binary, binary.patch) == (True, None)
