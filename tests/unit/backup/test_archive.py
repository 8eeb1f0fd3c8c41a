"""The archive format: deterministic bytes, atomic writes, and a reader that refuses what
ci-agent never writes."""

from __future__ import annotations

import errno
import gzip
import hashlib
import io
import tarfile
from pathlib import Path

import pytest

from ci_agent.backup import archive
from ci_agent.backup.archive import disk_errors, write_archive
from ci_agent.backup.scan import Member, read_manifest_bytes, scan_archive
from ci_agent.errors import CiAgentError


def files(root: Path) -> list[tuple[str, Path]]:
    root.mkdir(exist_ok=True)
    made = []
    for name, data in {
        "SHA256SUMS": b"sums\n",
        "MANIFEST.json": b"{}\n",
        "meta/issues.jsonl": b'{"id":1}\n',
        "git/repo.bundle": bytes(range(256)) * 1000,
    }.items():
        path = root / name.replace("/", "_")
        path.write_bytes(data)
        made.append((name, path))
    return made


def test_same_input_same_bytes_and_sorted_plain_members(tmp_path: Path) -> None:
    members = files(tmp_path / "in")
    one = write_archive(tmp_path / "one.tar.gz", members, mtime=1767225600, level=6)
    two = write_archive(tmp_path / "two.tar.gz", list(reversed(members)), mtime=1767225600, level=6)
    data = (tmp_path / "one.tar.gz").read_bytes()
    assert one == two == hashlib.sha256(data).hexdigest()
    assert data == (tmp_path / "two.tar.gz").read_bytes()
    # gzip header: magic, deflate, no flags (no file name), mtime 0.
    assert data[:8] == b"\x1f\x8b\x08\x00\x00\x00\x00\x00"
    with tarfile.open(tmp_path / "one.tar.gz") as tar:
        infos = tar.getmembers()
    assert [i.name for i in infos] == sorted(name for name, _ in members)
    assert {(i.mtime, i.mode, i.uid, i.gid, i.uname, i.gname, i.type) for i in infos} == {
        (1767225600, 0o644, 0, 0, "", "", tarfile.REGTYPE)
    }
    other = write_archive(tmp_path / "three.tar.gz", members, mtime=1767225601, level=6)
    assert other != one, "created_at is part of the bytes"


def test_progress_counts_every_source_byte(tmp_path: Path) -> None:
    members = files(tmp_path / "in")
    seen: list[int] = []
    write_archive(tmp_path / "a.tar.gz", members, mtime=0, level=1, progress=seen.append)
    assert sum(seen) == sum(path.stat().st_size for _, path in members)


@pytest.mark.parametrize(
    "failure", [OSError(errno.ENOSPC, "No space left on device"), KeyboardInterrupt()]
)
def test_a_failed_write_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: BaseException
) -> None:
    members = files(tmp_path / "in")
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.tar.gz").write_bytes(b"kept")
    calls = 0
    real = archive._HashingWriter.write

    def failing(self: archive._HashingWriter, data: bytes) -> int:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise failure
        return real(self, data)

    monkeypatch.setattr(archive._HashingWriter, "write", failing)
    with pytest.raises(type(failure)):
        write_archive(out / "new.tar.gz", members, mtime=0, level=0)
    assert sorted(p.name for p in out.iterdir()) == ["old.tar.gz"]


def test_disk_errors_are_coded(tmp_path: Path) -> None:
    with pytest.raises(CiAgentError) as full, disk_errors(tmp_path):
        raise OSError(errno.ENOSPC, "No space left on device")
    assert full.value.code == "CA701"
    with pytest.raises(CiAgentError) as denied, disk_errors(tmp_path):
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path / "x"))
    assert denied.value.code == "CA205"
    assert "Permission denied" in denied.value.message


def tar_gz(path: Path, build: object) -> Path:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as tar:
        build(tar)  # type: ignore[operator]
    path.write_bytes(gzip.compress(buffer.getvalue(), mtime=0))
    return path


def add(
    tar: tarfile.TarFile,
    name: str,
    data: bytes = b"x",
    kind: bytes = tarfile.REGTYPE,
    link: str = "",
) -> None:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    tar.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)


@pytest.mark.parametrize(
    ("name", "kind", "link", "problem"),
    [
        ("/etc/passwd", tarfile.REGTYPE, "", "an absolute path"),
        ("meta/../../evil", tarfile.REGTYPE, "", "leaves the directory"),
        ("meta/link", tarfile.SYMTYPE, "/etc/passwd", "a link"),
        ("meta/hard", tarfile.LNKTYPE, "MANIFEST.json", "a link"),
        ("dev/null", tarfile.CHRTYPE, "", "not a regular file"),
        ("fifo", tarfile.FIFOTYPE, "", "not a regular file"),
        ("meta", tarfile.DIRTYPE, "", "not a regular file"),
        ("meta/.hidden", tarfile.REGTYPE, "", "an unexpected file name"),
        ("MANIFEST.json", tarfile.REGTYPE, "", "a second member"),
    ],
)
def test_unsafe_members_are_refused(
    tmp_path: Path, name: str, kind: bytes, link: str, problem: str
) -> None:
    def build(tar: tarfile.TarFile) -> None:
        add(tar, "MANIFEST.json", b"{}")
        add(tar, name, kind=kind, link=link)

    path = tar_gz(tmp_path / "evil.tar.gz", build)
    seen: list[str] = []
    scan = scan_archive(path, lambda member: seen.append(member.name))
    assert scan.error is not None and scan.error.code == "CA522"
    assert problem in scan.error.message
    assert seen == ["MANIFEST.json"], "nothing of the unsafe member is handed over"
    assert scan.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_data_after_the_end_of_the_tar_is_found(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        add(tar, "MANIFEST.json", b"{}")
    hidden = io.BytesIO()
    with tarfile.open(fileobj=hidden, mode="w") as tar:
        add(tar, "extra", b"smuggled")
    path = tmp_path / "a.tar.gz"
    path.write_bytes(gzip.compress(buffer.getvalue() + hidden.getvalue()))
    scan = scan_archive(path, lambda member: member.stream.read())
    assert scan.error is not None and "after the end" in scan.error.message


def test_not_gzip_and_not_tar_are_not_ours(tmp_path: Path) -> None:
    plain = tmp_path / "plain.tar.gz"
    plain.write_bytes(b"just text")
    assert scan_archive(plain, lambda m: None).error.code == "CA521"  # type: ignore[union-attr]
    notar = tmp_path / "notar.tar.gz"
    notar.write_bytes(gzip.compress(b"x" * 5000))
    assert scan_archive(notar, lambda m: None).error.code == "CA523"  # type: ignore[union-attr]
    for path in (plain, notar):
        with pytest.raises(CiAgentError) as caught:
            read_manifest_bytes(path)
        assert caught.value.code == "CA521"


def test_the_manifest_is_read_from_the_first_member_only(tmp_path: Path) -> None:
    path = tar_gz(
        tmp_path / "a.tar.gz", lambda tar: (add(tar, "MANIFEST.json", b'{"a":1}'), add(tar, "b"))
    )
    assert read_manifest_bytes(path) == b'{"a":1}'
    other = tar_gz(tmp_path / "b.tar.gz", lambda tar: add(tar, "README", b"hi"))
    with pytest.raises(CiAgentError) as caught:
        read_manifest_bytes(other)
    assert caught.value.code == "CA521"
    assert "first member is not MANIFEST.json" in caught.value.message


def test_members_stream_in_order(tmp_path: Path) -> None:
    members = files(tmp_path / "in")
    path = tmp_path / "a.tar.gz"
    sha = write_archive(path, members, mtime=0, level=6)
    got: dict[str, bytes] = {}

    def visit(member: Member) -> None:
        got[member.name] = member.stream.read()

    scan = scan_archive(path, visit)
    assert scan.error is None and scan.sha256 == sha and scan.size == path.stat().st_size
    assert got == {name: p.read_bytes() for name, p in members}
