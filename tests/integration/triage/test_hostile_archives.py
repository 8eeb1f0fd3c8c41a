"""Run-log archives made to hurt: thousands of entries are refused at once (they took time
quadratic in their number), a member that inflates without end stops at the bound with
nothing left on disk, members' paths and links never reach the disk, and a cancelled triage
(SIGTERM) removes what it extracted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from ci_agent.errors import CiAgentError
from ci_agent.triage import layouts
from ci_agent.triage.triage import TriageOptions, triage_logs


def test_an_archive_with_more_jobs_than_a_run_has_is_ca140_at_once(tmp_path: Path) -> None:
    archive = tmp_path / "many.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for n in range(layouts.MAX_ARCHIVE_LOGS + 1):
            out.writestr(f"{n}_job{n}.txt", b"x\n")
    started = time.monotonic()

    with pytest.raises(CiAgentError) as raised:
        triage_logs([archive], TriageOptions())

    assert raised.value.code == "CA140"
    assert "1,001 job logs" in raised.value.message
    assert time.monotonic() - started < 30  # it read no member


def test_a_member_that_inflates_past_the_bound_is_ca140_and_nothing_stays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(layouts, "MAX_INFLATED", 4 << 20)
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("0_build.txt", b"\n" * (2 << 20))
        out.writestr("1_test.txt", b"\n" * (3 << 20))  # past the bound together
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # TMPDIR read again

    with pytest.raises(CiAgentError) as raised:
        triage_logs([archive], TriageOptions())

    assert raised.value.code == "CA140" and "inflate past" in raised.value.message
    assert list((tmp_path / "tmp").iterdir()) == []


def test_a_cancelled_triage_removes_what_it_extracted(tmp_path: Path) -> None:
    archive = tmp_path / "big.zip"
    with (
        zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out,
        out.open("0_job.txt", "w", force_zip64=True) as member,
    ):
        for _ in range(900):
            member.write(b"\n" * (1 << 20))
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp)}
    process = subprocess.Popen(
        [sys.executable, "-m", "ci_agent", "triage", "--log", str(archive)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while not any(temp.iterdir()) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process.poll() is None, "it finished before it could be cancelled"
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)

    assert process.returncode == 5, err
    assert b"CA702" in err and b"SIGTERM" in err
    assert list(temp.iterdir()) == []


def test_member_paths_and_symlinks_never_reach_the_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Step files under ``../../escape/`` and a member stored as a symbolic link: each job is
    written under the temporary directory by its index, the link's text is read as text (the
    file it names is never opened), and nothing is left behind."""
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # TMPDIR read again
    step = "2026-11-21T10:00:00.0000000Z ##[error]Process completed with exit code 1.\n"
    link = zipfile.ZipInfo("linked/2_Test.txt")
    link.external_attr = 0o120777 << 16  # a symbolic link to /etc/passwd
    archive = tmp_path / "hostile.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("../../escape/1_Set up job.txt", "Current runner version: '2.321.0'\n")
        out.writestr("../../escape/2_Test.txt", step)
        out.writestr("linked/1_Set up job.txt", "Current runner version: '2.321.0'\n")
        out.writestr(link, "/etc/passwd")

    result = triage_logs([archive], TriageOptions())

    assert [job.job for job in result.jobs] == ["escape"]  # the link's job has no error marker
    assert result.source["passed_jobs"] == ["linked"]
    assert not [p for p in tmp_path.rglob("*") if "escape" in p.name]
    assert list((tmp_path / "tmp").iterdir()) == []
