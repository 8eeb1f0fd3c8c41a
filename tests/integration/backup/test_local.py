"""Backups of a local repository without GitHub: create, determinism, restore round trip,
incremental chains, and the bad-input cases each with its coded error."""

from __future__ import annotations

import errno
import json
import tarfile
from pathlib import Path

import pytest

from ci_agent.backup import archive
from tests.conftest import git

from .conftest import RunBackup, commit, refs_of

T0 = "2026-01-01T00:00:00Z"


def only_archives(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir())


def create(run_backup: RunBackup, repo: Path, out: Path, *args: str) -> dict[str, object]:
    result = run_backup("create", "--path", str(repo), "--out", str(out), "--output", "json", *args)
    assert result.code == 0, result
    data: dict[str, object] = result.json()["result"]
    return data


def test_a_laptop_backup_has_git_data_and_says_metadata_was_skipped(
    run_backup: RunBackup, history: Path, tmp_path: Path
) -> None:
    result = run_backup("create", "--path", str(history), "--out", str(tmp_path / "out"))
    assert result.code == 0, result
    assert "GitHub metadata skipped: no GitHub repository or token" in result.out
    [archive_path] = (tmp_path / "out").glob("*.tar.gz")
    assert archive_path.name.endswith("-manual-full.tar.gz")
    sidecar = archive_path.with_name(archive_path.name + ".sha256").read_text()
    assert sidecar.endswith(f"  {archive_path.name}\n")
    with tarfile.open(archive_path) as tar:
        assert tar.getnames() == ["MANIFEST.json", "SHA256SUMS", "git/repo.bundle"]
        manifest = json.loads(tar.extractfile("MANIFEST.json").read())  # type: ignore[union-attr]
    assert manifest["metadata"]["skipped"] == "no GitHub repository or token"
    names = {ref["name"] for ref in manifest["git"]["refs"]}
    assert {
        "refs/heads/main",
        "refs/heads/feature",
        "refs/tags/light",
        "refs/notes/commits",
    } <= names
    assert manifest["git"]["head"]["symref"] == "refs/heads/main"


def test_two_creates_of_the_same_state_give_the_same_bytes(
    run_backup: RunBackup, history: Path, tmp_path: Path
) -> None:
    one = create(run_backup, history, tmp_path / "one", "--created-at", T0)
    two = create(run_backup, history, tmp_path / "two", "--created-at", T0)
    a, b = one["artifact"], two["artifact"]
    assert a["sha256"] == b["sha256"]  # type: ignore[index]
    assert Path(a["path"]).read_bytes() == Path(b["path"]).read_bytes()  # type: ignore[index]


def test_source_date_epoch_sets_the_time(
    run_backup: RunBackup, history: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    data = create(run_backup, history, tmp_path / "out")
    assert data["backup"]["created_at"] == T0  # type: ignore[index]


def test_restore_round_trip(run_backup: RunBackup, history: Path, tmp_path: Path) -> None:
    data = create(run_backup, history, tmp_path / "out")
    target = tmp_path / "restored"
    result = run_backup("restore", str(data["artifact"]["path"]), "--to", str(target))  # type: ignore[index]
    assert result.code == 0, result
    repo = target / "repo"
    assert refs_of(repo) == refs_of(history)
    git(repo, "fsck", "--full", "--strict")
    assert git(repo, "notes", "show", "main") == "reviewed"
    assert (repo / "a.txt").read_text() == "two\n"
    assert git(repo, "status", "--porcelain") == ""
    assert (target / "MANIFEST.json").is_file()


def test_an_incremental_chain_restores_in_order(
    run_backup: RunBackup, history: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    create(run_backup, history, out, "--kind", "weekly", "--created-at", T0)
    commit(history, "c.txt", "three\n", "third")
    git(history, "tag", "-a", "v2", "-m", "two", "old")  # a new tag object on an old commit
    git(history, "branch", "-D", "feature")
    second = create(
        run_backup, history, out, "--kind", "daily", "--created-at", "2026-01-02T00:00:00Z"
    )
    assert second["backup"]["mode"] == "incremental"  # type: ignore[index]
    git(history, "update-ref", "refs/heads/rewound", "old")  # a ref moved to an old object
    third = create(
        run_backup, history, out, "--kind", "daily", "--created-at", "2026-01-03T00:00:00Z"
    )
    assert third["backup"]["chain_length"] == 2  # type: ignore[index]
    fourth = create(
        run_backup, history, out, "--kind", "daily", "--created-at", "2026-01-04T00:00:00Z"
    )
    assert fourth["backup"]["bundle"] is False, "nothing new: no bundle"  # type: ignore[index]
    verified = run_backup("verify", str(out), "--output", "json")
    assert verified.code == 0, verified
    assert len(verified.json()["result"]["chain"]) == 3
    result = run_backup("restore", str(out), "--to", str(tmp_path / "restored"))
    assert result.code == 0, result
    assert refs_of(tmp_path / "restored" / "repo") == refs_of(history)
    git(tmp_path / "restored" / "repo", "fsck", "--full", "--strict")


def test_full_forces_and_weekly_defaults_to_full(
    run_backup: RunBackup, history: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    create(run_backup, history, out, "--kind", "daily", "--created-at", T0)
    weekly = create(
        run_backup, history, out, "--kind", "weekly", "--created-at", "2026-01-02T00:00:00Z"
    )
    forced = create(
        run_backup,
        history,
        out,
        "--kind",
        "daily",
        "--full",
        "--created-at",
        "2026-01-03T00:00:00Z",
    )
    daily = create(
        run_backup, history, out, "--kind", "daily", "--created-at", "2026-01-04T00:00:00Z"
    )
    assert [weekly["backup"]["mode"], forced["backup"]["mode"], daily["backup"]["mode"]] == [  # type: ignore[index]
        "full",
        "full",
        "incremental",
    ]


def test_incremental_without_a_previous_backup(
    run_backup: RunBackup, history: Path, tmp_path: Path
) -> None:
    result = run_backup(
        "create", "--path", str(history), "--out", str(tmp_path / "o"), "--incremental"
    )
    assert result.code == 2
    assert "error[CA223]: no backup to build on" in result.err
    assert "Drop --incremental" in result.err


def test_a_missing_chain_link_is_ca525(
    run_backup: RunBackup, history: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    first = create(run_backup, history, out, "--created-at", T0)
    commit(history, "d.txt", "x\n", "more")
    create(run_backup, history, out, "--kind", "daily", "--created-at", "2026-01-02T00:00:00Z")
    Path(first["artifact"]["path"]).unlink()  # type: ignore[index]
    result = run_backup("verify", str(out))
    assert result.code == 4
    assert "error[CA525]" in result.err and str(Path(first["artifact"]["path"]).name) in result.err  # type: ignore[index]


def test_dry_run_writes_nothing(run_backup: RunBackup, history: Path, tmp_path: Path) -> None:
    result = run_backup("create", "--path", str(history), "--out", str(tmp_path / "o"), "--dry-run")
    assert result.code == 0, result
    assert "would write" in result.out
    assert not (tmp_path / "o").exists()  # not even --out is created


# --- bad input and faults ---------------------------------------------------------------------


def test_git_missing(
    run_backup: RunBackup, history: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))
    result = run_backup("create", "--path", str(history), "--out", str(tmp_path / "o"))
    assert result.code == 2
    assert "error[CA201]: git is not installed" in result.err
    assert "Traceback" not in result.err


def test_a_shallow_clone_is_refused_with_the_fix(
    run_backup: RunBackup, history: Path, tmp_path: Path
) -> None:
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{history}", str(shallow))
    result = run_backup("create", "--path", str(shallow), "--out", str(tmp_path / "o"))
    assert result.code == 2
    assert "error[CA204]" in result.err and "fetch-depth: 0" in result.err
    assert not (tmp_path / "o").exists() or list((tmp_path / "o").iterdir()) == []


def test_an_empty_repository_without_metadata(run_backup: RunBackup, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    git(empty, "init", "-q")
    result = run_backup("create", "--path", str(empty), "--out", str(tmp_path / "o"))
    assert result.code == 2
    assert "error[CA222]" in result.err


def test_not_a_repository(run_backup: RunBackup, tmp_path: Path) -> None:
    result = run_backup("create", "--path", str(tmp_path), "--out", str(tmp_path / "o"))
    assert result.code == 2
    assert "error[CA202]" in result.err


def test_an_output_directory_that_is_a_file(
    run_backup: RunBackup, history: Path, tmp_path: Path
) -> None:
    (tmp_path / "file").write_text("x")
    result = run_backup("create", "--path", str(history), "--out", str(tmp_path / "file"))
    assert result.code == 2
    assert "error[CA205]" in result.err and "is a file, not a directory" in result.err


@pytest.mark.parametrize(
    "fault",
    [
        (OSError(errno.ENOSPC, "No space left on device"), "CA701", 5),
        (KeyboardInterrupt(), "CA702", 5),
    ],
)
def test_a_full_disk_or_ctrl_c_leaves_no_partial_archive(
    run_backup: RunBackup,
    history: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fault: tuple[BaseException, str, int],
) -> None:
    failure, code, exit_code = fault
    out = tmp_path / "out"
    create(run_backup, history, out, "--created-at", T0)
    before = only_archives(out)
    calls = 0
    real = archive._HashingWriter.write

    def failing(self: archive._HashingWriter, data: bytes) -> int:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise failure
        return real(self, data)

    monkeypatch.setattr(archive._HashingWriter, "write", failing)
    result = run_backup(
        "create",
        "--path",
        str(history),
        "--out",
        str(out),
        "--created-at",
        "2026-01-02T00:00:00Z",
        "--full",
    )
    assert result.code == exit_code, result
    assert f"error[{code}]" in result.err
    assert only_archives(out) == before, "no partial archive, no temporary file, no staging"


def test_restore_into_a_non_empty_directory_needs_force(
    run_backup: RunBackup, history: Path, tmp_path: Path
) -> None:
    data = create(run_backup, history, tmp_path / "out")
    target = tmp_path / "busy"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    path = str(data["artifact"]["path"])  # type: ignore[index]
    refused = run_backup("restore", path, "--to", str(target))
    assert refused.code == 2 and "error[CA221]" in refused.err
    assert (target / "keep.txt").exists()
    forced = run_backup("restore", path, "--to", str(target), "--force")
    assert forced.code == 0, forced
    assert not (target / "keep.txt").exists()
    assert refs_of(target / "repo") == refs_of(history)
    (tmp_path / "afile").write_text("x")
    onto_file = run_backup("restore", path, "--to", str(tmp_path / "afile"))
    assert onto_file.code == 2 and "error[CA205]" in onto_file.err


def test_an_archive_that_is_not_ours(run_backup: RunBackup, tmp_path: Path) -> None:
    other = tmp_path / "photos.tar.gz"
    with tarfile.open(other, "w:gz") as tar:
        (tmp_path / "cat.jpg").write_bytes(b"meow")
        tar.add(tmp_path / "cat.jpg", arcname="cat.jpg")
    for command in (["verify", str(other)], ["restore", str(other), "--to", str(tmp_path / "r")]):
        result = run_backup(*command)
        assert result.code == 4, result
        assert "error[CA521]: photos.tar.gz is not a ci-agent backup" in result.err
    assert not (tmp_path / "r").exists()
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    result = run_backup("verify", str(text))
    assert result.code == 4 and "error[CA521]" in result.err


def test_verify_an_extracted_directory(
    run_backup: RunBackup, history: Path, tmp_path: Path
) -> None:
    data = create(run_backup, history, tmp_path / "out")
    extracted = tmp_path / "x"
    extracted.mkdir()
    with tarfile.open(data["artifact"]["path"]) as tar:  # type: ignore[index]
        tar.extractall(extracted, filter="data")
    assert run_backup("verify", str(extracted)).code == 0
    (extracted / "git" / "repo.bundle").write_bytes(b"x")
    result = run_backup("verify", str(extracted))
    assert result.code == 4 and "error[CA503]" in result.err
