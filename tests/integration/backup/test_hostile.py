"""Archives made by someone else: a decompression bomb, a manifest whose refs, HEAD or
object format were edited with every checksum recomputed, a forged history; and a repository
that only shares another's directory name."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ci_agent.backup.extract import check_archive
from tests.conftest import git

from .conftest import RunBackup, commit, history
from .test_corruption import pristine, rebuild

__all__ = ["history", "pristine"]

MiB = 1 << 20


class _Zeros(io.RawIOBase):
    """``size`` zero bytes, read lazily (a bomb is never held in memory)."""

    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        n = min(len(buffer), self.left)
        buffer[:n] = bytes(n)
        self.left -= n
        return n


def bomb(
    dest: Path, manifest_size: int, member_size: int, member: str = "meta/issues.jsonl"
) -> None:
    """A tar.gz whose manifest lists ``meta/issues.jsonl`` with ``manifest_size`` bytes,
    holding ``member_size`` zero bytes as ``member`` (they compress about a thousandfold)."""
    manifest = {
        "format": "ci-agent-backup", "schema_version": 1, "tool": {"name": "ci-agent"},
        "name": dest.name, "repository": "acme/widgets", "created_at": "2030-01-01T00:00:00Z",
        "kind": "manual", "mode": "full", "git": {},
        "metadata": {"counts": {"issues": 1}},
        "files": {"meta/issues.jsonl": {"sha256": "0" * 64, "size": manifest_size}},
    }  # fmt: skip
    data = json.dumps(manifest).encode()
    with (
        dest.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as gz,
        tarfile.open(fileobj=gz, mode="w") as tar,
    ):
        info = tarfile.TarInfo("MANIFEST.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
        info = tarfile.TarInfo(member)
        info.size = member_size
        tar.addfile(info, io.BufferedReader(_Zeros(member_size), 4 * MiB))


def written(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def bombs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    root = tmp_path_factory.mktemp("bombs")
    made = {
        "unlisted": (10, 256 * MiB, "meta/pulls.jsonl"),
        "oversized": (10, 256 * MiB, "meta/issues.jsonl"),
        "claimed": (256 * MiB, 256 * MiB, "meta/issues.jsonl"),
    }
    paths = {}
    for label, (listed, size, member) in made.items():
        path = root / f"ci-agent-backup-acme-widgets-20300101T000000Z-{label}.tar.gz"
        bomb(path, listed, size, member)
        paths[label] = path
    yield paths


@pytest.mark.parametrize(
    ("label", "words"),
    [
        ("unlisted", "meta/pulls.jsonl is not listed in MANIFEST.json"),
        ("oversized", "meta/issues.jsonl has 268435456 bytes, MANIFEST.json lists 10"),
        ("claimed", "more than the 67108864 allowed"),
    ],
)
def test_a_bomb_is_refused_before_it_is_written(
    bombs: dict[str, Path], tmp_path: Path, label: str, words: str
) -> None:
    path = bombs[label]
    assert path.stat().st_size < 2 * MiB  # a quarter GiB of zeros
    start = time.monotonic()
    checked = check_archive(path, tmp_path, None, budget=64 * MiB)
    assert [e.code for e in checked.problems] == ["CA526"]
    assert words in checked.problems[0].message
    assert written(tmp_path) < MiB, "refused before a byte of the member was written"
    assert time.monotonic() - start < 20


def test_the_cli_refuses_a_bomb_with_its_code(
    run_backup: RunBackup, bombs: dict[str, Path]
) -> None:
    result = run_backup("verify", str(bombs["claimed"]), "--max-bytes", str(64 * MiB))
    assert result.code == 4
    assert "error[CA526]" in result.err and "--max-bytes" in result.err


def _edit_manifest(edit: Callable[[dict], None]) -> Callable[[dict[str, bytes]], None]:  # type: ignore[type-arg]
    """A change that edits MANIFEST.json and recomputes SHA256SUMS, as an attacker would."""

    def change(members: dict[str, bytes]) -> None:
        manifest = json.loads(members["MANIFEST.json"])
        edit(manifest)
        members["MANIFEST.json"] = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
        members["SHA256SUMS"] = "".join(
            f"{hashlib.sha256(members[n]).hexdigest()}  {n}\n"
            for n in sorted(members)
            if n != "SHA256SUMS"
        ).encode()

    return change


def _refs(manifest: dict) -> dict[str, dict]:  # type: ignore[type-arg]
    return {ref["name"]: ref for ref in manifest["git"]["refs"]}


def _first_commit(manifest: dict) -> str:  # type: ignore[type-arg]
    return str(manifest["git"]["refs"][0]["sha"])


def _roll_back_and_backdoor(manifest: dict) -> None:  # type: ignore[type-arg]
    """HEAD and main rolled back to an older commit, a refs/heads/backdoor added."""
    old = manifest["git"]["head"]["sha"]
    manifest["git"]["head"]["sha"] = "0" * 40
    main = _refs(manifest)["refs/heads/main"]
    main["sha"] = "0" * 40
    manifest["git"]["refs"].append(
        {
            "name": "refs/heads/backdoor",
            "sha": old,
            "type": "commit",
            "peeled": None,
            "symref": None,
        }
    )


PARENT: dict[str, str] = {}  # main's parent in the pristine backup, filled by the test


def _move_main(manifest: dict) -> None:  # type: ignore[type-arg]
    _refs(manifest)["refs/heads/main"]["sha"] = PARENT["sha"]  # a commit the bundle holds


def _format(manifest: dict) -> None:  # type: ignore[type-arg]
    manifest["git"]["object_format"] = "sha256"


def _peeled(manifest: dict) -> None:  # type: ignore[type-arg]
    _refs(manifest)["refs/tags/v1"]["peeled"] = _refs(manifest)["refs/heads/main"]["sha"][::-1]


def _drop_ref(manifest: dict) -> None:  # type: ignore[type-arg]
    manifest["git"]["refs"] = [r for r in manifest["git"]["refs"] if r["name"] != "refs/tags/v1"]


@pytest.mark.parametrize(
    ("edit", "code", "words"),
    [
        (_roll_back_and_backdoor, "CA527", "the bundle's HEAD is"),
        (_move_main, "CA527", "refs/heads/main is"),
        (_format, "CA527", "object format sha256, the bundle's is sha1"),
        (_drop_ref, "CA527", "the bundle carries refs/tags/v1, which the manifest does not list"),
        (_peeled, "CA524", "refs differ: moved: refs/tags/v1"),
    ],
    ids=["rollback-backdoor", "moved-ref", "object-format", "hidden-ref", "peeled-tag"],
)
def test_every_claim_of_the_manifest_is_checked_against_the_data(
    run_backup: RunBackup,
    pristine: Path,
    *,
    tmp_path: Path,
    edit: Callable[[dict], None],  # type: ignore[type-arg]
    code: str,
    words: str,
) -> None:
    with tarfile.open(pristine) as tar:
        bundle = tar.extractfile("git/repo.bundle").read()  # type: ignore[union-attr]
    (tmp_path / "b.bundle").write_bytes(bundle)
    scratch = tmp_path / "scratch"
    git(tmp_path, "init", "-q", "--bare", str(scratch))
    git(scratch, "fetch", "-q", str(tmp_path / "b.bundle"), "refs/heads/main:refs/heads/main")
    PARENT["sha"] = git(scratch, "rev-parse", "main~1")
    path = tmp_path / pristine.name
    rebuild(pristine, path, _edit_manifest(edit))
    result = run_backup("verify", str(path), "--output", "json")
    assert result.code == 4, result
    errors = result.json()["errors"]
    assert [e["code"] for e in errors] == [code], errors
    assert words in errors[0]["message"], errors
    restored = run_backup("restore", str(path), "--to", str(tmp_path / "r"))
    assert restored.code == 4 and not (tmp_path / "r").exists()


def test_a_repository_with_the_same_directory_name_starts_its_own_chain(
    run_backup: RunBackup, tmp_path: Path
) -> None:
    out = tmp_path / "backups"
    made = []
    for owner in ("alice", "bob"):
        repo = tmp_path / owner / "click"
        repo.mkdir(parents=True)
        git(repo, "init", "-q", "-b", "main")
        commit(repo, "a.txt", f"{owner}\n", f"{owner}'s first commit")
        result = run_backup(
            "create", "--path", str(repo), "--out", str(out), "--kind", "daily", "--output", "json",
            "--created-at", f"2030-01-0{len(made) + 1}T00:00:00Z",
        )  # fmt: skip
        assert result.code == 0, result
        made.append(result.json()["result"])
    assert made[1]["backup"]["mode"] == "full" and made[1]["backup"]["previous"] is None
    roots = [
        git(tmp_path / o / "click", "rev-list", "--max-parents=0", "HEAD") for o in ("alice", "bob")
    ]
    assert roots[0] != roots[1]
    # the same repository again builds on its own backup
    commit(tmp_path / "bob" / "click", "b.txt", "more\n", "more")
    again = run_backup(
        "create", "--path", str(tmp_path / "bob" / "click"), "--out", str(out), "--kind", "daily",
        "--created-at", "2030-01-03T00:00:00Z", "--output", "json",
    )  # fmt: skip
    assert again.json()["result"]["backup"]["previous"] == made[1]["backup"]["name"]
