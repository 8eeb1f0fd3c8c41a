"""Suggestions GitHub accepts on a pull request's lines, and bundles re-checked through the
GitHub forge's file contents."""

from __future__ import annotations

import difflib

import pytest

from ci_agent.change.bundle import ChangeBundle, check_bundle
from ci_agent.change.deliver import suggestions
from ci_agent.change.policy import PatchPolicy
from ci_agent.errors import CiAgentError
from tests.integration.forge_github.conftest import Rig
from tests.integration.github_fake.world import APP_FEATURE


def unified(before: str, after: str, path: str = "app.py") -> str:
    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), f"a/{path}", f"b/{path}"
    )
    return f"diff --git a/{path} b/{path}\n" + "".join(lines)


# On the pull request's head (21 lines), app.py differs from main on line 3 and on lines
# 18-19; the pull request's diff shows lines 1-6 and 15-21.
IN_DIFF = (
    APP_FEATURE.replace("LINE THREE\n", "line 3\n")  # replaces line 3
    .replace("line 18!\nextra\n", "line 18\n")  # replaces lines 18-19
    .replace("line 20\n", "line 20\nline 21\n")  # inserts after line 21: same hunk
)
OUTSIDE = APP_FEATURE.replace("line 10\n", "line ten\n")


def test_suggestions_on_the_pull_requests_lines_are_accepted(rig: Rig) -> None:
    comments, reasons = suggestions(unified(APP_FEATURE, IN_DIFF))
    assert reasons == ()
    assert [(c.start_line, c.line) for c in comments] == [(None, 3), (18, 21)]
    result = rig.forge.create_review(rig.world.pr, rig.world.head_sha, "A fix.", comments)
    assert result.rejected == ()
    stored = [rig.world.repo.review_comments[i] for i in result.comment_ids]
    assert sorted((c.line, c.start_line, c.side) for c in stored) == [
        (3, None, "RIGHT"),
        (21, 18, "RIGHT"),
    ]
    assert all("```suggestion\n" in c.body for c in stored)


def test_an_insertion_anchors_on_a_line_github_accepts(rig: Rig) -> None:
    after = APP_FEATURE.replace("LINE THREE\n", "LINE THREE\nline 3b\n")
    [comment], _ = suggestions(unified(APP_FEATURE, after))
    assert (comment.start_line, comment.line) == (None, 3)
    result = rig.forge.create_review(rig.world.pr, rig.world.head_sha, "Insert.", [comment])
    assert result.rejected == ()


def test_a_suggestion_outside_the_pull_requests_diff_comes_back_rejected(rig: Rig) -> None:
    comments, _ = suggestions(unified(APP_FEATURE, IN_DIFF) + unified(APP_FEATURE, OUTSIDE))
    outside = [c for c in comments if c.line == 10]
    result = rig.forge.create_review(rig.world.pr, rig.world.head_sha, "Mixed.", comments)
    assert result.rejected == tuple(outside)
    assert len(result.comment_ids) == len(comments) - 1


# --- check_bundle through the GitHub forge ---


def bundle_for(rig: Rig, diff: str) -> ChangeBundle:
    return ChangeBundle(
        repository="acme/widgets",
        head_sha=rig.world.head_sha,
        run_id=rig.world.run,
        diff=diff,
        title="fix the test failure",
        evidence={},
        created_at="2026-11-21T10:00:00+00:00",
    )


def test_check_bundle_reads_the_files_at_the_head_through_the_api(rig: Rig) -> None:
    fix = unified(APP_FEATURE, IN_DIFF)
    [change] = check_bundle(rig.forge, bundle_for(rig, fix), PatchPolicy())
    assert (change.path, change.before, change.after) == ("app.py", APP_FEATURE, IN_DIFF)
    reads = rig.fake.requests.filter("GET", "/repos/*/contents/*")
    assert [(r.path, r.query.get("ref")) for r in reads] == [
        ("/repos/acme/widgets/contents/app.py", [rig.world.head_sha])
    ]
    assert rig.fake.requests.count("POST") == 0, "checking writes nothing"


def test_check_bundle_refuses_a_patch_made_for_another_commit(rig: Rig) -> None:
    stale = unified(APP_FEATURE.replace("line 18!", "line eighteen"), IN_DIFF)
    with pytest.raises(CiAgentError) as caught:
        check_bundle(rig.forge, bundle_for(rig, stale), PatchPolicy())
    assert caught.value.code == "CA231"


def test_check_bundle_refuses_protected_paths_from_the_config(rig: Rig) -> None:
    fix = unified("# Guide\n", "# Guide!\n", "docs/guide.md")
    with pytest.raises(CiAgentError) as caught:
        check_bundle(rig.forge, bundle_for(rig, fix), PatchPolicy(("docs/**",)))
    assert caught.value.code == "CA533"
    assert "docs/guide.md: protected path (docs/**)" in caught.value.message
