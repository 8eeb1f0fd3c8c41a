from __future__ import annotations

from pathlib import Path

from ci_agent.triage.nodes import qualified

SOURCE = """\
import pytest


class TestOuter:
    class TestInner:
        @pytest.mark.slow
        async def test_deep(self):
            pass

    def test_shallow(self):
        pass


def test_plain():
    pass
"""


def test_the_classes_around_the_def_at_the_line(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text(SOURCE)
    roots = ("/nonexistent", str(tmp_path))
    assert qualified("tests/test_x.py", 8, "test_deep", roots) == "TestOuter::TestInner::test_deep"
    assert qualified("tests/test_x.py", 11, "test_shallow", roots) == "TestOuter::test_shallow"
    assert qualified("tests/test_x.py", 15, "test_plain", roots) == "test_plain"
    # Not the def of that name at that line: nothing
    assert qualified("tests/test_x.py", 15, "test_shallow", roots) is None


def test_only_python_files_inside_a_root_are_read(tmp_path: Path) -> None:
    root = tmp_path / "checkout"
    root.mkdir()
    (tmp_path / "outside.py").write_text(SOURCE)
    (root / "notes.txt").write_text(SOURCE)
    (root / "broken.py").write_text("def test_plain(:\n")
    (root / "big.py").write_text(SOURCE + "#" * (1 << 20))
    for relative in ("../outside.py", "notes.txt", "broken.py", "big.py", "missing.py"):
        assert qualified(relative, 15, "test_plain", (str(root),)) is None, relative
