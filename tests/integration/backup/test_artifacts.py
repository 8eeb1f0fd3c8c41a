"""Backups kept as Actions artifacts: verify and restore a chain downloaded through the API,
verification records, list/stats, and prune deleting through the API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .conftest import GitHubSetup, RunBackup, commit, refs_of, upload_backup

WEEKLY = "ci-agent-backup-acme-widgets-{}-weekly-full.tar.gz"
DAILY = "ci-agent-backup-acme-widgets-{}-daily-incr.tar.gz"


def upload(github: GitHubSetup, path: Path, at: str | None = None) -> Any:
    """What the backup workflow's upload does (archive: false): the file as-is, named after it."""
    return upload_backup(github.fake, path.name, path.read_bytes(), at=at)


def make_chain(run_backup: RunBackup, github: GitHubSetup, tmp_path: Path) -> list[Path]:
    made = []
    for kind, stamp in (("weekly", "2030-03-01T00:00:00Z"), ("daily", "2030-03-02T00:00:00Z")):
        if kind == "daily":
            commit(github.clone, "new.txt", "new\n", "daily change")
        result = run_backup(
            "create", "--path", str(github.clone), "--out", str(tmp_path / kind),
            "--kind", kind, "--created-at", stamp, "--output", "json",
        )  # fmt: skip
        assert result.code == 0, result
        path = Path(result.json()["result"]["artifact"]["path"])
        upload(github, path)
        made.append(path)
    return made


def test_verify_and_restore_a_chain_from_the_artifacts(
    run_backup: RunBackup, github: GitHubSetup, tmp_path: Path, monkeypatch: Any
) -> None:
    weekly, daily = make_chain(run_backup, github, tmp_path)
    monkeypatch.chdir(tmp_path)
    verified = run_backup("verify", "--artifact", "latest", "--output", "json")
    assert verified.code == 0, verified
    result = verified.json()["result"]
    assert result["backup"] == daily.name and result["chain"] == [weekly.name]
    record = Path(result["artifact"]["path"])
    assert result["artifact"]["name"] == daily.name + ".verified.json" == record.name
    assert record.is_file()
    upload(github, record, at="2030-03-02T01:00:00Z")
    listed = run_backup("list", "--source", "artifacts", "--output", "json").json()["result"]
    [newest, oldest] = listed["backups"]
    assert newest["name"] == daily.name and newest["last_verification"]["ok"] is True
    assert oldest["last_verification"] is None and oldest["counts"] is None
    assert newest["builds_on"] == [weekly.name]
    assert listed["latest"]["name"] == daily.name
    deep = run_backup("list", "--source", "artifacts", "--deep", "--output", "json").json()
    assert deep["result"]["backups"][0]["counts"]["issues"] >= 1
    restored = run_backup("restore", "--artifact", "latest", "--to", str(tmp_path / "r"))
    assert restored.code == 0, restored
    assert refs_of(tmp_path / "r" / "repo") == refs_of(github.clone)
    assert (tmp_path / "r" / "meta" / "issues.jsonl").is_file()


def test_a_tampered_artifact_is_refused(
    run_backup: RunBackup, github: GitHubSetup, tmp_path: Path
) -> None:
    path = make_chain(run_backup, github, tmp_path)[1]
    repo = github.rig.world.repo
    [artifact] = [a for a in repo.artifacts.values() if a.name == path.name]
    artifact.data = artifact.data[:-1] + bytes([artifact.data[-1] ^ 1])
    result = run_backup("verify", "--artifact", path.name)
    assert result.code == 4
    assert "error[CA503]" in result.err
    missing = run_backup("verify", "--artifact", "nope.tar.gz")
    assert missing.code == 2 and "error[CA223]: no backup artifact 'nope.tar.gz'" in missing.err


def test_stats_and_prune_through_the_api(run_backup: RunBackup, github: GitHubSetup) -> None:
    repo = github.rig.world.repo
    names = [WEEKLY.format(f"203001{d:02}T030000Z") for d in (4, 11, 18)]
    names += [DAILY.format(f"203001{d:02}T030000Z") for d in (5, 6, 12, 13, 19, 20)]
    names.append("ci-agent-backup-acme-widgets-20291201T000000Z-manual-full.tar.gz")
    for name in sorted(names):  # uploaded in time order, as the schedule does
        upload_backup(github.fake, name, b"\x1f\x8b not really")
    # the oldest weekly was verified (by a later restore test)
    upload_backup(github.fake, names[0] + ".verified.json", b"{}", at="2030-01-21T00:00:00Z")
    stats = run_backup("stats", "--source", "artifacts", "--output", "json").json()["result"]
    assert (stats["count"], stats["full"], stats["incremental"]) == (10, 4, 6)
    assert stats["newest_verified"] == names[0]
    assert stats["longest_chain"] == 3
    dry = run_backup(
        "prune",
        "--source",
        "artifacts",
        "--keep-daily",
        "1",
        "--keep-weekly",
        "1",
        "--dry-run",
        "--output",
        "json",
    )
    plan = dry.json()["result"]
    assert sorted(plan["would_delete"]) == sorted(
        [DAILY.format(f"203001{d:02}T030000Z") for d in (5, 6, 12, 13)] + [names[1]]
    )
    assert github.fake.requests.count("DELETE", "*") == 0
    kept = {item["name"]: item["reasons"] for item in plan["kept"]}
    assert kept[names[0]] == ["newest verified backup"]
    assert "manual: all kept" in kept[names[-1]]
    assert "part of a kept backup's chain" in kept[DAILY.format("20300119T030000Z")]
    done = run_backup("prune", "--source", "artifacts", "--keep-daily", "1", "--keep-weekly", "1")
    assert done.code == 0, done
    assert github.fake.requests.count("DELETE", "/repos/acme/widgets/actions/artifacts/*") == 5
    left = {a.name for a in repo.artifacts.values()}
    assert set(plan["would_delete"]).isdisjoint(left)
    assert names[0] + ".verified.json" in left


def test_artifacts_need_a_token(run_backup: RunBackup, monkeypatch: Any) -> None:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/widgets")
    result = run_backup("list", "--source", "artifacts")
    assert result.code == 2 and "error[CA307]" in result.err
