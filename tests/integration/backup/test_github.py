"""Backups with GitHub metadata, against the fake GitHub: 250+ issues in pages of 100, an
incremental run that asks only for what changed, issues disabled, a rate limit mid-run,
and the previous backup read from the Actions artifacts."""

from __future__ import annotations

import json
import subprocess
import tarfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ci_agent.backup.create import Request, build, plan
from ci_agent.backup.stores import DirectoryStore
from ci_agent.errors import CiAgentError

from .conftest import GitHubSetup, MakeForge, RunBackup, make_forge, upload_backup

__all__ = ["make_forge"]

ISSUES = "/repos/acme/widgets/issues"


def create(run_backup: RunBackup, setup: GitHubSetup, out: Path, *args: str) -> dict[str, Any]:
    result = run_backup(
        "create", "--path", str(setup.clone), "--out", str(out), "--output", "json", *args
    )
    assert result.code == 0, result
    data: dict[str, Any] = result.json()
    return data


def members(path: str) -> dict[str, bytes]:
    with tarfile.open(path) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]


def jsonl(data: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in data.splitlines()]


@pytest.fixture
def seeded(github: GitHubSetup) -> GitHubSetup:
    """250 issues (the world's PRs and issue included), 150 comments on them."""
    repo = github.rig.world.repo
    repo.add_issues(250 - len(repo.issues), step=60)
    numbers = sorted(repo.issues)
    for n in range(150):
        repo.add_issue_comment(numbers[n % 40], f"comment {n}")
        github.fake.clock.advance(1)
    github.fake.requests.clear()
    return github


def test_a_full_backup_pages_through_everything(
    run_backup: RunBackup, seeded: GitHubSetup, tmp_path: Path
) -> None:
    data = create(run_backup, seeded, tmp_path / "out", "--kind", "weekly")
    backup = data["result"]["backup"]
    counts = backup["counts"]
    assert counts["issues"] == 250
    assert counts["issue_comments"] == 153  # the world has three
    assert counts["pulls"] == 3 and counts["reviews"] == 2
    assert counts["review_comments"] == 2
    assert (counts["releases"], counts["labels"], counts["milestones"]) == (1, 2, 1)
    log = seeded.fake.requests
    pages = [r.query.get("page", ["1"])[0] for r in log.filter("GET", ISSUES)]
    assert pages == ["1", "2", "3"]
    assert {r.query["per_page"][0] for r in log.filter("GET", "/repos/acme/widgets/*")} == {"100"}
    assert log.count("GET", "/repos/acme/widgets/issues/comments") == 2
    # ⌈N/100⌉ per listing, one reviews request per pull request, one page of issue events.
    assert backup["api_requests"] == 3 + 2 + 1 + 1 + 1 + 1 + 1 + 3 + 1
    assert log.count("GET", "/repos/acme/widgets/issues/events") == 1
    files = members(data["result"]["artifact"]["path"])
    issues = jsonl(files["meta/issues.jsonl"])
    assert len({i["number"] for i in issues}) == 250
    releases = jsonl(files["meta/releases.jsonl"])
    assert releases[0]["assets"][0]["name"] == "widgets.tar.gz"
    manifest = json.loads(files["MANIFEST.json"])
    assert manifest["repository"] == "acme/widgets"
    assert manifest["metadata"]["watermarks"]["issues"] == max(i["updated_at"] for i in issues)
    assert run_backup("verify", data["result"]["artifact"]["path"]).code == 0


def test_an_incremental_backup_asks_only_for_what_changed(
    run_backup: RunBackup, seeded: GitHubSetup, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    full = create(
        run_backup, seeded, out, "--kind", "weekly", "--created-at", "2030-02-01T00:00:00Z"
    )
    watermarks = full["result"]["backup"]["watermarks"]
    seeded.fake.requests.clear()
    same = create(
        run_backup, seeded, out, "--kind", "daily", "--created-at", "2030-02-02T00:00:00Z"
    )
    assert same["result"]["backup"]["mode"] == "incremental"
    assert same["metrics"]["api_calls"]["total"] <= 11  # with one page of issue events
    log = seeded.fake.requests
    assert len(log) == same["metrics"]["api_calls"]["total"]
    [issues] = log.filter("GET", ISSUES)
    assert issues.query["since"] == [watermarks["issues"]]
    assert log.filter("GET", ISSUES + "/comments")[0].query["since"] == [
        watermarks["issue_comments"]
    ]
    assert log.filter("GET", "/repos/acme/widgets/pulls")[0].query["direction"] == ["desc"]
    # Then something changes: only that comes back.
    repo = seeded.rig.world.repo
    seeded.fake.clock.advance(3600)
    repo.add_issue("New bug")
    repo.add_issue_comment(1, "late comment")
    log.clear()
    changed = create(
        run_backup, seeded, out, "--kind", "daily", "--created-at", "2030-02-03T00:00:00Z"
    )
    counts = changed["result"]["backup"]["counts"]
    # The new records, plus the newest of the previous backup: `since` is inclusive, so a
    # record updated in the same second as the watermark is never missed.
    assert counts["issues"] <= 3
    assert counts["issue_comments"] == 2
    bodies = {
        c["body"]
        for c in jsonl(members(changed["result"]["artifact"]["path"])["meta/issue_comments.jsonl"])
    }
    assert "late comment" in bodies
    assert (
        changed["metrics"]["api_calls"]["total"] <= 11
    )  # 10 listings and reviews, 1 page of issue events
    # The chain restores to everything, each record once, newest version.
    target = tmp_path / "restored"
    assert run_backup("restore", str(out), "--to", str(target)).code == 0
    restored = jsonl((target / "meta" / "issues.jsonl").read_bytes())
    assert len(restored) == len({i["id"] for i in restored}) == 251
    comments = jsonl((target / "meta" / "issue_comments.jsonl").read_bytes())
    assert len(comments) == 154 and "late comment" in {c["body"] for c in comments}


def test_issues_disabled_is_a_note_not_a_failure(
    run_backup: RunBackup, github: GitHubSetup, tmp_path: Path
) -> None:
    github.fake.faults.status("GET", "/repos/*/issues", 410, times=None)
    github.fake.faults.status("GET", "/repos/*/issues/comments", 410, times=None)
    result = run_backup("create", "--path", str(github.clone), "--out", str(tmp_path / "o"))
    assert result.code == 0, result
    assert "issues: issues are disabled for the repository" in result.out
    [path] = (tmp_path / "o").glob("*.tar.gz")
    assert "meta/issues.jsonl" not in members(str(path))
    assert run_backup("verify", str(path)).code == 0


def test_a_rate_limit_mid_run_is_retried_then_coded_and_leaves_nothing(
    make_forge: MakeForge, github: GitHubSetup, tmp_path: Path
) -> None:
    rig = make_forge(attempts=3, max_wait=600)
    rig.world.repo.add_issues(150)
    rig.fake.faults.too_many_requests("GET", "/repos/*/issues/comments", retry_after=30, times=None)
    out = tmp_path / "out"
    request = Request(
        github.clone,
        out,
        "weekly",
        "full",
        datetime(2030, 1, 1, tzinfo=UTC),
        repository="acme/widgets",
    )
    chosen = plan(request, [DirectoryStore(out)], metadata=True)
    with pytest.raises(CiAgentError) as caught:
        build(chosen, rig.forge, rig.metrics)
    assert caught.value.code == "CA302"
    assert rig.fake.requests.count("GET", ISSUES) == 2, "the issues were listed before the limit"
    assert rig.clock.retry_waits, "the retry policy waited for the reset first"
    assert not out.exists(), "a refused create leaves no --out behind"


def test_the_previous_backup_comes_from_the_artifacts_with_its_digest_checked(
    run_backup: RunBackup, github: GitHubSetup, tmp_path: Path
) -> None:
    first = create(
        run_backup,
        github,
        tmp_path / "a",
        "--kind",
        "weekly",
        "--created-at",
        "2030-03-01T00:00:00Z",
    )
    path = Path(first["result"]["artifact"]["path"])
    for n in range(3):  # other workflows' artifacts, newer than the backup
        github.rig.world.repo.add_artifact(f"coverage-{n}", files={"c.xml": "<c/>"})
    artifact = upload_backup(github.fake, path.name, path.read_bytes())
    github.fake.requests.clear()
    second = create(
        run_backup,
        github,
        tmp_path / "b",
        "--kind",
        "daily",
        "--created-at",
        "2030-03-02T00:00:00Z",
    )
    assert second["result"]["backup"]["previous"] == path.name
    assert any("from the Actions artifacts" in note for note in second["result"]["notes"])
    # 10, and 2 to check where the artifact came from: the repository, the run that made it
    assert second["metrics"]["api_calls"]["total"] <= 13  # and one page of issue events
    artifact.digest = "sha256:" + "0" * 64
    result = run_backup(
        "create", "--path", str(github.clone), "--out", str(tmp_path / "c"), "--kind", "daily"
    )
    assert result.code == 4
    assert "error[CA503]" in result.err and "--full" in result.err


def test_an_empty_repository_still_gets_its_metadata_backed_up(
    run_backup: RunBackup, github: GitHubSetup, tmp_path: Path
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    subprocess.run(["git", "init", "-q", str(empty)], check=True)
    result = run_backup("create", "--path", str(empty), "--out", str(tmp_path / "o"))
    assert result.code == 0, result
    assert "the repository has no commits: git data skipped" in result.out
    [path] = (tmp_path / "o").glob("*.tar.gz")
    assert "git/repo.bundle" not in members(str(path))
    assert run_backup("verify", str(path)).code == 0
    restored = run_backup("restore", str(path), "--to", str(tmp_path / "r"))
    assert restored.code == 0, restored
    assert (tmp_path / "r" / "meta" / "issues.jsonl").is_file()
    assert not (tmp_path / "r" / "repo").exists()
