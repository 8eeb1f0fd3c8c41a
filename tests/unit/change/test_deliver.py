"""Commit messages with trailers, review suggestions from a diff, and the push and pull-request
decisions (against an in-memory RepoWriter)."""

from __future__ import annotations

import difflib
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ci_agent.change.deliver import (
    SUGGESTION_LEAD,
    fix_message,
    open_fix_pull_request,
    parse_author,
    push_fix,
    suggestions,
)
from ci_agent.errors import CiAgentError, fail
from ci_agent.forge import RepoWriter
from ci_agent.forge.types import InlineComment, PullRequestInfo
from ci_agent.git import Git

APP = "".join(f"line {n}\n" for n in range(1, 21))
OLD, NEW, OTHER = "1" * 40, "2" * 40, "3" * 40


def unified(before: str, after: str, path: str = "app.py") -> str:
    """A ``git diff``-style unified diff of one file."""
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        f"a/{path}",
        f"b/{path}",
    )
    return f"diff --git a/{path} b/{path}\n" + "".join(lines)


def block(comment: InlineComment) -> str:
    """The suggestion block of a comment's body (after the lead sentence)."""
    lead, _, rest = comment.body.partition("\n\n")
    assert lead == SUGGESTION_LEAD
    return rest


# --- fix_message ---


def test_fix_message_ends_with_trailers_git_reads(tmp_path: Path) -> None:
    message = fix_message(
        "ci-agent: fix the test failure",
        "The sum used a minus.\n\nVerified by re-running the failing test.\n",
        {"Ci-Agent-Fix": "123", "Ci-Agent-Attempt": "2", "Ci-Agent-Verified": "pytest\nok"},
    )
    assert message == (
        "ci-agent: fix the test failure\n\n"
        "The sum used a minus.\n\nVerified by re-running the failing test.\n\n"
        "Ci-Agent-Fix: 123\nCi-Agent-Attempt: 2\nCi-Agent-Verified: pytest ok\n"
    )
    parsed = subprocess.run(
        ["git", "interpret-trailers", "--parse"],
        input=message,
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    ).stdout
    assert parsed.splitlines() == [
        "Ci-Agent-Fix: 123",
        "Ci-Agent-Attempt: 2",
        "Ci-Agent-Verified: pytest ok",
    ]


def test_fix_message_keeps_title_and_trailer_values_on_one_line() -> None:
    message = fix_message("fix\nthe  build\r\n", "", {"Ci-Agent-Verified": "a\r\nb\n\nc  "})
    assert message == "fix the build\n\nCi-Agent-Verified: a b c\n"


def test_fix_message_without_trailers_or_body() -> None:
    assert fix_message("Fix", "  \n", {}) == "Fix\n"


@pytest.mark.parametrize(
    ("title", "trailers"),
    [("", {}), (" \n ", {}), ("t", {"Bad Key": "v"}), ("t", {"Key:": "v"}), ("t", {"": "v"})],
)
def test_fix_message_refuses_what_git_cannot_read(title: str, trailers: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        fix_message(title, "", trailers)


def test_parse_author() -> None:
    assert parse_author("ci-agent[bot] <ci-agent@users.noreply.github.com>") == (
        "ci-agent[bot]",
        "ci-agent@users.noreply.github.com",
    )
    assert parse_author("  Jane Q. Doe <jane@example.com> ") == ("Jane Q. Doe", "jane@example.com")
    for bad in ("jane@example.com", "<jane@example.com>", "Jane <>", "Jane <a b>", "J <a> <b>"):
        with pytest.raises(ValueError):
            parse_author(bad)


# --- suggestions ---


def test_a_replacement_covers_exactly_the_replaced_lines() -> None:
    diff = unified(APP, APP.replace("line 3\nline 4\n", "LINE 3\nLINE 4\nLINE 4b\n"))
    [comment], reasons = suggestions(diff)
    assert reasons == ()
    assert (comment.path, comment.start_line, comment.line) == ("app.py", 3, 4)
    assert (comment.side, comment.start_side) == ("RIGHT", "RIGHT")
    assert block(comment) == "```suggestion\nLINE 3\nLINE 4\nLINE 4b\n```"


def test_a_one_line_replacement_has_no_start_line() -> None:
    [comment], _ = suggestions(unified(APP, APP.replace("line 7\n", "seven\n")))
    assert (comment.start_line, comment.start_side, comment.line) == (None, None, 7)
    assert block(comment) == "```suggestion\nseven\n```"


def test_an_insertion_anchors_on_the_line_before_and_repeats_it() -> None:
    [comment], _ = suggestions(unified(APP, APP.replace("line 10\n", "line 10\nnew a\nnew b\n")))
    assert (comment.start_line, comment.line) == (None, 10)
    assert block(comment) == "```suggestion\nline 10\nnew a\nnew b\n```"


def test_an_insertion_at_the_top_anchors_on_the_line_after() -> None:
    [comment], _ = suggestions(unified(APP, "# header\n" + APP))
    assert (comment.start_line, comment.line) == (None, 1)
    assert block(comment) == "```suggestion\n# header\nline 1\n```"


def test_a_deletion_suggests_nothing_in_place_of_the_lines() -> None:
    [comment], _ = suggestions(unified(APP, APP.replace("line 15\nline 16\n", "")))
    assert (comment.start_line, comment.line) == (15, 16)
    assert block(comment) == "```suggestion\n```"


def test_a_deleted_blank_line_is_not_confused_with_an_empty_suggestion() -> None:
    before = "a\n\nb\n"
    [comment], _ = suggestions(unified(before, "a\nx\n\nb\n"))
    assert block(comment) == "```suggestion\na\nx\n```"
    [doubled], _ = suggestions(unified(before, "a\n\n\nb\n"))
    assert doubled.line == 2
    assert block(doubled) == "```suggestion\n\n\n```", "two blank lines, not an empty block"


def test_one_suggestion_per_hunk_with_context_between_changes_kept() -> None:
    after = APP.replace("line 3\n", "THREE\n").replace("line 5\n", "FIVE\n")
    after = after.replace("line 18\n", "EIGHTEEN\n")
    comments, _ = suggestions(unified(APP, after))
    assert [(c.start_line, c.line) for c in comments] == [(3, 5), (None, 18)]
    assert block(comments[0]) == "```suggestion\nTHREE\nline 4\nFIVE\n```"


def test_the_fence_is_longer_than_any_backtick_run() -> None:
    before = "doc = '''\nold\n'''\n"
    [comment], _ = suggestions(
        unified(before, before.replace("old", "use ```code``` or ````x````"))
    )
    assert block(comment) == "`````suggestion\nuse ```code``` or ````x````\n`````"


def test_several_files_and_their_paths() -> None:
    diff = unified(APP, APP.replace("line 1\n", "one\n"), "src/a.py") + unified(
        "x = 1\n", "x = 2\n", "lib/b.py"
    )
    comments, reasons = suggestions(diff)
    assert [(c.path, c.line) for c in comments] == [("src/a.py", 1), ("lib/b.py", 1)]
    assert reasons == ()


NEW_FILE = """diff --git a/new.py b/new.py
new file mode 100644
index 0000000..e69de29
--- /dev/null
+++ b/new.py
@@ -0,0 +1 @@
+x = 1
"""
DELETED = """diff --git a/old.py b/old.py
deleted file mode 100644
index e69de29..0000000
--- a/old.py
+++ /dev/null
@@ -1 +0,0 @@
-x = 1
"""
RENAMED = """diff --git a/a.py b/b.py
similarity index 90%
rename from a.py
rename to b.py
index 1111111..2222222 100644
--- a/a.py
+++ b/b.py
@@ -1 +1 @@
-x = 1
+x = 2
"""
MODE = """diff --git a/run.sh b/run.sh
old mode 100644
new mode 100755
index 1111111..2222222
--- a/run.sh
+++ b/run.sh
@@ -1 +1 @@
-echo a
+echo b
"""
BINARY = """diff --git a/logo.png b/logo.png
index 1111111..2222222 100644
Binary files a/logo.png and b/logo.png differ
"""
EOF_NEWLINE = """diff --git a/a.txt b/a.txt
--- a/a.txt
+++ b/a.txt
@@ -1 +1 @@
-last
\\ No newline at end of file
+last
"""


@pytest.mark.parametrize(
    ("diff", "reason"),
    [
        (NEW_FILE, "new.py: a new file cannot be suggested"),
        (DELETED, "old.py: deleting a file cannot be suggested"),
        (RENAMED, "b.py: renamed from a.py, which a suggestion cannot do"),
        (MODE, "run.sh: changes the file mode (100644 to 100755)"),
        (BINARY, "logo.png: binary files cannot be suggested"),
        (
            EOF_NEWLINE,
            "a.txt: the change at line 1 only changes the newline at the end of the file",
        ),
    ],
    ids=["new", "deleted", "renamed", "mode", "binary", "eof-newline"],
)
def test_changes_a_suggestion_cannot_express_come_back_as_reasons(diff: str, reason: str) -> None:
    good = unified(APP, APP.replace("line 2\n", "two\n"))
    comments, reasons = suggestions(diff + good)
    assert reasons == (reason,)
    assert [c.line for c in comments] == [2], "the other files still get their suggestions"


def test_text_for_an_empty_file_has_nothing_to_anchor_on() -> None:
    diff = "--- a/empty.txt\n+++ b/empty.txt\n@@ -0,0 +1 @@\n+text\n"
    comments, reasons = suggestions(diff)
    assert comments == ()
    assert len(reasons) == 1
    assert reasons[0].startswith("empty.txt: ")


def test_a_custom_lead() -> None:
    [comment], _ = suggestions(unified(APP, APP.replace("line 2\n", "two\n")), lead="Try this:")
    assert comment.body.startswith("Try this:\n\n```suggestion\n")


# --- push and pull request decisions ---


@dataclass
class Writer:
    """An in-memory RepoWriter: branches, pushes, pull requests; a push can be made to fail."""

    branches: dict[str, str] = field(default_factory=dict)
    pushes: list[tuple[Path, str, str]] = field(default_factory=list)
    pulls: list[tuple[str, str, str, str]] = field(default_factory=list)
    reads: int = 0
    on_push: str | None = None  # "reject": git refuses; "race": another commit lands first

    def create_branch(self, name: str, sha: str) -> None:
        self.branches[name] = sha

    def push(self, workdir: Path, sha: str, branch: str) -> None:
        self.pushes.append((workdir, sha, branch))
        if self.on_push == "race":
            self.branches[branch] = OTHER
        if self.on_push in ("reject", "race"):
            raise fail("CA203", args="push", problem="! [rejected] (fetch first)")
        if self.on_push == "lost":
            self.branches[branch] = sha
            raise fail("CA203", args="push", problem="the remote end hung up unexpectedly")
        self.branches[branch] = sha

    def open_pull_request(
        self, base: str, head: str, title: str, body: str, draft: bool = False
    ) -> PullRequestInfo:
        self.pulls.append((base, head, title, body))
        return PullRequestInfo(
            number=7,
            title=title,
            body=body,
            author="ci-bot",
            author_association="NONE",
            draft=draft,
            state="open",
            base_ref=base,
            base_sha=OLD,
            head_ref=head,
            head_sha=self.branches[head],
            head_repo="acme/widgets",
            is_fork=False,
        )

    def branch_head(self, name: str) -> str | None:
        self.reads += 1
        return self.branches.get(name)


GIT = Git(Path("/nonexistent-clone"))


def test_the_in_memory_writer_is_a_repo_writer() -> None:
    assert isinstance(Writer(), RepoWriter)


def test_push_fix_fast_forwards_an_unmoved_branch() -> None:
    writer = Writer({"feature": OLD})
    push_fix(writer, GIT, NEW, "feature", OLD)
    assert writer.pushes == [(GIT.path, NEW, "feature")]
    assert writer.branches["feature"] == NEW


@pytest.mark.parametrize(("now", "shown"), [(OTHER, OTHER), (None, "deleted")])
def test_push_fix_refuses_a_moved_or_deleted_branch(now: str | None, shown: str) -> None:
    writer = Writer({"feature": now} if now else {})
    with pytest.raises(CiAgentError) as caught:
        push_fix(writer, GIT, NEW, "feature", OLD)
    assert caught.value.code == "CA531"
    assert caught.value.context == {"branch": "feature", "expected": OLD, "actual": shown}
    assert writer.pushes == []


def test_push_fix_leaves_a_branch_already_at_the_fix() -> None:
    writer = Writer({"feature": NEW})
    push_fix(writer, GIT, NEW, "feature", OLD)
    assert writer.pushes == []


def test_a_push_rejected_because_the_branch_moved_is_ca531() -> None:
    writer = Writer({"feature": OLD}, on_push="race")
    with pytest.raises(CiAgentError) as caught:
        push_fix(writer, GIT, NEW, "feature", OLD)
    assert caught.value.code == "CA531"
    assert caught.value.context["actual"] == OTHER
    assert isinstance(caught.value.__cause__, CiAgentError)
    assert caught.value.__cause__.code == "CA203"


def test_a_push_rejected_for_another_reason_is_raised_as_is() -> None:
    writer = Writer({"feature": OLD}, on_push="reject")
    with pytest.raises(CiAgentError) as caught:
        push_fix(writer, GIT, NEW, "feature", OLD)
    assert caught.value.code == "CA203"
    assert writer.reads == 2, "the head is read again before giving up"


def test_a_push_that_landed_but_failed_to_answer_counts_as_done() -> None:
    writer = Writer({"feature": OLD}, on_push="lost")
    push_fix(writer, GIT, NEW, "feature", OLD)
    assert writer.branches["feature"] == NEW


def test_open_fix_pull_request_pushes_a_new_branch_then_opens() -> None:
    writer = Writer({"main": OLD})
    pr = open_fix_pull_request(
        writer, GIT, NEW, base_branch="main", branch="ci-agent/fix-9", title="T", body="B"
    )
    assert writer.pushes == [(GIT.path, NEW, "ci-agent/fix-9")]
    assert writer.pulls == [("main", "ci-agent/fix-9", "T", "B")]
    assert (pr.head_ref, pr.head_sha) == ("ci-agent/fix-9", NEW)


def test_open_fix_pull_request_reuses_its_own_branch() -> None:
    writer = Writer({"main": OLD, "ci-agent/fix-9": NEW})
    open_fix_pull_request(
        writer, GIT, NEW, base_branch="main", branch="ci-agent/fix-9", title="T", body="B"
    )
    assert writer.pushes == []
    assert len(writer.pulls) == 1


def test_open_fix_pull_request_never_touches_someone_elses_branch() -> None:
    writer = Writer({"main": OLD, "ci-agent/fix-9": OTHER})
    with pytest.raises(CiAgentError) as caught:
        open_fix_pull_request(
            writer, GIT, NEW, base_branch="main", branch="ci-agent/fix-9", title="T", body="B"
        )
    assert caught.value.code == "CA531"
    assert "already exists" in caught.value.message
    assert (writer.pushes, writer.pulls) == ([], [])
