"""A review too big for GitHub's limits is posted within them and says what it left out.

The fake GitHub refuses bodies over 65,536 characters and check-run summaries over 65,535 with
422, as GitHub does; a pull request of 250 files with three findings each makes a summary of
several hundred thousand characters when everything is listed (the comment holds 168 rows of
them within its limit).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ci_agent.report.limits import CHECK_SUMMARY_LIMIT, COMMENT_BODY_LIMIT
from tests.fakes.github_server import FakeGitHub
from tests.integration.review_github.conftest import BOT, REPO, TOKEN, Harness

FILES = 250
MODULE = "import os\nimport sys\n\n\ndef run(text):\n    return eval(text)\n"


@pytest.fixture
def big(fake_github: FakeGitHub, tmp_path: Path) -> Harness:
    """A pull request adding FILES modules, each with two unused imports and an eval."""
    fake_github.require_token(TOKEN, login=BOT)
    repo = fake_github.create_repo(REPO, files={"README.md": "# widgets\n"})
    feature: dict[str, str | bytes | None] = {
        f"pkg/module_{i:03d}.py": MODULE for i in range(FILES)
    }
    repo.commit("feature", feature, "Add many modules")
    pull = repo.open_pull("feature", title="Many modules", body="", user="alice")
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    environ = {
        "GITHUB_API_URL": fake_github.base_url,
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_REPOSITORY": REPO,
    }
    return Harness(fake_github, repo, workspace, pull.number, environ)


def test_an_oversized_review_is_posted_within_the_limits(big: Harness) -> None:
    whole = "the `ci-agent-review-pr1.json` artifact of this workflow run"
    done = big.review(whole=whole)
    try:
        findings = done.result["findings"]
        assert len(findings) == 3 * FILES  # every finding is in the JSON result
        assert done.result["published"]["inline_comments"] == 20

        # Nothing was refused: no 422 anywhere, one review, one summary, one check run.
        assert not [r for r in big.fake.requests if r.status == 422]
        (summary,) = big.repo.issue_comments.values()
        assert len(summary.body) <= COMMENT_BODY_LIMIT
        (run,) = big.repo.check_runs.values()
        assert len(run.summary) <= CHECK_SUMMARY_LIMIT

        # What was left out is said, with the number and where the whole report is.
        listed = summary.body.count("\n| ")
        assert "more finding(s) are not listed here" in summary.body
        assert "more changed file(s) are not listed here" in summary.body
        assert f"{whole} has all of them" in summary.body
        assert 0 < listed < 3 * FILES
        # Every finding still reaches the check run as an annotation (50 per request).
        assert len(run.annotations) == 3 * FILES

        # A re-run on the same head edits the summary in place, within the limit again.
        before = len(big.fake.requests)
        again = big.review(whole=whole)
        assert again.result["published"]["summary"] in {"unchanged", "updated"}
        later = list(big.fake.requests)[before:]
        assert not [r for r in later if r.method == "POST" and "/issues/" in r.path]
        assert not [r for r in later if r.status == 422]
        (summary,) = big.repo.issue_comments.values()
        assert len(summary.body) <= COMMENT_BODY_LIMIT
    finally:
        big.close()
