"""Dry runs write nothing (create, verify, restore, prune); verification records only for
backups, beside them; contradictory flags; a missing chain link named as such; restore keeps
ordinary directory modes; leftovers of a killed create are listed, then removed."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from ci_agent.backup.staging import MARKER

from .conftest import RunBackup, commit, history

__all__ = ["history"]


def make_chain(run_backup: RunBackup, repo: Path, out: Path) -> list[Path]:
    made = []
    for n, kind in enumerate(("weekly", "daily")):
        if n:
            commit(repo, "c.txt", "more\n", "more")
        result = run_backup(
            "create", "--path", str(repo), "--out", str(out), "--kind", kind,
            "--created-at", f"2030-01-0{n + 1}T00:00:00Z", "--output", "json",
        )  # fmt: skip
        assert result.code == 0, result
        made.append(Path(result.json()["result"]["artifact"]["path"]))
    return made


def tree(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_size for p in sorted(root.rglob("*"))}


def test_dry_runs_write_nothing(run_backup: RunBackup, history: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    daily = make_chain(run_backup, history, out)[1]
    before = tree(out)
    restored = run_backup("restore", str(daily), "--to", str(tmp_path / "r"), "--dry-run")
    assert restored.code == 0, restored
    assert "verified, dry run" in restored.out and "would restore to" in restored.out
    assert not (tmp_path / "r").exists()
    verified = run_backup("verify", str(daily), "--dry-run", "--output", "json")
    assert verified.code == 0 and verified.json()["result"]["recorded"] is None
    pruned = run_backup("prune", "--dir", str(out), "--keep-daily", "1", "--dry-run")
    assert pruned.code == 0
    created = run_backup("create", "--path", str(history), "--out", str(out), "--dry-run")
    assert created.code == 0 and "would write" in created.out
    assert tree(out) == before


def test_verify_records_only_backups_and_their_chain(
    run_backup: RunBackup, history: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    weekly, daily = make_chain(run_backup, history, out)
    result = run_backup("verify", str(daily), "--output", "json")
    assert result.code == 0, result
    for path in (weekly, daily):  # the weekly was verified as part of the daily's chain
        record = json.loads(path.with_name(path.name + ".verified.json").read_text())
        assert record["ok"] is True and record["name"] == path.name
    listed = run_backup("list", "--dir", str(out)).out
    assert "verified: never" not in listed

    stray = tmp_path / "notes.txt"
    stray.write_text("not a backup\n")
    refused = run_backup("verify", str(stray))
    assert refused.code == 4 and "error[CA521]" in refused.err
    assert not list(tmp_path.glob("notes.txt.*")), "nothing is written beside a stray file"

    renamed = tmp_path / "copy.tar.gz"  # a good archive under a name that is not a backup's
    renamed.write_bytes(weekly.read_bytes())
    assert run_backup("verify", str(renamed)).code == 0
    assert not renamed.with_name("copy.tar.gz.verified.json").exists()


def test_full_and_incremental_contradict(
    run_backup: RunBackup, history: Path, tmp_path: Path
) -> None:
    result = run_backup("create", "--path", str(history), "--out", str(tmp_path / "o"),
                        "--full", "--incremental")  # fmt: skip
    assert result.code == 2
    assert "error[CA150]: --full and --incremental contradict each other" in result.err
    assert not (tmp_path / "o").exists()


def test_a_missing_link_is_named_in_the_chain(
    run_backup: RunBackup, history: Path, tmp_path: Path
) -> None:
    weekly, daily = make_chain(run_backup, history, tmp_path / "out")
    weekly.unlink()
    result = run_backup("verify", str(daily))
    assert result.code == 4
    [line] = [ln for ln in result.out.splitlines() if ln.strip().startswith("chain ")]
    assert line.endswith(f"{weekly.name} (MISSING)")
    assert "none (full backup)" not in result.out


def test_restore_gives_the_target_an_ordinary_mode(
    run_backup: RunBackup, history: Path, tmp_path: Path
) -> None:
    _, daily = make_chain(run_backup, history, tmp_path / "out")
    old = os.umask(0o022)
    try:
        assert run_backup("restore", str(daily), "--to", str(tmp_path / "r")).code == 0
        assert stat.S_IMODE((tmp_path / "r").stat().st_mode) == 0o755
        kept = tmp_path / "k"
        kept.mkdir()
        kept.chmod(0o750)
        (kept / "old.txt").write_text("old\n")
        assert run_backup("restore", str(daily), "--to", str(kept), "--force").code == 0
        assert stat.S_IMODE(kept.stat().st_mode) == 0o750
        assert not (kept / "old.txt").exists()
    finally:
        os.umask(old)


def test_leftovers_of_a_killed_create_are_listed_then_removed(
    run_backup: RunBackup, history: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    make_chain(run_backup, history, out)
    stage = out / ".ci-agent-backup-abc123"
    (stage / "data").mkdir(parents=True)
    (stage / "data" / "x").write_bytes(b"x" * 1000)
    # a process that no longer exists staged it (pid 2**22 + 1 is above Linux's pid_max)
    marker = {"host": os.uname().nodename, "pid": 4194305, "started_at": 0}
    (stage / MARKER).write_text(json.dumps(marker))
    listed = run_backup("list", "--dir", str(out), "--output", "json").json()["result"]
    [stale] = listed["stale"]
    assert (
        stale["path"] == str(stage) and "process 4194305 that staged it is gone" in stale["reason"]
    )
    planned = run_backup("create", "--path", str(history), "--out", str(out), "--dry-run")
    assert f"would remove {stage.name} (1" in planned.out and stage.exists()
    dry = run_backup("prune", "--dir", str(out), "--dry-run", "--output", "json").json()["result"]
    assert dry["stale_would_remove"][0]["path"] == str(stage) and stage.exists()
    done = run_backup("prune", "--dir", str(out), "--output", "json").json()["result"]
    assert done["stale_removed"][0]["size"] >= 1000 and not stage.exists()
