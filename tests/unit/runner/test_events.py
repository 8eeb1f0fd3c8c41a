"""Events: loading the payload file and the fields derived for each event type."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ci_agent.errors import UsageError
from ci_agent.runner.events import Event, load_event, parse_event
from tests.unit.runner import payloads
from tests.unit.runner.payloads import BASE_SHA, HEAD_SHA


def write_event(tmp_path: Path, name: str, payload: Any) -> dict[str, str]:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    return {"GITHUB_EVENT_NAME": name, "GITHUB_EVENT_PATH": str(path)}


def test_load_event_reads_name_and_payload(tmp_path: Path) -> None:
    payload = payloads.pull_request()
    event = load_event(write_event(tmp_path, "pull_request", payload))
    assert event.name == "pull_request"
    assert event.payload == payload
    assert event.action == "opened"


def test_missing_event_file_is_ca110(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.json")
    with pytest.raises(UsageError) as caught:
        load_event({"GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": missing})
    assert caught.value.code == "CA110"
    assert missing in caught.value.message


def test_unset_event_path_is_ca110() -> None:
    with pytest.raises(UsageError) as caught:
        load_event({"GITHUB_EVENT_NAME": "push"})
    assert caught.value.code == "CA110"
    assert "GITHUB_EVENT_PATH" in caught.value.message


def test_invalid_json_is_ca111(tmp_path: Path) -> None:
    path = tmp_path / "event.json"
    path.write_text('{"action": ', encoding="utf-8")
    with pytest.raises(UsageError) as caught:
        load_event({"GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": str(path)})
    assert caught.value.code == "CA111"
    assert "line 1 column 12" in caught.value.message


@pytest.mark.parametrize(
    ("payload", "kind"), [([], "array"), ("x", "string"), (3, "number"), (None, "null")]
)
def test_non_object_json_is_ca111(tmp_path: Path, payload: Any, kind: str) -> None:
    with pytest.raises(UsageError) as caught:
        load_event(write_event(tmp_path, "push", payload))
    assert caught.value.code == "CA111"
    assert f"JSON {kind}, not an object" in caught.value.message


def test_unreadable_event_file_is_ca111(tmp_path: Path) -> None:
    path = tmp_path / "event.json"
    path.write_bytes(b'{"a": "\xff"}')
    with pytest.raises(UsageError) as caught:
        load_event({"GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": str(path)})
    assert caught.value.code == "CA111"


def test_directory_as_event_file_is_ca111(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as caught:
        load_event({"GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": str(tmp_path)})
    assert caught.value.code == "CA111"


@pytest.mark.parametrize("name", ["pull_request", "pull_request_target"])
def test_pull_request(name: str) -> None:
    event = parse_event(name, payloads.pull_request("synchronize"))
    assert event.action == "synchronize"
    assert event.repository == "Codertocat/Hello-World"
    assert event.pr_number == 2
    assert event.head_sha == HEAD_SHA
    assert event.base_sha == BASE_SHA
    assert event.head_ref == "changes"
    assert event.base_ref == "master"
    assert event.head_repo_full_name == "Codertocat/Hello-World"
    assert event.is_fork is False
    assert event.sender_login == "Codertocat"
    assert event.is_bot_sender is False
    assert event.is_pr_comment is False
    assert event.comment_body is None


def test_pull_request_from_fork() -> None:
    event = parse_event("pull_request_target", payloads.fork_pull_request())
    assert event.head_repo_full_name == "Octocoders/Hello-World"
    assert event.is_fork is True


def test_pull_request_from_deleted_fork_counts_as_fork() -> None:
    payload = payloads.pull_request()
    payload["pull_request"]["head"]["repo"] = None
    event = parse_event("pull_request", payload)
    assert event.head_repo_full_name is None
    assert event.is_fork is True


def test_issue_comment_on_pull_request() -> None:
    event = parse_event("issue_comment", payloads.issue_comment(on_pull_request=True))
    assert event.is_pr_comment is True
    assert event.pr_number == 1
    assert event.issue_number == 1
    assert event.comment_id == 492700400
    assert event.comment_body == "/ci-agent review"
    assert event.comment_author == "Codertocat"
    assert event.comment_author_association == "OWNER"
    # The payload carries no SHA; GITHUB_SHA would be the default branch, not the PR.
    assert event.head_sha is None


def test_issue_comment_on_plain_issue() -> None:
    event = parse_event("issue_comment", payloads.issue_comment(on_pull_request=False))
    assert event.is_pr_comment is False
    assert event.pr_number is None
    assert event.issue_number == 1
    assert event.comment_body == "/ci-agent review"


def test_pull_request_review_comment() -> None:
    event = parse_event("pull_request_review_comment", payloads.pull_request_review_comment())
    assert event.is_pr_comment is True
    assert event.pr_number == 2
    assert event.head_sha == HEAD_SHA
    assert event.comment_id == 275748224
    assert event.comment_body == "Maybe you should use more emoji on this line."
    assert event.comment_author == "Codertocat"
    assert event.comment_author_association == "COLLABORATOR"


def test_workflow_run_with_one_pull_request() -> None:
    event = parse_event("workflow_run", payloads.workflow_run(pull_requests=1))
    assert event.workflow_run_id == 30433642
    assert event.workflow_run_conclusion == "failure"
    assert event.workflow_run_head_sha == HEAD_SHA
    assert event.workflow_run_pull_requests == (2,)
    assert event.pr_number == 2
    assert event.head_sha == HEAD_SHA
    assert event.head_ref == "changes"
    assert event.base_sha == BASE_SHA
    assert event.base_ref == "master"
    assert event.head_repo_full_name == "Codertocat/Hello-World"
    assert event.is_fork is False


def test_workflow_run_with_several_or_no_pull_requests() -> None:
    several = parse_event("workflow_run", payloads.workflow_run(pull_requests=2))
    assert several.workflow_run_pull_requests == (2, 3)
    assert several.pr_number is None
    assert several.base_sha is None
    none = parse_event("workflow_run", payloads.workflow_run(pull_requests=0, conclusion=None))
    assert none.workflow_run_pull_requests == ()
    assert none.pr_number is None
    assert none.workflow_run_conclusion is None


def test_workflow_run_from_fork() -> None:
    payload = payloads.workflow_run(pull_requests=0)
    payload["workflow_run"]["head_repository"] = {"full_name": "Octocoders/Hello-World"}
    event = parse_event("workflow_run", payload)
    assert event.head_repo_full_name == "Octocoders/Hello-World"
    assert event.is_fork is True


def test_workflow_dispatch() -> None:
    environ = {"GITHUB_SHA": HEAD_SHA}
    event = parse_event("workflow_dispatch", payloads.workflow_dispatch(), environ)
    assert event.inputs == {"name": "Mona the Octocat", "dry-run": "true", "count": "3"}
    assert event.head_ref == "master"
    assert event.head_sha == HEAD_SHA
    assert event.action is None
    assert event.pr_number is None


def test_schedule() -> None:
    event = parse_event("schedule", payloads.schedule(), {"GITHUB_SHA": HEAD_SHA})
    assert event.repository == "Codertocat/Hello-World"
    assert event.head_sha == HEAD_SHA
    assert event.sender_login is None
    assert event.is_bot_sender is False


def test_schedule_without_github_sha() -> None:
    assert parse_event("schedule", payloads.schedule()).head_sha is None


def test_push() -> None:
    event = parse_event("push", payloads.push(), {"GITHUB_SHA": "ignored"})
    assert event.head_sha == HEAD_SHA
    assert event.base_sha == BASE_SHA
    assert event.head_ref == "simple-tag"
    assert event.base_ref is None
    assert event.pr_number is None


def test_push_creating_a_branch_has_no_base() -> None:
    assert parse_event("push", payloads.push(before="0" * 40)).base_sha is None


def test_push_of_a_tag_keeps_the_full_ref() -> None:
    payload = payloads.push()
    payload["ref"] = "refs/tags/v1.0.0"
    assert parse_event("push", payload).head_ref == "refs/tags/v1.0.0"


def test_unknown_event_keeps_name_payload_and_common_fields() -> None:
    payload = payloads.release()
    event = parse_event("release", payload)
    assert event.name == "release"
    assert event.payload is payload
    assert event.action == "published"
    assert event.repository == "Codertocat/Hello-World"
    assert event.sender_login == "dependabot[bot]"
    assert event.is_bot_sender is True
    assert event.head_sha is None
    assert event.pr_number is None


def test_bot_sender_by_type_or_login() -> None:
    by_type = payloads.pull_request()
    by_type["sender"] = {"login": "renovate", "type": "Bot"}
    assert parse_event("pull_request", by_type).is_bot_sender is True
    by_login = payloads.pull_request()
    by_login["sender"] = {"login": "github-actions[bot]", "type": "User"}
    assert parse_event("pull_request", by_login).is_bot_sender is True


def test_repository_falls_back_to_environment() -> None:
    event = parse_event("schedule", {"schedule": "0 0 * * *"}, {"GITHUB_REPOSITORY": "o/r"})
    assert event.repository == "o/r"
    assert parse_event("schedule", {}).repository is None


def test_malformed_payload_fields_become_none() -> None:
    payload: dict[str, Any] = {
        "action": 5,
        "pull_request": {"number": "2", "head": "x", "base": {"sha": 7}},
        "sender": "someone",
        "repository": [],
    }
    event = parse_event("pull_request", payload)
    assert event.action is None
    assert event.pr_number is None
    assert event.head_sha is None
    assert event.base_sha is None
    assert event.sender_login is None
    assert event.repository is None
    assert event.is_fork is True


def test_malformed_workflow_run_pull_requests_are_skipped() -> None:
    payload = payloads.workflow_run(pull_requests=1)
    payload["workflow_run"]["pull_requests"] += ["junk", {"number": True}]
    event = parse_event("workflow_run", payload)
    assert event.workflow_run_pull_requests == (2,)


def test_event_is_frozen() -> None:
    event = parse_event("push", payloads.push())
    with pytest.raises(AttributeError):
        event.name = "other"  # type: ignore[misc]
    assert isinstance(event, Event)
