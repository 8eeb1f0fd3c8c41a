"""Backup artifacts count only by provenance, never by name: artifacts from a fork's run, from
another workflow, from another branch, from a push run, or named for the future are listed as
ignored, never restored, built on or counted by prune; the manifest must agree with the run;
attestations answered present and absent."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from .conftest import BACKUP_WORKFLOW, GitHubSetup, RunBackup, commit, upload_backup

WEEKLY, DAILY = "2030-03-01T03:17:00Z", "2030-03-02T03:17:00Z"
JUNK = "ci-agent-backup-acme-widgets-{}-{}.tar.gz"


def make(run_backup: RunBackup, github: GitHubSetup, tmp_path: Path, kind: str, at: str) -> Path:
    if kind == "daily":
        commit(github.clone, "new.txt", f"{at}\n", "daily change")
    result = run_backup(
        "create", "--path", str(github.clone), "--out", str(tmp_path / "backups"),
        "--kind", kind, "--created-at", at, "--output", "json",
    )  # fmt: skip
    assert result.code == 0, result
    return Path(result.json()["result"]["artifact"]["path"])


@pytest.fixture
def genuine(run_backup: RunBackup, github: GitHubSetup, tmp_path: Path) -> list[Path]:
    """A weekly and a daily backup, each uploaded by the backup workflow's scheduled run."""
    made = []
    for kind, at in (("weekly", WEEKLY), ("daily", DAILY)):
        path = make(run_backup, github, tmp_path, kind, at)
        upload_backup(github.fake, path.name, path.read_bytes())
        made.append(path)
    return made


def plant(github: GitHubSetup, genuine: list[Path]) -> dict[str, str]:
    """What any run can upload: junk and copies of a real archive under misleading runs."""
    fake, repo = github.fake, github.rig.world.repo
    fork = fake.state.fork_repo(repo, "mallory/widgets")
    fork.commit("main", {"evil.txt": "x\n"}, "evil")
    repo.commit("other", {"b.txt": "b\n"}, "on another branch")
    data = genuine[1].read_bytes()
    planted = {
        JUNK.format("20990101T000000Z", "weekly-full"): "a fork",
        JUNK.format("20990102T000000Z", "daily-full"): "ci.yml",
        JUNK.format("20990103T000000Z", "manual-full"): "branch",
        JUNK.format("20990104T000000Z", "manual-full"): "'push'",
        JUNK.format("20990105T000000Z", "weekly-full"): "its name says 2099-01-05",
    }
    names = list(planted)
    at = "2030-03-03T00:00:00Z"  # after every genuine backup
    upload_backup(fake, names[0], data, event="pull_request", head_repo=fork, branch="main", at=at)
    upload_backup(fake, names[1], data, workflow=".github/workflows/ci.yml", at=at)
    upload_backup(fake, names[2], data, branch="other", at=at)
    upload_backup(fake, names[3], data, event="push", at=at)
    upload_backup(fake, names[4], data, at=at)  # the right workflow, a name from the future
    return planted


def test_planted_artifacts_are_ignored_with_their_reasons(
    run_backup: RunBackup,
    github: GitHubSetup,
    genuine: list[Path],
    tmp_path: Path,
    monkeypatch: Any,
) -> None:
    planted = plant(github, genuine)
    listed = run_backup("list", "--source", "artifacts", "--output", "json").json()["result"]
    assert [b["name"] for b in listed["backups"]] == [genuine[1].name, genuine[0].name]
    reasons = {item["name"]: item["reason"] for item in listed["ignored"]}
    assert set(reasons) == set(planted)
    for name, words in planted.items():
        assert words in reasons[name], reasons[name]
    text = run_backup("list", "--source", "artifacts").out
    assert "not a backup: " + JUNK.format("20990101T000000Z", "weekly-full") in text

    # the default prune keeps both genuine backups and never touches the planted ones
    pruned = run_backup("prune", "--source", "artifacts", "--output", "json").json()["result"]
    assert pruned["deleted"] == []
    assert {item["name"] for item in pruned["ignored"]} == set(planted)

    # latest is the newest genuine backup; a planted one named explicitly is refused
    monkeypatch.chdir(tmp_path)
    restored = run_backup(
        "restore", "--artifact", "latest", "--to", str(tmp_path / "r"), "--output", "json"
    )
    assert restored.code == 0, restored
    assert restored.json()["result"]["backup"] == genuine[1].name
    refused = run_backup("verify", "--artifact", JUNK.format("20990101T000000Z", "weekly-full"))
    assert refused.code == 2 and "error[CA151]" in refused.err and "a fork" in refused.err

    # the next daily builds on the genuine daily, not on a planted "newer" one
    commit(github.clone, "next.txt", "next\n", "next change")
    out = run_backup(
        "create", "--path", str(github.clone), "--out", str(tmp_path / "next"),
        "--kind", "daily", "--created-at", "2030-03-04T03:17:00Z", "--output", "json",
    )  # fmt: skip
    assert out.code == 0, out
    assert out.json()["result"]["backup"]["previous"] == genuine[1].name


def test_newest_means_uploaded_last_not_named_last(
    run_backup: RunBackup, github: GitHubSetup, genuine: list[Path]
) -> None:
    """A genuine run that pinned --created-at to 2099 is refused by its name's time."""
    name = JUNK.format("20990101T000000Z", "daily-full")
    upload_backup(github.fake, name, genuine[0].read_bytes(), at="2030-03-05T00:00:00Z")
    listed = run_backup("list", "--source", "artifacts", "--output", "json").json()["result"]
    assert listed["latest"]["name"] == genuine[1].name
    assert "its name says 2099-01-01T00:00:00Z" in listed["ignored"][0]["reason"]


def test_the_manifest_must_agree_with_the_run(
    run_backup: RunBackup, github: GitHubSetup, tmp_path: Path
) -> None:
    """The backup workflow uploaded an archive whose manifest is of another repository."""
    other = run_backup(
        "create", "--path", str(github.clone), "--out", str(tmp_path / "o"), "--repo",
        "acme/gadgets", "--no-metadata", "--created-at", WEEKLY, "--output", "json",
    )  # fmt: skip
    assert other.code == 0, other
    path = Path(other.json()["result"]["artifact"]["path"])
    renamed = path.name.replace("acme-gadgets", "acme-widgets")
    upload_backup(github.fake, renamed, path.read_bytes())
    result = run_backup("verify", "--artifact", renamed)
    assert result.code == 2 and "error[CA151]" in result.err
    assert "its manifest is of acme/gadgets" in result.err


def test_verify_reports_the_attestation(
    run_backup: RunBackup, github: GitHubSetup, genuine: list[Path], tmp_path: Path
) -> None:
    daily = genuine[1]
    digest = hashlib.sha256(daily.read_bytes()).hexdigest()

    def verify(*extra: str) -> Any:
        return run_backup("verify", str(daily), "--output", "json", *extra)

    absent = verify()
    assert absent.code == 0, absent
    assert absent.json()["result"]["attestation"]["status"] == "absent"
    required = verify("--require-attestation")
    assert required.code == 4
    assert required.json()["errors"][0]["code"] == "CA529"

    repo = github.rig.world.repo
    repo.attest(digest, daily.name, workflow=".github/workflows/ci.yml")
    other = verify().json()["result"]["attestation"]
    assert (
        other["status"] == "other" and ".github/workflows/ci.yml@refs/heads/main" in other["detail"]
    )

    repo.attest(digest, daily.name, workflow=BACKUP_WORKFLOW)
    attested = verify("--require-attestation")
    assert attested.code == 0, attested
    result = attested.json()["result"]["attestation"]
    assert result == {
        "status": "attested",
        "detail": f"by {BACKUP_WORKFLOW}@refs/heads/main of acme/widgets",
    }
    text = run_backup("verify", str(daily)).out
    assert "attestation  attested: by .github/workflows/ci-agent-backup.yml" in text
