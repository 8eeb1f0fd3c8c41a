"""The fake's answers that backups read beyond listings, in GitHub's schema: attestations of a
digest (and 404 when there is none), repository-wide issue events, a release asset's JSON and
its bytes behind a 302."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest

from tests.fakes.github_server import FakeGitHub

from .rawhttp import Raw
from .schema import validate
from .world import World, build

R = "/repos/acme/widgets"
JSON = "application/vnd.github+json"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FakeGitHub, World]]:
    fake = FakeGitHub(tmp_path_factory.mktemp("schema-backup"))
    try:
        world = build(fake)
        world.repo.attest("ab" * 32, "backup.tar.gz")
        world.repo.add_issue_event(world.issue, "labeled")
        world.repo.add_issue_event(world.pr, "closed", commit_id=world.head_sha)
        yield fake, world
    finally:
        fake.close()
    assert not fake.server.errors, "\n".join(fake.server.errors)


@pytest.mark.parametrize("version", ["2026-03-10", None], ids=["2026", "2022"])
def test_attestations_answer_in_githubs_schema(
    seeded: tuple[FakeGitHub, World], version: str | None
) -> None:
    fake, _ = seeded
    headers = {"X-GitHub-Api-Version": version} if version else {}
    reply = Raw(fake.base_url).get(f"{R}/attestations/sha256:{'ab' * 32}", headers=headers)
    assert reply.status == 200, reply.text
    # 2022-11-28 inlines the Sigstore bundle, which the 2026 models no longer describe.
    model = "ReposOwnerRepoAttestationsSubjectDigestGetResponse200"
    parsed = validate(model, reply.json, allow=frozenset({"bundle"}))
    assert parsed.attestations[0].repository_id == seeded[1].repo.id
    missing = Raw(fake.base_url).get(f"{R}/attestations/sha256:{'cd' * 32}")
    assert missing.status == 404
    validate("BasicError", missing.json)


def test_issue_events_answer_in_githubs_schema(seeded: tuple[FakeGitHub, World]) -> None:
    fake, world = seeded
    reply = Raw(fake.base_url).get(f"{R}/issues/events")
    assert reply.status == 200, reply.text
    events = validate("IssueEvent", reply.json, many=True, allow=frozenset({"assignee"}))
    assert [e.event for e in events] == ["closed", "labeled"]  # newest first
    assert events[0].commit_id == world.head_sha


def test_a_release_asset_answers_json_or_its_bytes(seeded: tuple[FakeGitHub, World]) -> None:
    fake, world = seeded
    [asset] = world.repo.releases[world.release].assets
    raw = Raw(fake.base_url)
    reply = raw.get(f"{R}/releases/assets/{asset.id}", headers={"Accept": JSON})
    assert reply.status == 200
    validate("ReleaseAsset", reply.json)
    moved = raw.get(
        f"{R}/releases/assets/{asset.id}", headers={"Accept": "application/octet-stream"}
    )
    assert moved.status == 302
    data = Raw(fake.base_url, token=None).get(moved.headers["location"]).body
    assert hashlib.sha256(data).digest() == hashlib.sha256(b"tarball").digest()
    assert raw.get(f"{R}/releases/assets/999999").status == 404
