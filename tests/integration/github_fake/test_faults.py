"""Scripted faults, rate-limit headers, authentication and the request log."""

from __future__ import annotations

import http.client
import re
import time

import github
import pytest
from fasttransport.errors import APIError

from tests.fakes.github_server import FakeGitHub

from .rawhttp import Raw

R = "/repos/acme/widgets"


@pytest.fixture
def fake(fake_github: FakeGitHub) -> FakeGitHub:
    fake_github.create_repo("acme/widgets", files={"README.md": "# w\n"})
    fake_github.repo("acme/widgets").add_issue("first")
    return fake_github


def test_every_answer_carries_rate_limit_headers_and_a_request_id(fake: FakeGitHub) -> None:
    raw = Raw(fake.base_url)
    first, second, missing = raw.get(R), raw.get(R), raw.get(f"{R}/issues/99")
    assert missing.status == 404
    remaining = [int(r.headers["x-ratelimit-remaining"]) for r in (first, second, missing)]
    assert remaining == [4999, 4998, 4997]
    assert [int(r.headers["x-ratelimit-used"]) for r in (first, second, missing)] == [1, 2, 3]
    for reply in (first, second, missing):
        assert reply.headers["x-ratelimit-limit"] == "5000"
        assert reply.headers["x-ratelimit-resource"] == "core"
        assert int(reply.headers["x-ratelimit-reset"]) > time.time()
        assert re.fullmatch(
            r"([0-9A-F]{4}:){2}([0-9A-F]{8}:){2}[0-9A-F]{8}", reply.headers["x-github-request-id"]
        )
    limits = raw.get("/rate_limit")
    assert limits.json["resources"]["core"]["remaining"] == 4997, "/rate_limit is free"


def test_exhausting_the_primary_limit_answers_403_until_the_reset(fake: FakeGitHub) -> None:
    fake.state.rate.used = fake.state.rate.limit - 1
    raw = Raw(fake.base_url)
    assert raw.get(R).status == 200
    limited = raw.get(R)
    assert limited.status == 403
    assert limited.headers["x-ratelimit-remaining"] == "0"
    assert limited.json["message"].startswith("API rate limit exceeded")
    fake.clock.advance(3601)
    assert raw.get(R).status == 200


def test_scripted_primary_and_secondary_limits_and_429(fake: FakeGitHub) -> None:
    fake.faults.primary_rate_limit("GET", f"{R}/issues", reset_in=30)
    fake.faults.secondary_rate_limit("POST", f"{R}/issues/*/comments", retry_after=7)
    fake.faults.secondary_rate_limit("POST", f"{R}/issues/*/comments")
    fake.faults.too_many_requests("GET", R, retry_after=2)
    raw = Raw(fake.base_url)
    primary = raw.get(f"{R}/issues")
    assert (primary.status, primary.headers["x-ratelimit-remaining"]) == (403, "0")
    with_retry = raw.post(f"{R}/issues/1/comments", {"body": "x"})
    without = raw.post(f"{R}/issues/1/comments", {"body": "x"})
    for reply in (with_retry, without):
        assert reply.status == 403
        assert reply.json["message"].startswith("You have exceeded a secondary rate limit.")
        assert reply.headers["x-github-request-id"] in reply.json["message"]
        assert reply.headers["x-ratelimit-remaining"] != "0"
    assert with_retry.headers["retry-after"] == "7"
    assert "retry-after" not in without.headers
    too_many = raw.get(R)
    assert (too_many.status, too_many.headers["retry-after"]) == (429, "2")
    assert raw.post(f"{R}/issues/1/comments", {"body": "x"}).status == 201, "faults used up"
    assert fake.repo("acme/widgets").comments_on(1)[0].body == "x"


@pytest.mark.parametrize("status", [500, 502, 503, 404, 422])
def test_status_faults_answer_githubs_bodies(fake: FakeGitHub, status: int) -> None:
    fault = fake.faults.status("GET", "/repos/*/widgets", status, times=2)
    raw = Raw(fake.base_url)
    replies = [raw.get(R) for _ in range(3)]
    assert [r.status for r in replies] == [status, status, 200]
    assert replies[0].json["status"] == str(status)
    assert fault.hits == 2


def test_faults_for_every_request_and_by_regex(fake: FakeGitHub) -> None:
    fake.faults.status("*", re.compile(r"/issues$"), 503, times=None)
    raw = Raw(fake.base_url)
    assert [raw.get(f"{R}/issues").status for _ in range(3)] == [503, 503, 503]
    assert raw.get(f"{R}/issues/1").status == 200


def test_connection_reset(fake: FakeGitHub) -> None:
    fake.faults.reset("GET", R)
    with pytest.raises((ConnectionError, http.client.RemoteDisconnected)):
        Raw(fake.base_url).get(R)
    assert Raw(fake.base_url).get(R).status == 200
    assert [e.status for e in fake.requests.filter("GET", R)] == [None, 200]
    assert fake.requests.filter("GET", R)[0].fault == "reset"


def test_slow_answers(fake: FakeGitHub) -> None:
    fake.faults.slow("GET", R, seconds=2.0, times=1)
    started = time.monotonic()
    assert Raw(fake.base_url).get(R).status == 200
    assert time.monotonic() - started >= 2.0
    started = time.monotonic()
    Raw(fake.base_url).get(R)
    # The fault was for one answer only: the second is not delayed (a wide margin for load).
    assert time.monotonic() - started < 2.0


def test_slow_answers_do_not_block_other_requests(fake: FakeGitHub) -> None:
    import threading

    fake.faults.slow("GET", f"{R}/issues", seconds=3.0)
    slow = threading.Thread(target=Raw(fake.base_url).get, args=(f"{R}/issues",))
    slow.start()
    time.sleep(0.2)  # let the slow request reach the server first
    assert Raw(fake.base_url).get(R).status == 200
    assert slow.is_alive(), "the server is threaded: the quick answer came first"
    slow.join()


def test_apply_then_fail_lands_the_write(fake: FakeGitHub) -> None:
    fake.faults.apply_then_fail("POST", f"{R}/issues/1/comments")
    gh = fake.pygithub()
    issue = gh.get_repo("acme/widgets").get_issue(1)
    with pytest.raises(github.GithubException) as caught:
        issue.create_comment("<!-- ci-agent:summary:abc --> hello")
    assert caught.value.status == 502
    stored = fake.repo("acme/widgets").comments_on(1)
    assert [c.body for c in stored] == ["<!-- ci-agent:summary:abc --> hello"]
    assert [c.body for c in issue.get_comments()] == [stored[0].body], "the client can see it"


def test_tokens_are_checked_when_required(fake: FakeGitHub) -> None:
    fake.require_token("good", login="ci-bot")
    assert Raw(fake.base_url, "good").get(R).status == 200
    assert Raw(fake.base_url, None).get(R, headers={"Authorization": "token good"}).status == 200
    bad = Raw(fake.base_url, "bad").get(R)
    assert (bad.status, bad.json["message"]) == (401, "Bad credentials")
    assert Raw(fake.base_url, None).get(R).json["message"] == "Requires authentication"
    reply = Raw(fake.base_url, "good").post(f"{R}/issues", {"title": "by bot"})
    assert reply.json["user"]["login"] == "ci-bot"


def test_request_log_counts_per_endpoint(fake: FakeGitHub) -> None:
    raw = Raw(fake.ghes_url)
    raw.get(R, query={"a": "1"})
    raw.post(f"{R}/issues", {"title": "t"})
    raw.get(f"{R}/issues")
    log = fake.requests
    assert log.count("GET", R) == 1
    assert log.count("*", f"{R}/issues*") == 2
    first = log.filter("GET", R)[0]
    assert (first.prefix, first.query, first.status) == ("/api/v3", {"a": ["1"]}, 200)
    assert first.headers["authorization"] == "Bearer test-token"
    assert log.filter("POST")[0].json == {"title": "t"}
    assert log.endpoints() == [f"GET {R}", f"POST {R}/issues", f"GET {R}/issues"]


def test_real_clients_see_the_faults(fake: FakeGitHub) -> None:
    fake.faults.secondary_rate_limit("GET", R, retry_after=3)
    fake.faults.status("GET", R, 502)
    with pytest.raises(github.RateLimitExceededException) as limited:
        fake.pygithub().get_repo("acme/widgets")
    assert (limited.value.status, limited.value.headers["retry-after"]) == (403, "3")
    with pytest.raises(APIError) as bad_gateway:
        fake.ghapi("acme", "widgets").repos.get()
    assert bad_gateway.value.status_code == 502
