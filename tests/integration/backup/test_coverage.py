"""python-github-backup's coverage: issue events (incremental), release asset files (streamed,
capped, every cap named with where the whole is), the wiki and pull-request refs, against the
fake GitHub."""

from __future__ import annotations

import hashlib
import json
import subprocess
import tarfile
from pathlib import Path
from typing import Any

from tests.conftest import git

from .conftest import GitHubSetup, RunBackup


def config(tmp_path: Path, **backup: Any) -> Path:
    path = tmp_path / "ci-agent.yml"
    lines = ["version: 1", "backup:", *(f"  {key}: {value}" for key, value in backup.items())]
    path.write_text("\n".join(lines) + "\n")
    return path


def create(run_backup: RunBackup, github: GitHubSetup, out: Path, *args: str) -> dict[str, Any]:
    result = run_backup(
        "create", "--path", str(github.clone), "--out", str(out), "--output", "json", *args
    )
    assert result.code == 0, result
    data: dict[str, Any] = result.json()["result"]
    return data


def test_events_and_release_assets_are_backed_up_and_restored(
    run_backup: RunBackup, github: GitHubSetup, tmp_path: Path
) -> None:
    repo, world = github.rig.world.repo, github.rig.world
    small, big = b"small asset\n" * 100, bytes(range(256)) * 64  # 1,200 and 16,384 bytes
    release = repo.add_release(
        "v9.0",
        assets=[
            {
                "name": "notes.txt",
                "data": small,
                "digest": "sha256:" + hashlib.sha256(small).hexdigest(),
            },
            {"name": "big.bin", "data": big},
        ],
    )
    repo.add_issue_event(world.pr, "labeled")
    github.fake.clock.advance(60)
    repo.add_issue_event(world.pr, "closed")
    settings = config(
        tmp_path,
        **{"include-release-assets": "true", "release-asset-max-bytes": 10000},
    )
    out = tmp_path / "out"
    first = create(
        run_backup, github, out, "--config", str(settings), "--kind", "weekly",
        "--created-at", "2030-01-01T00:00:00Z",
    )  # fmt: skip
    counts = first["backup"]["counts"]
    # the world's own release has an asset whose listed digest its bytes do not match
    assert counts["issue_events"] == 2 and counts["release_assets"] == 3
    notes = [n for n in first["notes"] if n.startswith("release assets")]
    assert (
        "1 larger than backup.release-asset-max-bytes (10000) left out: big.bin (16384 bytes)"
        in notes[0]
    )
    assert notes[1].startswith("release assets left out as damaged: widgets.tar.gz: its bytes")
    with tarfile.open(first["artifact"]["path"]) as tar:
        names = tar.getnames()
        index = [json.loads(line) for line in tar.extractfile("meta/release_assets.jsonl")]  # type: ignore[union-attr]
    [kept] = [a for a in release.assets if a.name == "notes.txt"]
    assert f"assets/{kept.id}" in names
    skipped = next(item for item in index if item["name"] == "big.bin")
    assert skipped["skipped"] == "larger than 10000 bytes"
    assert skipped["url"].endswith("/releases/download/v9.0/big.bin")

    github.fake.clock.advance(3600)
    repo.add_issue_event(world.pr, "reopened")
    second = create(
        run_backup, github, out, "--config", str(settings), "--kind", "daily",
        "--created-at", "2030-01-02T00:00:00Z",
    )  # fmt: skip
    assert second["backup"]["mode"] == "incremental"
    # the new event, and the one at the watermark's second again (since is inclusive)
    assert second["backup"]["counts"]["issue_events"] == 2
    assert second["backup"]["counts"]["release_assets"] == 0  # unchanged: the chain holds it

    target = tmp_path / "r"
    restored = run_backup(
        "restore", second["artifact"]["path"], "--to", str(target), "--output", "json"
    )
    assert restored.code == 0, restored
    assert (target / "assets" / str(kept.id)).read_bytes() == small
    events = [
        json.loads(x) for x in (target / "meta" / "issue_events.jsonl").read_text().splitlines()
    ]
    assert sorted(e["event"] for e in events) == ["closed", "labeled", "reopened"]


def test_events_can_be_turned_off(
    run_backup: RunBackup, github: GitHubSetup, tmp_path: Path
) -> None:
    settings = config(tmp_path, **{"include-issue-events": "false"})
    made = create(run_backup, github, tmp_path / "o", "--config", str(settings))
    assert "issue_events" not in made["backup"]["counts"]
    assert "release_assets" not in made["backup"]["counts"]


def make_wiki(github: GitHubSetup, tmp_path: Path) -> None:
    """A wiki with one page, where GitHub keeps it: NAME.wiki.git beside NAME.git."""
    wiki = github.rig.world.repo.wiki_path
    subprocess.run(["git", "init", "-q", "--bare", str(wiki)], check=True)
    pages = tmp_path / "pages"
    pages.mkdir()
    git(pages, "init", "-q", "-b", "master")
    (pages / "Home.md").write_text("# Welcome\n")
    git(pages, "add", "Home.md")
    git(pages, "commit", "-q", "-m", "first page")
    git(pages, "push", "-q", str(wiki), "master")


def test_the_wiki_and_pull_request_refs_are_backed_up_and_restored(
    run_backup: RunBackup, github: GitHubSetup, tmp_path: Path
) -> None:
    make_wiki(github, tmp_path)
    settings = config(tmp_path, **{"include-pull-refs": "true"})
    made = create(run_backup, github, tmp_path / "out", "--config", str(settings))
    notes = made["notes"]
    assert any(n.startswith("pull-request refs: ") and "0 fetched" not in n for n in notes), notes
    path = made["artifact"]["path"]
    with tarfile.open(path) as tar:
        assert "git/wiki.bundle" in tar.getnames()
        manifest = json.loads(tar.extractfile("MANIFEST.json").read())  # type: ignore[union-attr]
    pulls = [r["name"] for r in manifest["git"]["refs"] if r["name"].startswith("refs/pull/")]
    assert f"refs/pull/{github.rig.world.pr}/head" in pulls
    assert [r["name"] for r in manifest["wiki"]["refs"]] == ["refs/heads/master"]
    assert not git(github.clone, "for-each-ref", "refs/pull"), "the clone gets no new refs"

    target = tmp_path / "r"
    assert run_backup("restore", path, "--to", str(target)).code == 0
    assert (target / "wiki" / "Home.md").read_text() == "# Welcome\n"
    restored = git(target / "repo", "for-each-ref", "--format=%(refname)", "refs/pull")
    assert restored.split() == sorted(pulls)


def test_without_a_wiki_the_backup_says_so(
    run_backup: RunBackup, github: GitHubSetup, tmp_path: Path
) -> None:
    made = create(run_backup, github, tmp_path / "out")
    [note] = [n for n in made["notes"] if n.startswith("wiki: ")]
    assert note.startswith("wiki: not backed up: ") and ".wiki.git" in note
