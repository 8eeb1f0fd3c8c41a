"""The delivery of a matrix of shards when no pull request is involved (a scheduled or
dispatched run): one landing on the run's branch and, when it opens a pull request, one sticky
comment on it listing the accepted tests and the funnel.

The merge job runs the repository's suite, so it may run read-only (``--merge DIR
--no-deliver``) and leave the landing to a job that runs nothing of the repository
(``--deliver DIR``): that job loads the merged result, checks it is of the commit it checked
out, and lands it with the change core's checks, claiming the funnel as reported by the run,
not as verified by itself."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ci_agent.commands.common import Invocation
from ci_agent.errors import fail
from ci_agent.outcome import Outcome
from ci_agent.runner.events import Event

if TYPE_CHECKING:
    from ci_agent.change.claims import Claims

__all__ = ["deliver_merged", "delivered_claims", "merged_outcome", "run_branch"]


def run_branch(event: Event, environ: Mapping[str, str]) -> str | None:
    """The branch the run is on: the event's, else ``GITHUB_REF`` when it names a branch."""
    if event.head_ref:
        return event.head_ref
    ref = environ.get("GITHUB_REF", "")
    return ref.removeprefix("refs/heads/") if ref.startswith("refs/heads/") else None


def deliver_merged(
    invocation: Invocation,
    event: Event,
    result: Mapping[str, Any],
    repository: str | None,
    markdown: str,
    *,
    claims: Claims | None = None,
) -> dict[str, Any]:
    """``delivery`` and ``comment`` entries of the merged result."""
    from ci_agent.commands.tests_job import publish_tests
    from ci_agent.testgen.deliver import BranchHead, deliver_to_branch
    from ci_agent.testgen.writer import GeneratedFile

    branch = run_branch(event, invocation.environ)
    commit = str(result.get("commit") or "")
    if not branch or not commit:
        why = "the run is on no branch (a tag or a detached commit): the artifact holds the files"
        return {"delivery": {"mode": "artifact", "why": why}}
    config = invocation.settings.config
    files = [GeneratedFile(f["path"], f["text"], tuple(f["targets"])) for f in result["files"]]
    # The merge ran on the shards' commit (checked): a path in the checkout exists there.
    existing = [f.path for f in files if (invocation.cwd / f.path).exists()]
    forge = invocation.use.github(repository, push=True)
    delivery = deliver_to_branch(
        forge,
        files,
        BranchHead(branch, commit),
        mode=config.test_generation.delivery,
        author=config.fix.author,
        output=config.test_generation.output,
        existing=existing,
        claims=claims,
    )
    found: dict[str, Any] = {"delivery": delivery}
    number = delivery.get("number")
    if number is None and delivery.get("mode") == "pull-request" and delivery.get("commit"):
        # Delivered by an earlier run: its pull request gets the comment, edited in place.
        pulls = invocation.use.github(repository).pull_requests_for(str(delivery["commit"]))
        number = next((p.number for p in pulls), None)
    if isinstance(number, int):
        found["comment"] = publish_tests(invocation.use.github(repository), number, markdown)
    return found


def merged_outcome(invocation: Invocation, paths: Sequence[Path]) -> Outcome:
    """The merged result that ``--merge DIR --no-deliver`` uploaded, read back for delivery:
    the newest attempt's, of the commit checked out here (CA590), its comment rendered again."""
    from ci_agent.config_trust import repository_renderer
    from ci_agent.git import Git
    from ci_agent.testgen.shard_report import merged_markdown

    result = _newest(_merged_results(paths))
    commit = str(result.get("commit") or "")
    head = Git(invocation.cwd).head() or "no commit (not a git checkout)"
    if commit != head:
        # Files checked on other code would be delivered as if checked on this one.
        raise fail("CA590", shards=commit[:12] or "unknown", head=head[:12])
    markdown = merged_markdown(result, repository_renderer(invocation.settings, invocation.cwd))
    paths_kept = [str(f["path"]) for f in result["files"]]
    text = f"the merged result of commit {commit[:12]}: {len(paths_kept)} file(s)" + (
        ": " + ", ".join(paths_kept) if paths_kept else ""
    )
    return Outcome("tests", result=result, text=text, markdown=markdown)


def delivered_claims(result: Mapping[str, Any], environ: Mapping[str, str]) -> Claims:
    """What landing a merged result may claim: re-checked here, the funnel reported by the run."""
    from ci_agent.change.claims import Claims
    from ci_agent.testgen.deliver import LANDING_CHECKS, funnel_proof

    run = environ.get("GITHUB_RUN_ID", "")
    proof = funnel_proof(str(result.get("commit") or ""))
    return Claims(False, int(run) if run.isdigit() else 0, proof, LANDING_CHECKS)


def _merged_results(paths: Sequence[Path]) -> list[tuple[Path, dict[str, Any]]]:
    found: list[tuple[Path, dict[str, Any]]] = []
    for path in paths:
        files = [path]
        if path.is_dir():
            files = sorted(p for p in path.rglob("*.json") if p.is_file())
            if not files:
                raise fail("CA196", path=path)
        found += [(file, _merged_result(file)) for file in files]
    return found


def _merged_result(path: Path) -> dict[str, Any]:
    from ci_agent.testgen.merge import read_result

    data = read_result(path, "CA584")
    if not isinstance(data, dict) or not isinstance(data.get("shards"), list):
        raise fail("CA584", file=path, problem="no 'shards' list: not a merged result")
    files = data.get("files")
    if not isinstance(files, list) or not all(_is_file(f) for f in files):
        raise fail("CA584", file=path, problem="'files' is not a list of path, text and targets")
    commit = data.get("commit")
    if not isinstance(commit, str) or not commit:
        raise fail("CA584", file=path, problem="no 'commit': of which code it is unknown")
    return data


def _is_file(entry: object) -> bool:
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("path"), str)
        and isinstance(entry.get("text"), str)
        and isinstance(entry.get("targets"), list)
    )


def _newest(results: list[tuple[Path, dict[str, Any]]]) -> dict[str, Any]:
    """The newest attempt's result: a re-run keeps the earlier attempts' artifacts, and a
    download of the run's fetches them all. Two of one attempt are CA584."""
    by_attempt: dict[int, tuple[Path, dict[str, Any]]] = {}
    for path, result in results:
        attempt = result.get("attempt", 1)
        if not isinstance(attempt, int) or isinstance(attempt, bool) or attempt < 1:
            raise fail("CA584", file=path, problem=f"'attempt' is {attempt!r}, not a number")
        if attempt in by_attempt:
            problem = f"attempt {attempt} is also in {by_attempt[attempt][0]}"
            raise fail("CA584", file=path, problem=problem)
        by_attempt[attempt] = (path, result)
    return by_attempt[max(by_attempt)][1]
