"""The corruption matrix: a single flipped byte anywhere, truncation, an extra or a missing
file, an edited manifest or SHA256SUMS — each is found and named, with or without the
archive's .sha256 beside it."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import random
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import git

from .conftest import RunBackup, commit

SEED = 20260101
FLIPS = 24


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A backup with git data and every metadata file (fake metadata from a real archive)."""
    root = tmp_path_factory.mktemp("pristine")
    repo = root / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    for n in range(6):
        commit(repo, f"f{n}.txt", "".join(f"line {i} of {n}\n" for i in range(400)), f"c{n}")
    git(repo, "tag", "-a", "v1", "-m", "one")
    from datetime import UTC, datetime

    from ci_agent.backup.create import Request, build, plan
    from ci_agent.metrics import Metrics

    request = Request(repo, root / "out", "manual", "full", datetime(2026, 1, 1, tzinfo=UTC))
    return build(plan(request, [], metadata=False), None, Metrics()).path


def rebuild(src: Path, dest: Path, change: Callable[[dict[str, bytes]], None]) -> None:
    """Re-pack the archive with ``change`` applied to its members, and a fresh .sha256."""
    with tarfile.open(src) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]
    change(members)
    buffer = io.BytesIO()
    with (
        gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=6) as gz,
        tarfile.open(fileobj=gz, mode="w") as tar,
    ):
        for name in sorted(members, key=lambda n: (n != "MANIFEST.json", n)):
            info = tarfile.TarInfo(name)
            info.size = len(members[name])
            tar.addfile(info, io.BytesIO(members[name]))
    dest.write_bytes(buffer.getvalue())
    digest = hashlib.sha256(buffer.getvalue()).hexdigest()
    dest.with_name(dest.name + ".sha256").write_text(f"{digest}  {dest.name}\n")


def copy(pristine: Path, tmp_path: Path, *, sidecar: bool) -> Path:
    target = tmp_path / pristine.name
    target.write_bytes(pristine.read_bytes())
    if sidecar:
        side = pristine.with_name(pristine.name + ".sha256")
        target.with_name(side.name).write_bytes(side.read_bytes())
    return target


def verify(run_backup: RunBackup, path: Path) -> tuple[int, set[str], str]:
    result = run_backup("verify", str(path), "--output", "json")
    data = result.json()
    return result.code, {e["code"] for e in data["errors"]}, json.dumps(data["errors"])


def test_the_pristine_backup_verifies(
    run_backup: RunBackup, pristine: Path, tmp_path: Path
) -> None:
    assert verify(run_backup, copy(pristine, tmp_path, sidecar=True)) == (0, set(), "[]")
    assert verify(run_backup, copy(pristine, tmp_path / "..", sidecar=False))[0] == 0


@pytest.mark.parametrize("sidecar", [True, False], ids=["with-sha256", "without-sha256"])
@pytest.mark.parametrize("case", range(FLIPS))
def test_a_flipped_byte_anywhere_is_detected(
    run_backup: RunBackup, pristine: Path, tmp_path: Path, case: int, sidecar: bool
) -> None:
    data = bytearray(pristine.read_bytes())
    rng = random.Random(SEED + case)
    # Every region: the gzip header, the deflate stream, the CRC/length trailer.
    offset = (
        [0, 3, 4, 9, len(data) - 8, len(data) - 1][case] if case < 6 else rng.randrange(len(data))
    )
    if not sidecar and offset == len(data) - 9:
        # The deflate stream's last byte ends in padding bits that inflate ignores: without the
        # .sha256 nothing can see a flip there (backup/scan.py says so). Flip the byte before.
        offset -= 1
    data[offset] ^= 1 << rng.randrange(8)
    path = copy(pristine, tmp_path, sidecar=sidecar)
    path.write_bytes(bytes(data))
    code, codes, errors = verify(run_backup, path)
    assert code == 4, f"flip at {offset} went unnoticed"
    if sidecar:
        assert "CA503" in codes and pristine.name in errors, errors


@pytest.mark.parametrize("keep", [0.0, 0.1, 0.5, 0.99])
def test_truncation_is_detected(
    run_backup: RunBackup, pristine: Path, tmp_path: Path, keep: float
) -> None:
    for sidecar in (True, False):
        folder = tmp_path / str(sidecar)
        folder.mkdir()
        path = copy(pristine, folder, sidecar=sidecar)
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * keep)])
        code, codes, _ = verify(run_backup, path)
        assert code == 4
        assert codes & {"CA503", "CA521", "CA523"}


def _extra(members: dict[str, bytes]) -> None:
    members["meta/extra.jsonl"] = b'{"id": 1}\n'


def _missing(members: dict[str, bytes]) -> None:
    del members["git/repo.bundle"]


def _manifest_edit(members: dict[str, bytes]) -> None:
    members["MANIFEST.json"] = members["MANIFEST.json"].replace(
        b'"kind": "manual"', b'"kind": "weekly"'
    )


def _manifest_sha(members: dict[str, bytes]) -> None:
    manifest = json.loads(members["MANIFEST.json"])
    manifest["files"]["git/repo.bundle"]["sha256"] = "0" * 64
    members["MANIFEST.json"] = json.dumps(manifest).encode()


def _sums_edit(members: dict[str, bytes]) -> None:
    members["SHA256SUMS"] = members["SHA256SUMS"].replace(b"  git/", b"  git/x")


def _sums_digest(members: dict[str, bytes]) -> None:
    first = members["SHA256SUMS"].split(b" ")[0]
    members["SHA256SUMS"] = members["SHA256SUMS"].replace(first, b"f" * 64, 1)


def _bundle_byte(members: dict[str, bytes]) -> None:
    bundle = bytearray(members["git/repo.bundle"])
    bundle[len(bundle) // 2] ^= 0x10
    members["git/repo.bundle"] = bytes(bundle)


def _bundle_consistent(members: dict[str, bytes]) -> None:
    """A corrupted pack whose checksums were updated everywhere: only git can tell."""
    bundle = bytearray(members["git/repo.bundle"])
    bundle[len(bundle) // 2] ^= 0x10
    members["git/repo.bundle"] = bytes(bundle)
    digest = hashlib.sha256(bundle).hexdigest()
    manifest = json.loads(members["MANIFEST.json"])
    manifest["files"]["git/repo.bundle"] = {"sha256": digest, "size": len(bundle)}
    members["MANIFEST.json"] = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
    lines = [
        f"{hashlib.sha256(members[name]).hexdigest()}  {name}\n"
        for name in sorted(members)
        if name != "SHA256SUMS"
    ]
    members["SHA256SUMS"] = "".join(lines).encode()


@pytest.mark.parametrize(
    "case",
    [
        (_extra, "CA526", "meta/extra.jsonl is not listed in MANIFEST.json"),
        (_missing, "CA523", "git/repo.bundle is listed in SHA256SUMS but missing"),
        (_manifest_edit, "CA503", "MANIFEST.json: SHA-256 mismatch"),
        (_manifest_sha, "CA503", "git/repo.bundle: SHA-256 mismatch"),
        (_sums_edit, "CA523", "git/xrepo.bundle is listed in SHA256SUMS but missing"),
        (_sums_digest, "CA503", "SHA-256 mismatch"),
        (_bundle_byte, "CA503", "git/repo.bundle: SHA-256 mismatch"),
        (_bundle_consistent, "CA524", "the git data of"),
    ],
    ids=[
        "extra-file",
        "missing-file",
        "edited-manifest",
        "manifest-digest",
        "edited-sums",
        "sums-digest",
        "bundle-byte",
        "consistent-bad-pack",
    ],
)
def test_content_changes_are_named(
    run_backup: RunBackup,
    pristine: Path,
    tmp_path: Path,
    case: tuple[Callable[[dict[str, bytes]], None], str, str],
) -> None:
    change, code, words = case
    path = tmp_path / pristine.name
    rebuild(pristine, path, change)
    exit_code, codes, errors = verify(run_backup, path)
    assert exit_code == 4
    assert code in codes, errors
    assert words in errors, errors


def test_a_foreign_gzip_header_is_found_without_the_sha256(
    run_backup: RunBackup, pristine: Path, tmp_path: Path
) -> None:
    data = bytearray(pristine.read_bytes())
    data[4:8] = b"\x01\x02\x03\x04"  # a gzip mtime: content unchanged, bytes not ours
    path = tmp_path / pristine.name
    path.write_bytes(bytes(data))
    code, codes, errors = verify(run_backup, path)
    assert (code, codes) == (4, {"CA523"})
    assert "the gzip header is" in errors
