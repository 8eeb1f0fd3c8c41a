"""``Link`` pagination (per_page default 30, max 100) with absolute URLs that keep the prefix,
``since`` filters driven by the fake's clock, and both real clients walking three pages."""

from __future__ import annotations

import re

import pytest
from ghapi.page import sync_paged

from tests.fakes.github_server import FakeGitHub

from .rawhttp import Raw

R = "/repos/acme/widgets"


def _links(header: str) -> dict[str, str]:
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', header)}


@pytest.fixture
def fake(fake_github: FakeGitHub) -> FakeGitHub:
    repo = fake_github.create_repo("acme/widgets", files={"README.md": "# w\n"})
    fake_github.clock.set("2026-01-01T00:00:00Z")
    repo.add_issues(75, step=60)  # one a minute
    return fake_github


@pytest.mark.parametrize("ghes", [False, True], ids=["root", "ghes"])
def test_three_pages_with_link_headers(fake: FakeGitHub, ghes: bool) -> None:
    base = fake.ghes_url if ghes else fake.base_url
    raw = Raw(base)
    first = raw.get(f"{R}/issues", query={"per_page": 30})
    assert len(first.json) == 30
    links = _links(first.headers["link"])
    assert list(links) == ["next", "last"]
    assert links["next"] == f"{base}{R}/issues?per_page=30&page=2"
    assert links["last"] == f"{base}{R}/issues?per_page=30&page=3"
    second = raw.get(links["next"])
    assert list(_links(second.headers["link"])) == ["prev", "next", "last", "first"]
    third = raw.get(_links(second.headers["link"])["next"])
    assert len(third.json) == 15
    assert list(_links(third.headers["link"])) == ["prev", "first"]
    numbers = [i["number"] for r in (first, second, third) for i in r.json]
    assert numbers == list(range(75, 0, -1)), "newest first by default"


def test_per_page_is_capped_at_100_and_one_page_has_no_link(fake: FakeGitHub) -> None:
    raw = Raw(fake.base_url)
    everything = raw.get(f"{R}/issues", query={"per_page": 500})
    assert len(everything.json) == 75
    assert "link" not in everything.headers
    assert len(raw.get(f"{R}/issues").json) == 30, "default per_page"
    beyond = raw.get(f"{R}/issues", query={"page": 9})
    assert beyond.json == []


def test_since_sort_and_direction(fake: FakeGitHub) -> None:
    raw = Raw(fake.base_url)
    since = raw.get(f"{R}/issues", query={"since": "2026-01-01T01:00:00Z", "per_page": 100})
    assert [i["number"] for i in since.json] == list(range(75, 60, -1))
    oldest = raw.get(f"{R}/issues", query={"sort": "created", "direction": "asc"}).json[0]
    assert oldest["number"] == 1
    assert oldest["created_at"] == "2026-01-01T00:00:00Z"
    bad = raw.get(f"{R}/issues", query={"since": "yesterday"})
    assert bad.status == 422


def test_comment_since_filters(fake: FakeGitHub) -> None:
    repo = fake.repo("acme/widgets")
    repo.add_issue_comments(1, [f"c{n}" for n in range(5)], step=60)
    raw = Raw(fake.base_url)
    cut = "2026-01-01T01:17:00Z"
    assert [c["body"] for c in raw.get(f"{R}/issues/1/comments", query={"since": cut}).json] == [
        "c2",
        "c3",
        "c4",
    ]
    repo_wide = raw.get(
        f"{R}/issues/comments", query={"since": cut, "sort": "created", "direction": "desc"}
    ).json
    assert [c["body"] for c in repo_wide] == ["c4", "c3", "c2"]
    fake.clock.advance(3600)
    edited = raw.patch(f"{R}/issues/comments/{repo_wide[-1]['id']}", {"body": "c2 edited"})
    later = raw.get(f"{R}/issues/comments", query={"since": edited.json["updated_at"]}).json
    assert [c["body"] for c in later] == ["c2 edited"], "since follows updated_at"


def test_pygithub_follows_link_headers_under_api_v3(fake: FakeGitHub) -> None:
    gh = fake.pygithub(ghes=True)
    gh.per_page = 30
    issues = list(gh.get_repo("acme/widgets").get_issues(state="all"))
    assert len(issues) == 75
    pages = fake.requests.filter("GET", f"{R}/issues")
    assert len(pages) == 3
    assert all(p.prefix == "/api/v3" for p in pages)
    assert [p.query.get("page") for p in pages] == [None, ["2"], ["3"]]


def test_ghapi_pages(fake: FakeGitHub) -> None:
    api = fake.ghapi("acme", "widgets")
    pages = list(sync_paged(api.issues.list_for_repo, state="all", per_page=30))
    assert [len(p) for p in pages] == [30, 30, 15]
    assert api.last_page() == 0, "the last page has no rel=last"
    api.issues.list_for_repo(per_page=30)
    assert api.last_page() == 3


def test_pull_request_files_over_three_pages(fake: FakeGitHub) -> None:
    repo = fake.repo("acme/widgets")
    repo.commit("many", {f"pkg/mod_{n:03}.py": f"X = {n}\n" for n in range(65)}, "Many files")
    number = repo.open_pull("many", title="Many").number
    pr = fake.pygithub().get_repo("acme/widgets").get_pull(number)
    assert pr.changed_files == 65
    names = [f.filename for f in pr.get_files()]
    assert names == sorted(names) and len(names) == 65
    assert fake.requests.count("GET", f"{R}/pulls/{number}/files") == 3
