"""Which tests the proof runs (test ids inside the root) and the clean environment."""

from __future__ import annotations

from pathlib import Path

from ci_agent.change.process import clean_environment
from ci_agent.change.proof import broader_targets, valid_test_ids


def test_clean_environment_drops_tokens() -> None:
    env = clean_environment(
        {"PATH": "/bin", "GITHUB_TOKEN": "x", "OPENAI_API_KEY": "y", "AWS_SECRET": "z"}
    )
    assert env["PATH"] == "/bin"
    assert not {"GITHUB_TOKEN", "OPENAI_API_KEY", "AWS_SECRET"} & set(env)


def test_only_test_ids_naming_files_inside_the_root_are_kept(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_a.py").write_text("")
    ids = [
        "tests/test_a.py::test_x[1-2]",
        "tests/test_a.py::test_x[1-2]",
        "-p evil",
        "../test_a.py::t",
        "tests/missing.py::t",
        "tests/test_a.py",
    ]
    assert valid_test_ids(tmp_path, ids) == ("tests/test_a.py::test_x[1-2]", "tests/test_a.py")
    assert broader_targets(["a.py::x", "a.py::y", "b.py"]) == ("a.py", "b.py")
