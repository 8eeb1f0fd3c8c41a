"""The LLM engine with a scripted model: request sizing, splitting, failures kept to their files."""

from __future__ import annotations

import json
from collections.abc import Iterator

from ci_agent.config_model import ReviewConfig, Severity
from ci_agent.diff import parse_file_patch
from ci_agent.errors import fail
from ci_agent.forge.types import ChangedFile, Commit, FileStatus, PullRequestInfo
from ci_agent.llm.provider import ChatResponse, Usage
from ci_agent.llm.scripted import ScriptedProvider, scripted_profile
from ci_agent.render import TemplateRenderer
from ci_agent.review.engine import ReviewFile
from ci_agent.review.llm_engine import INPUT_PER_OUTPUT, LLMEngine
from ci_agent.review.pipeline import run_review

EMPTY = json.dumps({"findings": [], "files": [], "risk": "low"})
PR = PullRequestInfo(
    number=1,
    title="Change",
    body="",
    author="a",
    author_association="NONE",
    draft=False,
    state="open",
    base_ref="main",
    base_sha="0" * 40,
    head_ref="f",
    head_sha="1" * 40,
    head_repo="o/r",
    is_fork=False,
)


def files(count: int, lines: int = 20) -> list[ReviewFile]:
    made = []
    for i in range(count):
        rows = [f"value_{i}_{n} = compute({i}, {n})" for n in range(lines)]
        patch = f"@@ -0,0 +1,{lines} @@\n" + "".join(f"+{r}\n" for r in rows)
        made.append(ReviewFile(f"m{i}.py", parse_file_patch(f"m{i}.py", patch), "\n".join(rows)))
    return made


def engine(provider: ScriptedProvider, *, explicit_cap: bool = False) -> LLMEngine:
    return LLMEngine(provider, TemplateRenderer(), PR, max_concurrency=2, explicit_cap=explicit_cap)


def test_requests_stay_small_enough_for_their_answer_to_fit() -> None:
    roomy = scripted_profile(input_cap=1_000_000, max_output_tokens=4096)
    sized = engine(ScriptedProvider(profile=roomy)).section_budget()
    assert sized <= INPUT_PER_OUTPUT * 4096
    # A cap the user set is theirs to choose.
    chosen = engine(ScriptedProvider(profile=roomy), explicit_cap=True).section_budget()
    assert chosen > 500_000


def test_a_cut_answer_is_split_and_asked_again() -> None:
    cut = ChatResponse('{"findings": [', "length", Usage(10, 10), "m")
    provider = ScriptedProvider([cut], default=EMPTY)
    result = engine(provider).review(files(4))
    assert not result.skipped
    assert len(provider.requests) == 3  # one cut, then its two halves
    shown = [r.messages[-1].content.count('<file path="') for r in provider.requests]
    assert shown == [4, 2, 2]


def test_an_unreachable_endpoint_stops_further_requests() -> None:
    down = fail("CA401", url="http://127.0.0.1:9/v1", problem="connection refused")
    profile = scripted_profile(input_cap=2500)
    provider = ScriptedProvider([down], default=EMPTY, profile=profile)
    eng = LLMEngine(provider, TemplateRenderer(), PR, max_concurrency=1)
    result = eng.review(files(12))
    assert len(provider.requests) == 1
    assert set(result.skipped) == set(result.failed) == {f.path for f in files(12)}
    assert all("connection refused" in why for why in result.skipped.values())


def test_the_prompt_says_whether_other_requests_cover_other_files() -> None:
    one = ScriptedProvider(default=EMPTY)
    engine(one).review(files(2))
    (request,) = one.requests
    assert "of several" not in request.messages[-1].content
    many = ScriptedProvider(default=EMPTY, profile=scripted_profile(input_cap=2500))
    LLMEngine(many, TemplateRenderer(), PR, max_concurrency=1).review(files(12))
    prompts = [r.messages[-1].content for r in many.requests]
    assert len(prompts) > 2
    assert all(f"(request {i} of several;" in p for i, p in enumerate(prompts, 1))


def test_a_planned_request_never_counts_fewer_tokens_than_the_guard_would() -> None:
    """The guard trusts the planner's count: it must not be below estimate_request's."""
    from ci_agent.llm.guard import estimate_request

    odd = files(3)
    weird = 'dir/a"b<c>&\nd.py'
    odd.append(ReviewFile(weird, parse_file_patch(weird, "@@ -0,0 +1 @@\n+x = 1"), "x = 1\n"))
    provider = ScriptedProvider(default=EMPTY, profile=scripted_profile(input_cap=2200))
    LLMEngine(provider, TemplateRenderer(), PR, max_concurrency=1).review(odd * 3)
    assert len(provider.requests) > 2
    for request in provider.requests:
        assert request.input_estimate is not None
        assert request.input_estimate >= estimate_request(request.messages, request.response_format)
        assert request.input_estimate <= 2200


class _Source:
    """A change source with one file whose patch the parser refuses and one good file."""

    def pull_request(self, number: int) -> PullRequestInfo:
        return PR

    def changed_files(self, number: int) -> Iterator[ChangedFile]:
        yield ChangedFile("bad.py", FileStatus.MODIFIED, 3, 0, "@@ -1 +1 @@\n+a\n+b\n+c")
        yield ChangedFile("good.py", FileStatus.ADDED, 1, 0, "@@ -0,0 +1 @@\n+x = 1")

    def diff(self, number: int) -> str:
        return ""

    def commits(self, number: int) -> Iterator[Commit]:
        return iter(())

    def file_contents(self, path: str, ref: str) -> bytes:
        return b"x = 1\n"


def test_a_patch_the_parser_refuses_is_one_file_not_reviewed() -> None:
    provider = ScriptedProvider(default=EMPTY)
    report = run_review(_Source(), 1, ReviewConfig(), Severity.NONE, [engine(provider)])
    files = {f.path: f for f in report.files}
    assert not files["bad.py"].reviewed
    assert "its diff could not be read" in files["bad.py"].reason
    assert files["good.py"].reviewed
