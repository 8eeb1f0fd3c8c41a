"""Reading a change in two passes (line counts for every path, a patch only of the paths a rule
reads) gives what parsing the whole zero-context patch gives: same paths, same line counts,
same lines where they are read. Real git, with a rename, a deletion, a binary file, a name with
spaces and non-ASCII, blank lines and a file with CR line ends."""

from __future__ import annotations

from pathlib import Path

from ci_agent.diff import decode_diff
from ci_agent.git import Git
from ci_agent.plan.risk import reads_lines
from ci_agent.plan.sources import texts_from_diff, texts_from_git
from tests.integration.plan.test_plan_cli import write
from tests.support import git

BASE = {
    "api/app.py": "a = 1\nb = 2\n",
    "api/old_name.py": "x = 1\n",
    "db/migrations/0001.sql": "CREATE TABLE t (id int);\n",
    "docs/gone.md": "bye\n",
    "web/package.json": '{"dependencies": {"react": "^17.0.0"}}\n',
    "crlf.txt": "one\r\ntwo\r\n",
}
CHANGE = {
    "api/app.py": "a = 1\n\nb = 3\nc = 4\n",
    "api/new name é.py": "x = 1\n",
    "db/migrations/0002.sql": "ALTER TABLE t DROP COLUMN id;\n\nDROP TABLE u;\n",
    "web/package.json": '{"dependencies": {"react": "^18.2.0"}}\n',
    "crlf.txt": "one\r\nTWO\r\n",
}


def test_two_passes_read_what_the_whole_patch_holds(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    write(repo, BASE)
    (repo / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x01")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    write(repo, CHANGE)
    (repo / "api" / "old_name.py").unlink()
    (repo / "docs" / "gone.md").unlink()
    (repo / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x02\x03")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "change")
    runner = Git(repo)
    whole = runner.run_bytes(
        "-c",
        "core.quotepath=false",
        "-c",
        "diff.suppressBlankEmpty=false",
        "diff",
        "--patch",
        "--unified=0",
        "--no-renames",
        "--no-color",
        "HEAD~1",
        "HEAD",
    )
    expected_paths, expected = texts_from_diff(decode_diff(whole))
    paths, texts = texts_from_git(runner, "HEAD~1", "HEAD", reads_lines)
    assert paths == expected_paths
    assert "api/new name é.py" in paths and "logo.png" in paths
    for path in paths:
        assert texts[path].changed_lines == expected[path].changed_lines, path
        if reads_lines(path):
            assert texts[path] == expected[path], path
        else:
            assert texts[path].added == () and texts[path].counted is not None
    everything = texts_from_git(runner, "HEAD~1", "HEAD", lambda path: True)[1]
    assert {p: t.added for p, t in everything.items()} == {p: t.added for p, t in expected.items()}
