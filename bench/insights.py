"""CI insights benchmark: requests and time for 30 days of N workflow runs, full and
incremental, against the fake GitHub on 127.0.0.1 (real ghapi/PyGithub clients, real HTTP).

Run: .venv/bin/python bench/insights.py [--runs 3000] [--new 100]

The history is the integration tests' generator (tests/integration/insights/history.py):
CI runs with 4-5 jobs (a flaky matrix leg re-run, a broken one on pull requests, a Windows
job waiting for a runner), a nightly job, JUnit artifacts per test job attempt, failure logs.

Measured in the same run:

1. the full read (no saved state) of N runs: requests by endpoint, seconds;
2. the baseline: the same listing and one jobs request per run with the same client and
   nothing computed (the floor of any full read): insights ÷ baseline, requests and time;
3. an incremental run after ``--new`` more runs: requests and seconds, ÷ the full read;
4. an incremental run with nothing new.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ci_agent.config_insights import InsightsConfig  # noqa: E402
from ci_agent.json_form import to_json  # noqa: E402
from ci_agent.metrics import Metrics  # noqa: E402

REPO = "acme/shop"


def _forge(fake: Any, metrics: Metrics) -> Any:
    from ci_agent.config import Secret
    from ci_agent.forge.github import GitHubForge
    from ci_agent.forge.github_http import GitHubHttp
    from ci_agent.forge.types import RepoName
    from ci_agent.retry import RetryConfig, RetryPolicy

    http = GitHubHttp(
        fake.base_url,
        Secret("bench-token"),
        RepoName.parse(REPO),
        retry=RetryPolicy(RetryConfig()),
        metrics=metrics,
    )
    return GitHubForge(http)


def _insights(
    fake: Any, now: datetime, runner_temp: Path, **extra: Any
) -> tuple[float, dict[str, Any], dict[str, Any]]:
    """One insights run: (seconds, API calls, the report)."""
    from ci_agent.insights.run import InsightsRequest, run_insights

    metrics = Metrics()
    forge = _forge(fake, metrics)
    started = time.perf_counter()
    try:
        outcome = run_insights(
            forge,
            InsightsConfig(max_runs=20_000, max_junit_downloads=20_000),
            InsightsRequest(repository=REPO, days=30, now=now, **extra),
            environ={"RUNNER_TEMP": str(runner_temp)},
            requests=lambda: metrics.snapshot().api_calls.total,
        )
    finally:
        forge.close()
    elapsed = time.perf_counter() - started
    _upload_state(fake, runner_temp)
    if outcome.errors:
        raise SystemExit("; ".join(e.message for e in outcome.errors))
    return elapsed, to_json(metrics.snapshot().api_calls), outcome.result


def _upload_state(fake: Any, runner_temp: Path) -> None:
    """What the workflow's last step does: upload the state file when it outgrew the issue."""
    import io
    import zipfile

    saved = runner_temp / "ci-agent-insights-state.json"
    if not saved.exists():
        return
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(saved.name, saved.read_bytes())
    fake.repo(REPO).add_artifact("ci-agent-insights-state", data=buffer.getvalue())
    print(f"state artifact: {saved.stat().st_size:,} bytes of JSON")
    saved.unlink()


def _state_size(fake: Any) -> str:
    body = next(i.body for i in fake.repo(REPO).issues.values() if "insights:dashboard" in i.body)
    start = body.find("<!-- ci-agent-insights-state")
    return f"issue body {len(body):,} chars, state comment {len(body) - start:,} chars"


def _baseline(fake: Any, since: datetime) -> tuple[float, int]:
    """The listing and every run's jobs with the same client, nothing computed."""
    metrics = Metrics()
    forge = _forge(fake, metrics)
    started = time.perf_counter()
    try:
        for run in forge.workflow_runs():
            if run.created_at is not None and run.created_at < since:
                break
            for _job in forge.attempt_jobs(run.id):
                pass
    finally:
        forge.close()
    return time.perf_counter() - started, metrics.snapshot().api_calls.total


def _show(label: str, seconds: float, calls: dict[str, Any]) -> None:
    print(f"{label}: {seconds:.1f} s, {calls['total']} requests")
    for endpoint, count in calls["by_endpoint"].items():
        print(f"    {count:6d}  {endpoint}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3000)
    parser.add_argument("--new", type=int, default=100)
    args = parser.parse_args()
    from tests.fakes.github_server import FakeGitHub
    from tests.integration.insights.history import WORKFLOW_FILES, commit_chain, generate

    with tempfile.TemporaryDirectory(prefix="bench-insights-") as temp:
        fake = FakeGitHub(Path(temp))
        try:
            fake.state.rate.limit = 10_000_000  # the whole history in one go (see the notes)
            repo = fake.create_repo(REPO, files={"README.md": "# shop\n", **WORKFLOW_FILES})
            now = datetime.now(UTC).replace(microsecond=0)
            shas = commit_chain(repo, 500)
            made = time.perf_counter()
            generate(
                fake,
                repo,
                count=args.runs,
                start=now - timedelta(days=29, hours=20),
                end=now - timedelta(days=1),
                shas=shas,
            )
            fake.clock.unfreeze()
            print(f"generated {args.runs} runs in {time.perf_counter() - made:.0f} s")
            base_s, base_n = _baseline(fake, now - timedelta(days=30))
            temp_dir = Path(temp) / "runner-temp"
            temp_dir.mkdir()
            full_s, full_calls, report = _insights(fake, now, temp_dir)
            print(_state_size(fake))
            _show(f"full, {args.runs} runs", full_s, full_calls)
            print(f"baseline (listing + jobs, nothing computed): {base_s:.1f} s, {base_n} requests")
            ratio = full_calls["total"] / base_n
            print(f"full ÷ baseline: time {full_s / base_s:.2f}, requests {ratio:.2f}")
            print(f"read: {report['reading']}")
            print(f"notes: {report['notes']}")
            later = now + timedelta(hours=23)
            generate(
                fake,
                repo,
                count=args.new,
                start=now - timedelta(hours=20),
                end=later - timedelta(hours=1),
                seed=11,
                first_index=args.runs,
                shas=shas,
            )
            fake.clock.unfreeze()
            inc_s, inc_calls, again = _insights(fake, later, temp_dir)
            print(f"incremental: {again['reading']['incremental']}, notes: {again['notes']}")
            _show(f"incremental, {args.new} new runs", inc_s, inc_calls)
            share = inc_calls["total"] / full_calls["total"]
            print(f"incremental ÷ full: time {inc_s / full_s:.3f}, requests {share:.3f}")
            none_s, none_calls, _ = _insights(fake, later + timedelta(minutes=5), temp_dir)
            _show("incremental, nothing new", none_s, none_calls)
        finally:
            fake.close()


if __name__ == "__main__":
    main()
