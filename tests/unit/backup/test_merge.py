"""Restoring metadata over a chain: the newest record of each id, whole listings replaced."""

from __future__ import annotations

import json
from pathlib import Path

from ci_agent.backup.merge import merge_chain


def backup(root: Path, **resources: list[dict[str, object]]) -> Path:
    (root / "meta").mkdir(parents=True)
    for name, records in resources.items():
        lines = "".join(json.dumps(r) + "\n" for r in records)
        (root / "meta" / f"{name}.jsonl").write_text(lines, encoding="utf-8")
    return root


def read(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_incremental_resources_keep_the_newest_record_of_each_id(tmp_path: Path) -> None:
    full = backup(
        tmp_path / "full",
        issues=[{"id": 1, "v": "old"}, {"id": 2, "v": "old"}],
        labels=[{"id": 10, "name": "bug"}, {"id": 11, "name": "gone"}],
    )
    incr = backup(
        tmp_path / "incr",
        issues=[{"id": 2, "v": "mid"}, {"id": 3, "v": "new"}, {"id": 2, "v": "new"}],
        labels=[{"id": 10, "name": "bug"}],
    )
    counts = merge_chain([full, incr], tmp_path / "out")
    issues = read(tmp_path / "out" / "meta" / "issues.jsonl")
    assert sorted((i["id"], i["v"]) for i in issues) == [(1, "old"), (2, "new"), (3, "new")]
    assert read(tmp_path / "out" / "meta" / "labels.jsonl") == [{"id": 10, "name": "bug"}]
    assert counts == {"issues": 3, "labels": 1}


def test_a_backup_without_metadata_in_the_chain_changes_nothing(tmp_path: Path) -> None:
    full = backup(tmp_path / "full", milestones=[{"id": 1}], reviews=[{"id": 5}, {"no_id": True}])
    bare = tmp_path / "bare"
    bare.mkdir()
    counts = merge_chain([full, bare], tmp_path / "out")
    assert counts == {"milestones": 1, "reviews": 2}
