"""Delivering a verified fix: a commit with trailers, a fast-forward push, a pull request, or
review suggestions on the pull request's own lines.

Every git command here runs with hooks switched off and no signing: the repository under
test may carry hooks or configuration ci-agent must not run or depend on.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path

from ci_agent.change.worktree import scratch_worktree
from ci_agent.diff import FileDiff, Hunk, parse_diff
from ci_agent.errors import CiAgentError, fail
from ci_agent.forge.github_gitdata import parse_author
from ci_agent.forge.run_protocol import RepoWriter
from ci_agent.forge.types import InlineComment, PullRequestInfo
from ci_agent.git import Git
from ci_agent.report.suggestion import suggestion_block

__all__ = [
    "SUGGESTION_LEAD",
    "commit_fix",
    "fix_message",
    "open_fix_pull_request",
    "parse_author",
    "push_fix",
    "suggestions",
]

SUGGESTION_LEAD = "ci-agent suggests this change, verified against the failing CI run:"
_TRAILER_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*")
# Hooks of the repository under test never run; a signing setup on the machine is not needed.
_NO_HOOKS = ("-c", f"core.hooksPath={os.devnull}", "-c", "commit.gpgsign=false")


class _Hookless(Git):
    """git with the repository's hooks and commit signing off for every command, including
    the ``worktree add`` of the scratch worktree (which would run ``post-checkout``)."""

    def run(self, *args: str, check: bool = True, env: Mapping[str, str] | None = None) -> str:
        """``Git.run`` with hooks and signing off."""
        return super().run(*_NO_HOOKS, *args, check=check, env=env)

    def run_bytes(
        self, *args: str, check: bool = True, env: Mapping[str, str] | None = None
    ) -> bytes:
        """``Git.run_bytes`` with hooks and signing off."""
        return super().run_bytes(*_NO_HOOKS, *args, check=check, env=env)

    def at(self, path: Path) -> Git:
        """The same, run in ``path``."""
        return _Hookless(path, self._executable)


def _one_line(text: str) -> str:
    """``text`` on one line: newlines and runs of whitespace become single spaces."""
    return " ".join(text.split())


def fix_message(title: str, body: str, trailers: Mapping[str, str]) -> str:
    """A commit message: one-line title, body, then ``Key: value`` git trailers at the end."""
    subject = _one_line(title)
    if not subject:
        raise ValueError("a commit message needs a title")
    parts = [subject]
    text = "\n".join(line.rstrip() for line in body.strip().splitlines())
    if text:
        parts.append(text)
    lines = []
    for key, value in trailers.items():
        if not _TRAILER_KEY.fullmatch(key):
            raise ValueError(f"not a git trailer key: {key!r}")
        lines.append(f"{key}: {_one_line(value)}")
    if lines:
        # Its own last paragraph: git reads trailers from the message's last paragraph only.
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def commit_fix(git: Git, base_sha: str, diff: str, *, message: str, author: str) -> str:
    """Apply ``diff`` to ``base_sha`` in a scratch worktree and commit it as ``author``.

    Author and committer are both ``author``. Returns the new commit's SHA; the commit stays
    in the repository (unreferenced) after the worktree is gone. CA231 when the diff does
    not apply or changes nothing.
    """
    name, email = parse_author(author)
    if not diff.strip():
        raise fail("CA231", sha=base_sha, problem="the patch is empty")
    env = {
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
    }
    # Patch and message live outside the worktree so that neither can end up in the commit.
    with tempfile.TemporaryDirectory(prefix="ci-agent-commit-") as scratch:
        patch = Path(scratch) / "fix.patch"
        patch.write_bytes(diff.encode("utf-8", errors="surrogateescape"))
        text = Path(scratch) / "message.txt"
        text.write_bytes(message.encode("utf-8"))
        hookless = _Hookless(git.path, git._executable)
        with scratch_worktree(hookless, base_sha) as path:
            tree = hookless.at(path)
            try:
                # Pinned: a user's apply.whitespace=error would refuse a good patch.
                tree.run("apply", "--index", "--whitespace=nowarn", str(patch))
            except CiAgentError as exc:
                if exc.code != "CA203":
                    raise
                raise fail("CA231", sha=base_sha, problem=exc.context["problem"]) from None
            if not tree.run("diff", "--cached", "--name-only"):
                raise fail("CA231", sha=base_sha, problem="the patch changes nothing")
            tree.run(
                "commit",
                "--no-verify",
                "--quiet",
                "--cleanup=whitespace",
                "-F",
                str(text),
                env=env,
            )
            return tree.run("rev-parse", "--verify", "HEAD^{commit}")


def _moved(branch: str, expected: str, actual: str | None) -> CiAgentError:
    return fail("CA531", branch=branch, expected=expected, actual=actual or "deleted")


def push_fix(writer: RepoWriter, git: Git, sha: str, branch: str, expected_head: str) -> None:
    """Push ``sha`` to ``branch`` if the branch is still at ``expected_head`` (fast-forward
    only, never forced); CA531 when it moved. A branch already at ``sha`` is left alone."""
    head = writer.branch_head(branch)
    if head == sha:  # a retry of a push that landed
        return
    if head != expected_head:
        raise _moved(branch, expected_head, head)
    try:
        writer.push(git.path, sha, branch)
    except CiAgentError as exc:
        if exc.code != "CA203":
            raise
        # git refuses a push that is not a fast-forward: a commit landed since the check.
        now = writer.branch_head(branch)
        if now == sha:  # the push landed; only its answer failed
            return
        if now != expected_head:
            raise _moved(branch, expected_head, now) from exc
        raise


def open_fix_pull_request(
    writer: RepoWriter,
    git: Git,
    sha: str,
    *,
    base_branch: str,
    branch: str,
    title: str,
    body: str,
) -> PullRequestInfo:
    """Push ``sha`` to the new branch ``branch`` and open a pull request into ``base_branch``.

    A branch already at ``sha`` (an earlier attempt that got this far) is reused; a branch at
    another commit is someone else's: CA531, nothing pushed.
    """
    head = writer.branch_head(branch)
    if head is None:
        writer.push(git.path, sha, branch)
    elif head != sha:
        raise fail(
            "CA531",
            f"branch {branch} already exists at {head}; nothing pushed",
            suggestion="Delete the branch if it is stale, or use another branch name.",
            branch=branch,
            expected="no branch",
            actual=head,
        )
    return writer.open_pull_request(base=base_branch, head=branch, title=title, body=body)


def suggestions(
    diff: str, *, lead: str = SUGGESTION_LEAD
) -> tuple[tuple[InlineComment, ...], tuple[str, ...]]:
    """Review suggestions for each hunk of ``diff`` (old side: the pull request head's files),
    and the reasons for the hunks a suggestion cannot express.

    A suggestion covers the head-side lines its hunk replaces (RIGHT side, context trimmed
    from the edges); a pure insertion also covers the line before it (after it at the top of
    a file), which the suggestion repeats.
    """
    comments: list[InlineComment] = []
    reasons: list[str] = []
    for file in parse_diff(diff):
        problem = _inexpressible(file)
        if problem is not None:
            reasons.append(f"{file.path}: {problem}")
            continue
        for hunk in file.hunks:
            made = _suggestion(file.path, hunk, lead)
            if isinstance(made, str):
                reasons.append(f"{file.path}: the change at line {hunk.old_start} {made}")
            else:
                comments.append(made)
    return tuple(comments), tuple(reasons)


def _inexpressible(file: FileDiff) -> str | None:
    """Why no suggestion can express the change to ``file`` at all, or None."""
    if file.is_binary:
        return "binary files cannot be suggested"
    if file.status == "added":
        return "a new file cannot be suggested"
    if file.status == "deleted":
        return "deleting a file cannot be suggested"
    if file.status in ("renamed", "copied"):
        return f"{file.status} from {file.old_path}, which a suggestion cannot do"
    if file.old_mode != file.new_mode:
        return f"changes the file mode ({file.old_mode} to {file.new_mode})"
    return None


def _suggestion(path: str, hunk: Hunk, lead: str) -> InlineComment | str:
    """One hunk as a suggestion, or why it cannot be one."""
    lines = hunk.lines
    changed = [i for i, line in enumerate(lines) if line.kind != "context"]
    if not changed:
        return "changes nothing"
    first, last = changed[0], changed[-1]
    core = lines[first : last + 1]
    old = [line.old_line for line in core if line.kind != "added"]
    new = [line.text for line in core if line.kind != "removed"]
    if not old:  # a pure insertion: anchor on a neighbouring line and repeat it
        if first > 0:
            anchor = lines[first - 1]
            new.insert(0, anchor.text)
        elif last + 1 < len(lines):
            anchor = lines[last + 1]
            new.append(anchor.text)
        else:
            return "inserts lines next to no existing line to anchor on"
        old = [anchor.old_line]
    numbers = [n for n in old if n is not None]
    if not numbers:
        return "has no head-side line to anchor on"
    replaced = [line.text for line in core if line.kind != "added"]
    if replaced == [line.text for line in core if line.kind != "removed"]:
        return "only changes the newline at the end of the file"
    start, end = min(numbers), max(numbers)
    return InlineComment(
        path=path,
        line=end,
        body=f"{lead}\n\n{suggestion_block(new)}",
        side="RIGHT",
        start_line=start if start < end else None,
        start_side="RIGHT" if start < end else None,
    )
