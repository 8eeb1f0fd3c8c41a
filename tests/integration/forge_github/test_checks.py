"""Check runs (annotations in batches of 50, output limits) and commit statuses."""

from __future__ import annotations

from ci_agent.forge.github_checks import MAX_OUTPUT_CHARS, fit
from ci_agent.forge.run_types import Annotation, CheckOutput, CommitStatus

from .conftest import Rig

CHECK_RUN = "/repos/acme/widgets/check-runs/*"


def notes(count: int) -> tuple[Annotation, ...]:
    return tuple(
        Annotation("app.py", n + 1, n + 1, "warning", f"problem {n}") for n in range(count)
    )


def test_start_and_complete_with_120_annotations_in_three_updates(rig: Rig) -> None:
    forge = rig.forge
    run = forge.start_check_run("ci-agent", rig.world.head_sha, external_id="review-1")
    assert (run.status, run.external_id) == ("in_progress", "review-1")
    output = CheckOutput("3 findings", "See below", "details", notes(120))
    done = forge.complete_check_run(run.id, "failure", output)
    assert (done.status, done.conclusion) == ("completed", "failure")
    stored = rig.world.repo.check_runs[run.id]
    assert [a["message"] for a in stored.annotations] == [f"problem {n}" for n in range(120)]
    patches = rig.fake.requests.filter("PATCH", CHECK_RUN)
    assert [len(p.json["output"]["annotations"]) for p in patches] == [50, 50, 20]
    assert [p.json.get("conclusion") for p in patches] == [None, None, "failure"]
    assert rig.calls()["PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}"] == 3


def test_annotation_title_and_details_are_sent(rig: Rig) -> None:
    run = rig.forge.start_check_run("ci-agent", rig.world.head_sha)
    note = Annotation("app.py", 3, 4, "failure", "boom", title="E1", raw_details="trace")
    rig.forge.complete_check_run(run.id, "failure", CheckOutput("t", "s", "", (note,)))
    [stored] = rig.world.repo.check_runs[run.id].annotations
    assert (stored["title"], stored["raw_details"], stored["end_line"]) == ("E1", "trace", 4)


def test_no_annotations_is_one_update(rig: Rig) -> None:
    run = rig.forge.start_check_run("ci-agent", rig.world.head_sha)
    assert run.external_id.startswith("ci-agent-"), "an id to recognise a lost answer by"
    rig.forge.complete_check_run(run.id, "success", CheckOutput("ok", "nothing found"))
    assert rig.fake.requests.count("PATCH", CHECK_RUN) == 1
    assert rig.world.repo.check_runs[run.id].conclusion == "success"


def test_summary_and_text_are_cut_to_65535_characters_with_a_note(rig: Rig) -> None:
    run = rig.forge.start_check_run("ci-agent", rig.world.head_sha)
    long = "x" * 70_000
    rig.forge.complete_check_run(run.id, "neutral", CheckOutput("big", long, long))
    stored = rig.world.repo.check_runs[run.id]
    for text in (stored.summary, stored.text):
        assert len(text) == MAX_OUTPUT_CHARS
        assert text.endswith("characters cut)")
    assert fit("short") == "short"
    cut = fit("y" * 100, 60)
    assert len(cut) == 60 and cut.endswith(f"truncated: {100 - cut.count('y')} characters cut)")


def test_a_batch_that_landed_despite_a_502_is_not_appended_twice(rig: Rig) -> None:
    run = rig.forge.start_check_run("ci-agent", rig.world.head_sha)
    rig.fake.faults.apply_then_fail("PATCH", CHECK_RUN)
    rig.forge.complete_check_run(run.id, "failure", CheckOutput("t", "s", "", notes(60)))
    stored = rig.world.repo.check_runs[run.id]
    assert len(stored.annotations) == 60
    assert stored.conclusion == "failure"
    patches = [r.status for r in rig.fake.requests.filter("PATCH", CHECK_RUN)]
    assert patches == [502, 200], "the first batch was found, not re-sent"


def test_a_batch_lost_to_a_reset_is_re_sent(rig: Rig) -> None:
    run = rig.forge.start_check_run("ci-agent", rig.world.head_sha)
    rig.fake.faults.reset("PATCH", CHECK_RUN)
    rig.forge.complete_check_run(run.id, "failure", CheckOutput("t", "s", "", notes(60)))
    assert len(rig.world.repo.check_runs[run.id].annotations) == 60
    assert [r.status for r in rig.fake.requests.filter("PATCH", CHECK_RUN)] == [None, 200, 200]


def test_a_check_run_that_landed_despite_a_502_is_created_once(rig: Rig) -> None:
    rig.fake.faults.apply_then_fail("POST", "/repos/*/check-runs")
    run = rig.forge.start_check_run("ci-agent", rig.world.head_sha, external_id="x-1")
    ours = [r for r in rig.world.repo.check_runs.values() if r.external_id == "x-1"]
    assert [r.id for r in ours] == [run.id]


def test_list_check_runs_by_name(rig: Rig) -> None:
    ours = rig.forge.start_check_run("ci-agent", rig.world.head_sha)
    names = {r.name for r in rig.forge.check_runs(rig.world.head_sha)}
    assert {"ci-agent", "lint", "test"} <= names  # Actions jobs are check runs too
    assert [r.id for r in rig.forge.check_runs(rig.world.head_sha, "ci-agent")] == [ours.id]
    query = rig.fake.requests.filter("GET", "/repos/*/commits/*/check-runs")[-1].query
    assert query == {"check_name": ["ci-agent"], "per_page": ["100"]}


def test_commit_status(rig: Rig) -> None:
    status = CommitStatus("failure", "ci-agent/review", "d" * 200, "https://example.test/run")
    rig.forge.set_status(rig.world.head_sha, status)
    rig.fake.faults.status("POST", "/repos/*/statuses/*", 502)
    rig.forge.set_status(rig.world.head_sha, CommitStatus("success", "ci-agent/review"))
    stored = [s for s in rig.world.repo.statuses if s.context == "ci-agent/review"]
    assert [s.state for s in stored] == ["failure", "success"]
    assert len(stored[0].description) == 140
