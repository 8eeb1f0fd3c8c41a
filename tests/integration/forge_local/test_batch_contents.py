"""Many files' contents from one `git cat-file --batch`, exactly as one-by-one reads give them."""

from __future__ import annotations

import subprocess
from unittest import mock

from tests.integration.forge_local.conftest import Repo

BINARY = bytes(range(256)) * 3 + b"\n\n"


def test_a_batch_read_matches_single_reads_with_one_git_process(repo: Repo) -> None:
    repo.write("a.py", "x = 1\n")
    repo.write("empty.txt", b"")
    repo.write("bin.dat", BINARY)
    repo.write("dir/with space.py", "y = 2\n")
    repo.write("new\nline.py", "z = 3\n")
    repo.commit()
    local = repo.open()
    paths = ["a.py", "empty.txt", "bin.dat", "dir/with space.py", "dir", "gone.py", "new\nline.py"]

    real = subprocess.run
    with mock.patch("subprocess.run", side_effect=real) as spy:
        found = local.files_contents(paths, "HEAD")
    batches = [c for c in spy.call_args_list if "--batch" in c.args[0]]
    assert len(batches) == 1
    assert list(found) == paths
    assert found["a.py"] == b"x = 1\n"
    assert found["empty.txt"] == b""
    assert found["bin.dat"] == BINARY
    assert found["dir/with space.py"] == b"y = 2\n"
    assert found["dir"] is None  # a tree, not a file
    assert found["gone.py"] is None
    assert found["new\nline.py"] == b"z = 3\n"  # read on its own: --batch is line-based
    for path in ("a.py", "bin.dat", "dir/with space.py"):
        assert found[path] == local.file_contents(path, "HEAD")
