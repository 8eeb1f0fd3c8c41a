"""MANIFEST.json: canonical bytes, strict parsing with coded errors; SHA256SUMS both ways."""

from __future__ import annotations

import json

import pytest

from ci_agent.backup.manifest import (
    FileEntry,
    GitPart,
    Link,
    Manifest,
    MetaPart,
    parse_manifest,
    parse_sums,
    render_sums,
)
from ci_agent.errors import CiAgentError

SHA = "ab" * 32


def manifest(**changes: object) -> Manifest:
    fields: dict[str, object] = {
        "tool": {"name": "ci-agent", "version": "0"},
        "name": "n.tar.gz",
        "repository": "acme/widgets",
        "created_at": "2026-01-01T00:00:00Z",
        "kind": "daily",
        "mode": "full",
        "git": GitPart(bundle="git/repo.bundle"),
        "metadata": MetaPart(counts={"issues": 2}),
        "files": {"git/repo.bundle": FileEntry(sha256=SHA, size=3)},
    }
    fields.update(changes)
    return Manifest.model_validate(fields)


def test_bytes_are_canonical_and_parse_back() -> None:
    data = manifest().to_bytes()
    assert data == manifest().to_bytes()
    assert data.endswith(b"}\n")
    keys = list(json.loads(data))
    assert keys == sorted(keys)
    assert parse_manifest(data, "x") == manifest()


def test_chain_and_previous_must_agree() -> None:
    link = Link(name="p.tar.gz", sha256=SHA, created_at="2025-12-31T00:00:00Z")
    assert manifest(mode="incremental", chain=(link,), previous=link).previous == link
    for bad in (
        {"mode": "incremental"},
        {"mode": "full", "chain": (link,), "previous": link},
        {"mode": "incremental", "chain": (link,)},
        {"files": {}},
    ):
        with pytest.raises(ValueError):
            manifest(**bad)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"\xff not json", "CA521"),
        (b"[]", "CA521"),
        (b'{"format": "something-else"}', "CA521"),
        (b'{"format": "ci-agent-backup", "schema_version": 99}', "CA521"),
        (b'{"format": "ci-agent-backup", "schema_version": 1, "kind": "hourly"}', "CA523"),
    ],
)
def test_bad_manifests_are_coded(data: bytes, code: str) -> None:
    with pytest.raises(CiAgentError) as caught:
        parse_manifest(data, "backup.tar.gz")
    assert caught.value.code == code
    assert "backup.tar.gz" in caught.value.message


def test_unknown_fields_are_refused() -> None:
    raw = json.loads(manifest().to_bytes())
    raw["surprise"] = 1
    with pytest.raises(CiAgentError) as caught:
        parse_manifest(json.dumps(raw).encode(), "x")
    assert caught.value.code == "CA523"


def test_sums_round_trip_in_sha256sum_format() -> None:
    files = {"b": FileEntry(sha256=SHA, size=1), "a": FileEntry(sha256="cd" * 32, size=2)}
    data = render_sums(files)
    assert data == f"{'cd' * 32}  a\n{SHA}  b\n".encode()
    assert parse_sums(data, "x") == {"a": "cd" * 32, "b": SHA}


@pytest.mark.parametrize(
    "data",
    [
        b"nothex  a\n",
        f"{SHA} a\n".encode(),
        f"{SHA}  a\n{SHA}  a\n".encode(),
        f"{SHA}  a".encode(),
        b"\xff\n",
    ],
)
def test_bad_sums_are_ca523(data: bytes) -> None:
    with pytest.raises(CiAgentError) as caught:
        parse_sums(data, "x")
    assert caught.value.code == "CA523"
