"""The pieces that decide what to trust: bundle headers against manifest claims, artifact
provenance, attestation statements, staging leftovers, and stopping git with ci-agent."""

from __future__ import annotations

import base64
import json
import os
import signal
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ci_agent.backup.attest import check_attestation
from ci_agent.backup.claims import check_claims, read_header
from ci_agent.backup.manifest import GitPart, Head, Ref
from ci_agent.backup.processes import interruptible, run_grouped
from ci_agent.backup.provenance import (
    DEFAULT_WORKFLOW,
    BackupOrigin,
    Provenance,
    workflow_from_env,
)
from ci_agent.backup.staging import MARKER, clean_stale, find_stale, make_stage
from ci_agent.errors import CiAgentError
from ci_agent.forge.run_types import Artifact, RepoFacts, WorkflowRun
from ci_agent.git import Git

A, B = "a" * 40, "b" * 40
FACTS = RepoFacts(7, "acme/widgets", "main")


def bundle(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "x.bundle"
    path.write_bytes(text.encode() + b"PACK")
    return path


def test_a_bundle_header_is_read_without_git(tmp_path: Path) -> None:
    path = bundle(
        tmp_path, f"# v3 git bundle\n@object-format=sha256\n-{B} base\n{A} refs/heads/main\n\n"
    )
    header = read_header(path, "x")
    assert (header.version, header.object_format) == (3, "sha256")
    assert header.prerequisites == (B,) and header.refs == {"refs/heads/main": A}
    for broken in ("not a bundle\n", f"# v2 git bundle\n{A} refs/heads/main"):
        with pytest.raises(CiAgentError) as caught:
            read_header(bundle(tmp_path, broken), "x")
        assert caught.value.code == "CA527"


def test_claims_of_an_incremental_backup(tmp_path: Path) -> None:
    ref = Ref(name="refs/heads/main", sha=A, type="commit")
    old = GitPart(
        head=Head(symref="refs/heads/main", sha=B), refs=(ref.model_copy(update={"sha": B}),)
    )
    new = GitPart(head=Head(symref="refs/heads/main", sha=A), refs=(ref,), excluded=(B,))
    path = bundle(tmp_path, f"# v2 git bundle\n-{B} c\n{A} refs/heads/main\n{A} HEAD\n\n")
    assert check_claims(new, path, old, "x") == []
    stale = new.model_copy(update={"excluded": (A,)})
    assert "the objects it leaves out" in check_claims(stale, path, old, "x")[0].message
    assert "a full backup that leaves objects out" in check_claims(new, path, None, "x")[0].message
    assert check_claims(new.model_copy(update={"excluded": ()}), path, None, "x") == []
    unchanged = GitPart(
        head=old.head, refs=(ref.model_copy(update={"sha": "c" * 40}),), excluded=(B,)
    )
    [problem] = check_claims(unchanged, None, old, "x")
    assert "neither the bundle's refs nor the previous backup's hold" in problem.message
    lonely = GitPart(refs=(ref,))
    assert "there is no bundle" in check_claims(lonely, None, None, "x")[0].message
    assert check_claims(new, bundle(tmp_path, "junk"), old, "x")[0].code == "CA527"


def run(**fields: object) -> WorkflowRun:
    base: dict[str, object] = {
        "id": 1, "name": "backup", "workflow_id": 9, "head_sha": A, "head_branch": "main",
        "event": "schedule", "status": "completed", "conclusion": "success",
        "created_at": datetime(2030, 1, 1, tzinfo=UTC), "path": DEFAULT_WORKFLOW,
        "head_repository": "acme/widgets",
    }  # fmt: skip
    return WorkflowRun(**{**base, **fields})  # type: ignore[arg-type]


class Runs:
    def __init__(self, found: WorkflowRun) -> None:
        self.found = found

    def workflow_run(self, run_id: int) -> WorkflowRun:
        return self.found


def artifact(**fields: object) -> Artifact:
    base: dict[str, object] = {
        "id": 3, "name": "n", "size": 1, "digest": None,
        "created_at": datetime(2030, 1, 1, 0, 2, tzinfo=UTC), "run_id": 1,
        "repository_id": 7, "head_repository_id": 7, "head_branch": "main",
    }  # fmt: skip
    return Artifact(**{**base, **fields})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("made", "art", "words"),
    [
        (run(), artifact(repository_id=8), "another repository"),
        (run(), artifact(run_id=None), "names no workflow run"),
        (
            run(workflow_id=5, path=".github/workflows/x.yml"),
            artifact(),
            "workflow .github/workflows/x.yml",
        ),
        (run(event="pull_request_target"), artifact(), "'pull_request_target' run"),
        (run(head_repository="mallory/widgets"), artifact(), "its run built mallory/widgets"),
        (run(head_branch="dev"), artifact(), "the branch dev"),
    ],
)
def test_provenance_refusals(made: WorkflowRun, art: Artifact, words: str) -> None:
    judge = Provenance(Runs(made), BackupOrigin(FACTS, DEFAULT_WORKFLOW))
    problem = judge.problem(art, datetime(2030, 1, 1, 0, 1, tzinfo=UTC))
    assert problem is not None and words in problem
    assert Provenance(Runs(run()), BackupOrigin(FACTS, "9")).problem(artifact(), None) is None


def test_the_backup_workflow_comes_from_config_then_the_running_workflow() -> None:
    env = {"GITHUB_WORKFLOW_REF": "Acme/Widgets/.github/workflows/b.yml@refs/heads/main"}
    assert workflow_from_env("x.yml", env, "acme/widgets") == "x.yml"
    assert workflow_from_env(None, env, "acme/widgets") == ".github/workflows/b.yml"
    assert workflow_from_env(None, env, "other/repo") == DEFAULT_WORKFLOW


class Attestations:
    def __init__(self, items: list[dict[str, object]]) -> None:
        self.items = items

    def attestations(self, sha256: str) -> list[dict[str, object]]:
        return self.items


def attestation(subject: str, repository: str, path: str, ref: str) -> dict[str, object]:
    statement = {
        "subject": [{"digest": {"sha256": subject}}],
        "predicate": {"buildDefinition": {"externalParameters": {"workflow": {
            "repository": f"https://github.com/{repository}", "path": path, "ref": ref,
        }}}},
    }  # fmt: skip
    payload = base64.b64encode(json.dumps(statement).encode()).decode()
    return {"bundle": {"dsseEnvelope": {"payload": payload}}, "repository_id": 7}


def test_attestation_statements_are_read_field_by_field() -> None:
    sha, wf, ref = "c" * 64, DEFAULT_WORKFLOW, "refs/heads/main"
    cases = [
        ([attestation("d" * 64, "acme/widgets", wf, ref)], "other", "for another subject"),
        ([attestation(sha, "mallory/widgets", wf, ref)], "other", "of https://github.com/mallory"),
        ([attestation(sha, "acme/widgets", wf, "refs/heads/dev")], "other", f"{wf}@refs/heads/dev"),
        ([{"repository_id": 7, "bundle_url": "u"}], "other", "did not include"),
        ([{"bundle": {"dsseEnvelope": {"payload": "%%%"}}}], "other", "attested only by "),
        ([attestation(sha, "acme/widgets", wf, ref)], "attested", f"by {wf}@{ref}"),
    ]
    for items, status, words in cases:
        found = check_attestation(Attestations(items), sha, FACTS, wf)
        assert found.status == status and words in found.detail, (items, found)


def test_staging_is_marked_and_only_stale_leftovers_are_removed(tmp_path: Path) -> None:
    mine = make_stage(tmp_path)
    assert json.loads((mine / MARKER).read_text())["pid"] == os.getpid()
    unreadable = tmp_path / ".ci-agent-backup-broken"
    unreadable.mkdir()
    (unreadable / MARKER).write_text("{")
    fresh = tmp_path / ".ci-agent-backup-x.tar.gz.0a.tmp"  # an unmarked file of a running create
    fresh.write_bytes(b"x")
    old = tmp_path / ".ci-agent-backup-y.tar.gz.0b.tmp"
    old.write_bytes(b"xy")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    elsewhere = tmp_path / ".ci-agent-backup-remote"
    elsewhere.mkdir()
    (elsewhere / MARKER).write_text(json.dumps({"host": "another-host", "pid": 1}))
    found = {item.path.name: item for item in find_stale(tmp_path)}
    assert set(found) == {unreadable.name, old.name}
    assert found[old.name].size == 2 and "unmarked" in found[old.name].reason
    assert clean_stale(tmp_path, dry_run=True) and old.exists()
    clean_stale(tmp_path, dry_run=False)
    assert not old.exists() and not unreadable.exists() and mine.exists() and fresh.exists()
    assert find_stale(tmp_path / "missing") == []


def test_sigterm_stops_the_git_process_group_and_becomes_ca702(tmp_path: Path) -> None:
    git = Git(tmp_path)
    git.run("init", "-q")
    marker = tmp_path / "started"
    # git runs sh, which runs sleep: two generations below ci-agent.
    alias = f"!touch {marker}; sleep 30"

    def terminate() -> None:
        deadline = time.monotonic() + 20
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(os.getpid(), signal.SIGTERM)

    timer = threading.Thread(target=terminate)
    start = time.monotonic()
    timer.start()
    with pytest.raises(CiAgentError) as caught, interruptible():
        run_grouped(git, "-c", f"alias.nap={alias}", "nap")
    timer.join()
    assert caught.value.code == "CA702" and caught.value.context["signal"] == "SIGTERM"
    assert time.monotonic() - start < 15, "the sleep was stopped, not waited for"
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL or callable(
        signal.getsignal(signal.SIGTERM)
    )


def test_a_failing_grouped_command_is_ca203(tmp_path: Path) -> None:
    with pytest.raises(CiAgentError) as caught:
        run_grouped(Git(tmp_path), "rev-parse", "HEAD")
    assert caught.value.code == "CA203" and "fatal:" in caught.value.context["problem"]
    with pytest.raises(CiAgentError) as missing:
        run_grouped(Git(tmp_path / "nowhere"), "status")
    assert missing.value.code == "CA202"
