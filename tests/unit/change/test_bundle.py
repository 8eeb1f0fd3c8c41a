"""The fix bundle: a strict JSON shape on read, and a re-check of its patch against the pull
request's files from a ContentReader (no checkout)."""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest

from ci_agent.change.bundle import (
    MAX_BUNDLE_BYTES,
    MAX_BUNDLE_FILES,
    ChangeBundle,
    check_bundle,
    path_problem,
    read_bundle,
    write_bundle,
)
from ci_agent.change.policy import PatchPolicy
from ci_agent.errors import CiAgentError, fail
from ci_agent.forge import ContentReader

SHA = "a" * 40
CALC = "def add(a, b):\n    return a - b\n\n\ndef sub(a, b):\n    return a - b\n"
FIXED = CALC.replace("return a - b\n\n\n", "return a + b\n\n\n", 1)
TESTS = (
    "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n\n\n"
    "def test_more():\n    assert add(1, 1) == 2\n"
)
WORKFLOW = "name: ci\non: push\njobs: {}\n"


def unified(before: str, after: str, path: str) -> str:
    """A ``git diff``-style unified diff of one file."""
    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), f"a/{path}", f"b/{path}"
    )
    return f"diff --git a/{path} b/{path}\n" + "".join(lines)


GOOD_DIFF = unified(CALC, FIXED, "src/calc.py")


def bundle(**changes: Any) -> ChangeBundle:
    values: dict[str, Any] = {
        "repository": "acme/widgets",
        "head_sha": SHA,
        "run_id": 42,
        "diff": GOOD_DIFF,
        "title": "fix the test failure",
        "evidence": {"attempt": 1, "verification": "pytest: 1 passed", "cost": 0.0123},
        "created_at": "2026-11-21T10:00:00+00:00",
    }
    values.update(changes)
    return ChangeBundle(**values)


# --- the format ---


def test_round_trip(tmp_path: Path) -> None:
    original = bundle(evidence={"nested": {"list": [1, "two", None, True]}, "ü": "ß"})
    path = write_bundle(tmp_path / "out" / "fix.json", original)
    assert path == tmp_path / "out" / "fix.json"
    assert read_bundle(path) == original
    data = json.loads(path.read_text("utf-8"))
    assert data["diff_sha256"] == hashlib.sha256(GOOD_DIFF.encode()).hexdigest()
    assert data["diff_sha256"] == original.diff_sha256
    assert data["schema"] == 1
    assert sorted(os.listdir(path.parent)) == ["fix.json"], "no temporary file is left"


def test_write_replaces_an_existing_bundle(tmp_path: Path) -> None:
    path = tmp_path / "fix.json"
    path.write_text("old")
    write_bundle(path, bundle(run_id=7))
    assert read_bundle(path).run_id == 7


def test_write_refuses_a_bundle_that_would_not_read_back(tmp_path: Path) -> None:
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    with pytest.raises(CiAgentError) as caught:
        write_bundle(tmp_path / "fix.json", bundle(head_sha="HEAD"))
    assert caught.value.code == "CA532"
    assert "head_sha" in caught.value.message
    with pytest.raises(CiAgentError) as nan:
        write_bundle(tmp_path / "fix.json", bundle(evidence={"x": float("nan")}))
    assert nan.value.code == "CA532"
    assert os.listdir(tmp_path) == []


def valid() -> dict[str, Any]:
    return dict(json.loads(bundle().to_json()))


def raw(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "fix-bundle.json"
    path.write_bytes(data)
    return path


def problem_of(tmp_path: Path, data: Any) -> str:
    """The CA532 problem ``read_bundle`` finds in the JSON ``data`` (bytes: the file as is)."""
    content = data if isinstance(data, bytes) else json.dumps(data).encode()
    with pytest.raises(CiAgentError) as caught:
        read_bundle(raw(tmp_path, content))
    assert caught.value.code == "CA532"
    problem: str = caught.value.context["problem"]
    assert caught.value.message == f"the fix artifact fix-bundle.json is not valid: {problem}"
    return problem


def with_diff(diff: str, **more: Any) -> dict[str, Any]:
    data = valid()
    data.update(diff=diff, diff_sha256=hashlib.sha256(diff.encode()).hexdigest(), **more)
    return data


def changed(**values: Any) -> dict[str, Any]:
    data = valid()
    data.update(values)
    return data


def without(key: str) -> dict[str, Any]:
    data = valid()
    del data[key]
    return data


RENAME_OUT = """diff --git a/x.py b/../x.py
similarity index 90%
rename from x.py
rename to ../x.py
--- a/x.py
+++ b/../x.py
@@ -1 +1 @@
-a
+b
"""

INVALID: dict[str, tuple[Any, str]] = {
    "not utf-8": (b'{"title": "\xff"}', "it is not UTF-8 text (byte 11)"),
    "not json": (b"{nope", "it is not JSON (Expecting property name enclosed in double quotes"),
    "NaN": (b'{"x": NaN}', "its JSON holds NaN, which is not JSON"),
    "duplicate key": (b'{"schema": 1, "schema": 1}', "its JSON repeats the key 'schema'"),
    "too deep": (b"[" * 100_000 + b"]" * 100_000, "its JSON is nested too deeply"),
    "array": ([valid()], "it is not a JSON object"),
    "no schema": (without("schema"), "it has no schema"),
    "schema 2": (changed(schema=2), "schema 2 is not supported (this ci-agent reads 1)"),
    "schema as text": (changed(schema="1"), "schema '1' is not supported"),
    "schema true": (changed(schema=True), "schema True is not supported"),
    "unknown key": (changed(command="rm -rf /"), "unknown keys: 'command'"),
    "missing key": (without("diff_sha256"), "missing keys: diff_sha256"),
    "repository type": (changed(repository=5), "repository must be a string, not int"),
    "run_id text": (changed(run_id="42"), "run_id must be an integer, not str"),
    "run_id bool": (changed(run_id=True), "run_id must be an integer, not bool"),
    "run_id float": (changed(run_id=42.0), "run_id must be an integer, not float"),
    "evidence list": (changed(evidence=[]), "evidence must be a JSON object, not list"),
    "repository shape": (changed(repository="acme"), "repository must be owner/name"),
    "repository path": (changed(repository="acme/w/x"), "repository must be owner/name"),
    "repository dots": (changed(repository="acme/.."), "repository must be owner/name"),
    "head_sha upper": (changed(head_sha="A" * 40), "head_sha must be 40 lowercase hex digits"),
    "head_sha short": (changed(head_sha="a" * 39), "head_sha must be 40 lowercase hex digits"),
    "run_id zero": (changed(run_id=0), "run_id must be a positive integer, not 0"),
    "run_id negative": (changed(run_id=-3), "run_id must be a positive integer, not -3"),
    "title empty": (changed(title=" "), "title must be one line of 1 to 256 characters"),
    "title lines": (changed(title="a\nb"), "title must be one line"),
    "title long": (changed(title="x" * 257), "title must be one line"),
    "created_at text": (changed(created_at="yesterday"), "created_at must be an ISO 8601 time"),
    "created_at naive": (
        changed(created_at="2026-11-21T10:00:00"),
        "created_at must carry a time zone",
    ),
    "surrogate in evidence": (
        json.dumps(changed(evidence={"x": "\ud800"})).encode(),
        "evidence holds text that is not valid Unicode",
    ),
    "diff empty": (with_diff(" \n"), "the diff is empty"),
    "digest shape": (changed(diff_sha256="abc"), "diff_sha256 must be 64 lowercase hex digits"),
    "digest mismatch": (changed(diff_sha256="0" * 64), "the diff does not match diff_sha256"),
    "not a diff": (with_diff("just some text\n"), "the diff changes no file"),
    "absolute": (
        with_diff(unified("a\n", "b\n", "x").replace("a/x", "/etc/passwd")),
        "the diff path '/etc/passwd' is absolute",
    ),
    "dotdot": (with_diff(unified("a\n", "b\n", "../outside.py")), "climbs out of the repository"),
    "dot git": (with_diff(unified("a\n", "b\n", ".git/config")), "is inside .git"),
    "dot git upper": (with_diff(unified("a\n", "b\n", "x/.GIT/hooks/pre-commit")), "inside .git"),
    "backslash": (with_diff(unified("a\n", "b\n", "a\\b.py")), "is absolute or not a POSIX path"),
    "rename out": (with_diff(RENAME_OUT), "'../x.py' climbs out of the repository"),
}


@pytest.mark.parametrize(("data", "expected"), INVALID.values(), ids=INVALID.keys())
def test_invalid_bundles_are_ca532_with_the_problem(
    tmp_path: Path, data: Any, expected: str
) -> None:
    assert expected in problem_of(tmp_path, data)


def test_the_title_text_check(tmp_path: Path) -> None:
    data = json.dumps(changed(title="ok")).replace('"ok"', '"\\ud800"').encode()
    assert problem_of(tmp_path, data) == "title holds text that is not valid Unicode"


def test_a_missing_file_a_directory_and_a_symlink(tmp_path: Path) -> None:
    for path, problem in (
        (tmp_path / "nothing.json", "the file does not exist"),
        (tmp_path, "it is not a regular file"),
    ):
        with pytest.raises(CiAgentError) as caught:
            read_bundle(path, name="ci-agent-fix-42")
        assert caught.value.context == {"name": "ci-agent-fix-42", "problem": problem}
    target = write_bundle(tmp_path / "real.json", bundle())
    link = tmp_path / "link.json"
    link.symlink_to(target)
    with pytest.raises(CiAgentError) as linked:
        read_bundle(link)
    assert linked.value.code == "CA532"
    assert "cannot be read" in linked.value.message


def test_the_size_cap(tmp_path: Path) -> None:
    at_cap = bundle(evidence={"pad": ""})
    pad = MAX_BUNDLE_BYTES - len(at_cap.to_json().encode())
    exactly = bundle(evidence={"pad": "x" * pad})
    path = write_bundle(tmp_path / "max.json", exactly)
    assert path.stat().st_size == MAX_BUNDLE_BYTES
    assert read_bundle(path) == exactly
    over = raw(tmp_path, path.read_bytes() + b" ")
    assert problem_of(tmp_path, over.read_bytes()) == (
        f"it is {MAX_BUNDLE_BYTES + 1} bytes; the limit is {MAX_BUNDLE_BYTES}"
    )
    with pytest.raises(CiAgentError) as caught:
        write_bundle(tmp_path / "big.json", bundle(evidence={"pad": "x" * (pad + 1)}))
    assert "larger than" in caught.value.message


@pytest.mark.parametrize(
    ("path", "ok"),
    [
        ("src/calc.py", True),
        (".github/workflows/ci.yml", True),  # valid; the policy protects it
        ("dir/.gitignore", True),
        ("a/.git", False),
        (".git/HEAD", False),
        (".Git./config", False),
        ("x/../y", False),
        ("/abs", False),
        ("C:/x", False),
        ("a//b", False),
        ("./a", False),
        ("", False),
        ("a\nb", False),
    ],
)
def test_path_problem(path: str, ok: bool) -> None:
    assert (path_problem(path) is None) is ok


# --- check_bundle ---


class Files:
    """An in-memory ContentReader for one commit."""

    def __init__(self, files: dict[str, str | bytes]) -> None:
        self.files = {k: v.encode() if isinstance(v, str) else v for k, v in files.items()}
        self.reads: list[str] = []

    def file_contents(self, path: str, ref: str) -> bytes:
        assert ref == SHA, "files are read at the bundle's head"
        self.reads.append(path)
        if path not in self.files:
            raise fail("CA206", ref=f"{ref}:{path}")
        return self.files[path]


REPO: dict[str, str | bytes] = {
    "src/calc.py": CALC,
    "tests/test_calc.py": TESTS,
    ".github/workflows/ci.yml": WORKFLOW,
    "README.md": "# calc\n",
}


def refused(diff: str, files: dict[str, str | bytes] | None = None) -> tuple[str, Files]:
    reader = Files(files or REPO)
    with pytest.raises(CiAgentError) as caught:
        check_bundle(reader, bundle(diff=diff), PatchPolicy())
    assert caught.value.code == "CA533", caught.value
    return str(caught.value.context["problem"]), reader


def test_the_in_memory_reader_is_a_content_reader() -> None:
    assert isinstance(Files({}), ContentReader)


def test_a_good_patch_gives_its_changes() -> None:
    reader = Files(REPO)
    diff = GOOD_DIFF + unified("# calc\n", "# calc\n\nAdds.\n", "README.md")
    changes = check_bundle(reader, bundle(diff=diff), PatchPolicy())
    assert [(c.path, c.before, c.after) for c in changes] == [
        ("src/calc.py", CALC, FIXED),
        ("README.md", "# calc\n", "# calc\n\nAdds.\n"),
    ]
    assert reader.reads == ["src/calc.py", "README.md"]


def test_an_inherited_git_dir_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.setenv("GIT_DIR", str(elsewhere / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(elsewhere))
    [change] = check_bundle(Files(REPO), bundle(), PatchPolicy())
    assert change.after == FIXED
    assert os.listdir(elsewhere) == []


def test_a_workflow_edit_is_refused() -> None:
    diff = unified(
        WORKFLOW, WORKFLOW.replace("push", "pull_request_target"), ".github/workflows/ci.yml"
    )
    problem, _ = refused(diff)
    assert problem == (
        ".github/workflows/ci.yml: protected path (.github/**); ci-agent does not edit it"
    )


def test_a_deleted_test_function_is_refused() -> None:
    weaker = TESTS.partition("\n\n\ndef test_more")[0] + "\n"
    problem, _ = refused(unified(TESTS, weaker, "tests/test_calc.py") + GOOD_DIFF)
    assert problem == "tests/test_calc.py: deletes test test_more"


def test_several_reasons_are_joined() -> None:
    weaker = TESTS.replace("assert add(2, 3) == 5", "assert add(2, 3) == -1")
    noqa = FIXED.replace("return a + b", "return a + b  # noqa")
    problem, _ = refused(
        unified(TESTS, weaker, "tests/test_calc.py") + unified(CALC, noqa, "src/calc.py")
    )
    assert problem.count("; ") >= 1
    assert "tests/test_calc.py: test_add:" in problem
    assert "src/calc.py: adds a suppression comment (# noqa)" in problem


DELETE_TESTS = """diff --git a/tests/test_calc.py b/tests/test_calc.py
deleted file mode 100644
index 1111111..0000000
--- a/tests/test_calc.py
+++ /dev/null
@@ -1,2 +0,0 @@
-from calc import add
-
"""
NEW_FILE = """diff --git a/src/extra.py b/src/extra.py
new file mode 100644
index 0000000..1111111
--- /dev/null
+++ b/src/extra.py
@@ -0,0 +1 @@
+x = 1
"""
RENAME = """diff --git a/src/calc.py b/src/calc2.py
similarity index 100%
rename from src/calc.py
rename to src/calc2.py
"""
MODE = """diff --git a/src/calc.py b/src/calc.py
old mode 100644
new mode 100755
"""
BINARY = """diff --git a/logo.png b/logo.png
index 1111111..2222222 100644
GIT binary patch
literal 1
IcmZo*000001ONa4

literal 1
IcmZo*000001ONa4

"""


@pytest.mark.parametrize(
    ("diff", "expected"),
    [
        (DELETE_TESTS, "tests/test_calc.py: deletes the file"),
        (NEW_FILE, "src/extra.py: creates a file (a fix changes existing files only)"),
        (RENAME, "src/calc2.py: renamed from src/calc.py"),
        (MODE, "src/calc.py: changes the file mode"),
        (BINARY, "logo.png: a binary patch"),
    ],
    ids=["delete-tests", "new-file", "rename", "mode", "binary"],
)
def test_structural_changes_are_refused_before_any_read(diff: str, expected: str) -> None:
    problem, reader = refused(GOOD_DIFF + diff)
    assert problem == expected
    assert reader.reads == []


def test_an_empty_new_file_git_would_create_is_refused() -> None:
    # No hunk: a parser that skips such sections would miss what git does with it.
    sneaky = "diff --git a/evil.sh b/evil.sh\nnew file mode 100755\nindex 0000000..e69de29\n"
    problem, reader = refused(GOOD_DIFF + sneaky)
    assert "evil.sh" in problem
    assert reader.reads == []


def test_a_diff_git_reads_differently_is_refused() -> None:
    # Without a/ b/ prefixes the parser reads src/calc.py; git (-p1) would patch calc.py.
    bare = GOOD_DIFF.replace("diff --git a/src/calc.py b/src/calc.py\n", "")
    bare = bare.replace("a/src/calc.py", "src/calc.py").replace("b/src/calc.py", "src/calc.py")
    problem, reader = refused(bare)
    assert problem == "git reads the patch as changing calc.py, not src/calc.py"
    assert reader.reads == []


def test_too_many_files_are_refused() -> None:
    diff = "".join(unified("a\n", "b\n", f"f{n}.txt") for n in range(MAX_BUNDLE_FILES + 1))
    problem, _ = refused(diff)
    assert problem == f"the patch touches {MAX_BUNDLE_FILES + 1} files; at most {MAX_BUNDLE_FILES}"


def test_a_file_patched_twice_is_refused() -> None:
    problem, _ = refused(GOOD_DIFF + GOOD_DIFF)
    assert problem == "src/calc.py: patched twice in one diff"


def test_non_utf8_text_is_refused() -> None:
    files = {**REPO, "data.txt": b"caf\xe9\nend\n"}
    diff = "--- a/data.txt\n+++ b/data.txt\n@@ -2 +2 @@\n-end\n+END\n"
    problem, _ = refused(diff, files)
    assert problem == "data.txt: not UTF-8 text"


def test_a_patch_that_does_not_apply_is_ca231() -> None:
    stale = unified(CALC.replace("a - b", "a * b"), FIXED, "src/calc.py")
    with pytest.raises(CiAgentError) as caught:
        check_bundle(Files(REPO), bundle(diff=stale), PatchPolicy())
    assert caught.value.code == "CA231"
    assert caught.value.context["sha"] == SHA
    assert "src/calc.py" in caught.value.context["problem"]


def test_a_patch_that_changes_nothing_is_refused() -> None:
    same = "--- a/README.md\n+++ b/README.md\n@@ -1 +1 @@\n-# calc\n+# calc\n"
    problem, _ = refused(same)
    assert problem == "the patch changes nothing"


def test_a_bundle_made_in_code_is_checked_for_paths_too() -> None:
    problem, reader = refused(unified("a\n", "b\n", ".git/config"))
    assert problem == "the diff path '.git/config' is inside .git"
    assert reader.reads == []


def test_a_missing_file_is_the_readers_error() -> None:
    with pytest.raises(CiAgentError) as caught:
        check_bundle(Files(REPO), bundle(diff=unified("a\n", "b\n", "gone.py")), PatchPolicy())
    assert caught.value.code == "CA206"


def test_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        bundle().title = "x"  # type: ignore[misc]
