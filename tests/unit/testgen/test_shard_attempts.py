"""A re-run matrix leaves the artifacts of its earlier attempts next to the new ones: the merge
keeps each shard's newest attempt and says which results it left out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ci_agent.errors import CiAgentError
from ci_agent.testgen.merge import load_shards

COMMIT = "a" * 40


def shard_result(folder: Path, name: str, shard: str, attempt: Any, test: str) -> Path:
    path = folder / name
    body = {
        "commit": COMMIT,
        "scope": {"shard": shard},
        "attempt": attempt,
        "files": [{"path": f"tests/test_{test}_generated.py", "text": "x = 1\n", "targets": []}],
        "funnel": {"candidates": 1, "suite": 1},
        "targets": {"total": 2, "in_run": 1},
    }
    path.write_text(json.dumps({"result": body}))
    return path


def test_each_shard_counts_once_from_its_newest_attempt(tmp_path: Path) -> None:
    old = shard_result(tmp_path, "s1-attempt1.json", "1/2", 1, "old")
    new = shard_result(tmp_path, "s1-attempt2.json", "1/2", 2, "new")
    other = shard_result(tmp_path, "s2-attempt1.json", "2/2", 1, "other")

    for order in ([old, new, other], [new, other, old]):
        merged = load_shards(order, tmp_path)

        assert sorted(merged.shards) == ["1/2", "2/2"] and merged.missing == ()
        assert [f.path for f in merged.files] == [
            "tests/test_new_generated.py",
            "tests/test_other_generated.py",
        ]
        assert merged.superseded == (str(old),)
        assert merged.funnel == {"candidates": 2, "suite": 2}
        assert (merged.targets_total, merged.targets_in_run) == (2, 2)


@pytest.mark.parametrize(
    ("attempts", "words"),
    [((1, 1), "shard 1/2 of attempt 1 is also in"), ((1, "two"), "'attempt' is 'two'")],
)
def test_a_shard_twice_in_one_attempt_or_a_bad_attempt_is_refused(
    tmp_path: Path, attempts: tuple[Any, Any], words: str
) -> None:
    paths = [
        shard_result(tmp_path, f"{n}.json", "1/2", attempt, f"t{n}")
        for n, attempt in enumerate(attempts)
    ]

    with pytest.raises(CiAgentError) as caught:
        load_shards(paths, tmp_path)

    assert caught.value.code == "CA582" and words in caught.value.message
