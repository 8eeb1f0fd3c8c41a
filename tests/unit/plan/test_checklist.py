"""Which of the model's things to check are kept: the numbered diff, the shown lines, the
budget that leaves whole files out, and every reason an item is dropped."""

from __future__ import annotations

from pathlib import Path

from ci_agent.diff import parse_diff
from ci_agent.json_form import to_json
from ci_agent.plan.checklist import (
    NEAR,
    CheckItem,
    Checklist,
    checklist_lines,
    keep_items,
    view_from_diff,
)
from tests.conftest import git

DIFF = (
    """diff --git a/app.py b/app.py
--- a/app.py
+++ b/app.py
@@ -8,7 +8,7 @@ def main():
     one
     two
     three
-    old
+    new
     four
     five
     six
diff --git a/big.py b/big.py
--- a/big.py
+++ b/big.py
@@ -1 +1 @@
-x
+"""
    + "y" * 400
    + "\n"
)


def test_the_view_numbers_head_lines_and_leaves_whole_files_out() -> None:
    view = view_from_diff(parse_diff(DIFF), {"app.py": 40, "big.py": 1}.__getitem__, budget=300)
    assert "    11 +     new" in view.text and "       -     old" in view.text
    assert view.near == {"app.py": frozenset(range(8, 15))}
    assert view.left_out == ("big.py",)
    assert view.head_lines == {"app.py": 40}  # only shown files are read


def test_every_reason_to_drop_an_item() -> None:
    view = view_from_diff(parse_diff(DIFF), {"app.py": 12, "big.py": 1}.__getitem__, budget=300)
    items = [
        CheckItem(file="app.py", line=11, text="the changed line"),
        CheckItem(file="app.py", line=11 - NEAR, text="context"),
        CheckItem(file="app.py", line=11, text="the changed line"),
        CheckItem(file="app.py", line=13, text="past the end"),
        CheckItem(file="app.py", line=2, text="far"),
        CheckItem(file="big.py", line=1, text="not shown"),
        CheckItem(file="other.py", line=1, text="elsewhere"),
        CheckItem(file="app.py", line=9, text="  "),
    ]
    kept, dropped = keep_items(items, view)
    assert [(i.line, i.text) for i in kept] == [(11, "the changed line"), (8, "context")]
    assert [d["why"] for d in dropped] == [
        "a repeat of another item",
        "no such line at the head (the file has 12)",
        f"not a changed line, nor within {NEAR} lines of one",
        "a file whose diff was not shown",
        "not a file of the change",
        "no text",
    ]
    shown = Checklist("written", tuple(kept), tuple(dropped), "", view.left_out)
    assert to_json(shown)["dropped"] == 6
    lines = checklist_lines(shown, markdown=True)
    assert lines[2] == "- `app.py:11` the changed line"
    assert lines[-1].startswith("6 item(s) of the model dropped")


def test_a_failed_model_and_no_items_are_said() -> None:
    assert checklist_lines(Checklist("failed", note="CA404: bad"), markdown=False) == [
        "Things to check: none (the model failed: CA404: bad)"
    ]
    assert checklist_lines(Checklist("written"), markdown=False) == ["Things to check:", "- none"]


def test_named_files_are_shown_whole_and_a_diff_with_its_context(tmp_path: Path) -> None:
    from ci_agent.plan.sources import view_of_change

    (tmp_path / "a.sql").write_text("one\ntwo\nthree\n", encoding="utf-8")
    view = view_of_change(tmp_path, ["a.sql", "gone.sql"])
    assert view.near == {"a.sql": frozenset({1, 2, 3})} and view.head_lines == {"a.sql": 3}
    assert "     2 + two" in view.text
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "base")
    (tmp_path / "a.sql").write_text("one\n" + "".join(f"{n}\n" for n in range(2, 20)), "utf-8")
    git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qam", "change")
    view = view_of_change(tmp_path, ["a.sql"], "HEAD~1", "HEAD")
    assert view.head_lines == {"a.sql": 19}
    assert view.near["a.sql"] == frozenset(range(1, 20))  # 2-19 changed, 1 their context
