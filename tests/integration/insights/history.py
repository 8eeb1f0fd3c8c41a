"""A generated Actions history on the fake GitHub: workflow runs with attempts, jobs and steps
with timings, runner labels, JUnit artifacts and failure logs — some flaky by construction
(a matrix leg fails its first attempt and passes the re-run; a test flips), one leg broken, a
nightly job slow, a Windows job waiting long for a runner, spells of red on the default branch.

Every run is also returned as plain data, so tests compute the expected metrics by brute force.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tests.fakes.github_server import FakeGitHub, RepoState

__all__ = ["WORKFLOW_FILES", "GenJob", "GenRun", "commit_chain", "generate"]

CI_YML = """\
name: CI
on:
  push:
    branches: [main]
  pull_request:
jobs:
  lint:
    runs-on: ubuntu-latest
    timeout-minutes: 10
    steps:
      - uses: actions/setup-python@v5
        with:
          cache: pip
      - run: pip install ruff
      - run: ruff check .
  test:
    name: test (${{ matrix.python }})
    runs-on: ubuntu-latest
    strategy:
      matrix:
        python: ["3.9", "3.11", "3.12"]
    steps:
      - run: pip install -r requirements.txt
      - run: pytest --junitxml=junit.xml
  build:
    runs-on: windows-latest
    timeout-minutes: 30
    steps:
      - run: npm ci
      - uses: actions/cache@v4
        with:
          path: ~/.npm
          key: npm
"""
NIGHTLY_YML = """\
name: Nightly
on:
  schedule:
    - cron: "0 2 * * *"
jobs:
  e2e:
    runs-on: ubuntu-latest
    steps:
      - run: ./e2e.sh
"""
WORKFLOW_FILES = {
    ".github/workflows/ci.yml": CI_YML,
    ".github/workflows/nightly.yml": NIGHTLY_YML,
}
TESTS = ("tests/test_core.py::test_a", "tests/test_core.py::test_b", "tests/test_core.py::test_c")
FLIPPING = "tests/test_net.py::test_fetch"
BROKEN = "tests/test_core.py::test_legacy"


@dataclass
class GenJob:
    """A generated job attempt, as the brute force reads it."""

    name: str
    attempt: int
    conclusion: str
    created: datetime
    queued: float
    steps: list[tuple[str, str, float]]
    labels: list[str]

    @property
    def started(self) -> datetime:
        return self.created + timedelta(seconds=self.queued)

    @property
    def seconds(self) -> float:
        return 2 + sum(s for _, _, s in self.steps)  # "Set up job" takes 2 s

    @property
    def completed(self) -> datetime:
        return self.started + timedelta(seconds=self.seconds)


@dataclass
class GenRun:
    """A generated run: its facts and its JUnit outcomes (test id -> outcomes)."""

    id: int
    workflow: str
    branch: str
    event: str
    sha: str
    created: datetime
    conclusion: str
    attempts: int
    jobs: list[GenJob] = field(default_factory=list)
    tests: list[tuple[str, str, float]] = field(default_factory=list)

    def latest(self) -> list[GenJob]:
        newest: dict[str, GenJob] = {}
        for job in self.jobs:
            if job.name not in newest or job.attempt >= newest[job.name].attempt:
                newest[job.name] = job
        return list(newest.values())

    @property
    def seconds(self) -> float:
        latest = self.latest()
        return (max(j.completed for j in latest) - min(j.started for j in latest)).total_seconds()


def commit_chain(repo: RepoState, count: int, branch: str = "main") -> list[str]:
    """``count`` new commits on ``branch`` made by one ``git fast-import`` (fast: one process)."""
    parent = repo.branch_sha(branch)
    lines: list[bytes] = []
    for index in range(count):
        message = f"change {index}\n".encode()
        content = f"{index}\n".encode()
        lines += [
            f"commit refs/heads/{branch}".encode(),
            f"committer Test <test@example.com> {1_700_000_000 + index} +0000".encode(),
            f"data {len(message)}".encode(),
            message,
        ]
        if index == 0 and parent:
            lines.append(f"from {parent}".encode())
        lines += [b"M 100644 inline counter.txt", f"data {len(content)}".encode(), content]
    repo.git.run("fast-import", "--quiet", data=b"\n".join(lines) + b"\n")
    span = f"{parent}..refs/heads/{branch}" if parent else f"refs/heads/{branch}"
    return repo.git.text("rev-list", "--reverse", span).split()


def _junit(cases: list[tuple[str, str, float]]) -> str:
    rows = []
    for test, outcome, seconds in cases:
        path, _, name = test.partition("::")
        classname = path.removesuffix(".py").replace("/", ".")
        inner = (
            '<failure message="assert 1 == 2">assert 1 == 2</failure>' if outcome == "fail" else ""
        )
        attributes = f'classname="{classname}" name="{name}" file="{path}" time="{seconds}"'
        rows.append(f"<testcase {attributes}>{inner}</testcase>")
    body = "".join(rows)
    suite = f'<testsuite name="pytest" tests="{len(cases)}">{body}</testsuite>'
    return f'<?xml version="1.0"?><testsuites>{suite}</testsuites>'


class _Maker:
    def __init__(self, fake: FakeGitHub, repo: RepoState, seed: int) -> None:
        self.fake, self.repo, self.rng = fake, repo, random.Random(seed)

    def job(self, run: Any, gen: GenRun, spec: dict[str, Any], created: datetime) -> None:
        """Add one job attempt to the fake and to ``gen``."""
        self.fake.clock.set(created)
        steps = [
            {
                "name": name,
                "conclusion": conclusion,
                "seconds": seconds,
                "log": spec.get("logs", {}).get(name, ""),
            }
            for name, conclusion, seconds in spec["steps"]
        ]
        self.repo.add_job(
            run,
            spec["name"],
            conclusion=spec["conclusion"],
            steps=steps,
            labels=spec["labels"],
            queued_seconds=spec["queued"],
            attempt=spec["attempt"],
        )
        gen.jobs.append(
            GenJob(
                spec["name"],
                spec["attempt"],
                spec["conclusion"],
                created,
                spec["queued"],
                spec["steps"],
                spec["labels"],
            )
        )

    def junit(
        self, run: Any, gen: GenRun, name: str, cases: list[tuple[str, str, float]], when: datetime
    ) -> None:
        self.fake.clock.set(when)
        self.repo.add_artifact(name, run=run, files={"junit.xml": _junit(cases)})
        gen.tests += cases


def _test_job(rng: random.Random, python: str, attempt: int, fail: str | None) -> dict[str, Any]:
    install = float(rng.randint(20, 40))
    tests = float(rng.randint(60, 120))
    logs = {}
    if fail:
        summary = "===== 1 failed, 3 passed in 1.00s ====="
        logs["pytest"] = f"FAILED {fail} - AssertionError: assert 1 == 2\n{summary}"
    return {
        "name": f"test ({python})",
        "attempt": attempt,
        "conclusion": "failure" if fail else "success",
        "labels": ["ubuntu-latest"],
        "queued": float(rng.randint(2, 30)),
        "steps": [
            ("Install", "success", install),
            ("pytest", "failure" if fail else "success", tests),
        ],
        "logs": logs,
    }


def _specs(
    rng: random.Random, index: int, *, nightly: bool, push: bool, event: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The jobs of run ``index`` (first attempt) and the re-run attempt's jobs."""
    specs: list[dict[str, Any]] = []
    reruns: list[dict[str, Any]] = []
    if nightly:
        red = index % 50 in (10, 20)  # two red nights in a row now and then
        slow = index % 30 == 0
        seconds = float(rng.randint(17_400, 19_000)) if slow else float(rng.randint(3_000, 3_600))
        specs.append(
            {
                "name": "e2e",
                "attempt": 1,
                "conclusion": "failure" if red else "success",
                "labels": ["ubuntu-latest"],
                "queued": float(rng.randint(2, 20)),
                "steps": [("Run e2e", "failure" if red else "success", seconds)],
                "logs": {"Run e2e": "Error: connect ECONNREFUSED 127.0.0.1:5432"} if red else {},
            }
        )
    else:
        lint_red = push and index % 37 == 0
        specs.append(
            {
                "name": "lint",
                "attempt": 1,
                "conclusion": "failure" if lint_red else "success",
                "labels": ["ubuntu-latest"],
                "queued": float(rng.randint(2, 20)),
                "steps": [
                    ("Install", "success", float(rng.randint(5, 10))),
                    ("Ruff", "failure" if lint_red else "success", float(rng.randint(5, 15))),
                ],
                "logs": {"Ruff": "app.py:1:1: F401 [*] `os` imported but unused\nFound 1 error."}
                if lint_red
                else {},
            }
        )
        flaky = rng.random() < 0.15
        for python in ("3.11", "3.12"):
            fail = FLIPPING if python == "3.12" and flaky else None
            specs.append(_test_job(rng, python, 1, fail))
            if fail:
                reruns.append(_test_job(rng, python, 2, None))
        if event == "pull_request":
            specs.append(_test_job(rng, "3.9", 1, BROKEN))
        specs.append(
            {
                "name": "build",
                "attempt": 1,
                "conclusion": "success",
                "labels": ["windows-latest"],
                "queued": float(rng.randint(400, 900)),
                "steps": [("npm ci", "success", float(rng.randint(30, 60)))],
            }
        )
    return specs, reruns


def generate(
    fake: FakeGitHub,
    repo: RepoState,
    *,
    count: int,
    start: datetime,
    end: datetime,
    seed: int = 7,
    first_index: int = 0,
    shas: list[str] | None = None,
) -> list[GenRun]:
    """``count`` completed runs created between ``start`` and ``end``, oldest first."""
    maker = _Maker(fake, repo, seed)
    rng = maker.rng
    shas = shas or commit_chain(repo, count)
    step = (end - start) / max(count, 1)
    made = []
    for offset in range(count):
        index = first_index + offset
        created = start + step * offset + timedelta(seconds=float(rng.randint(0, 60)))
        sha = shas[offset % len(shas)]
        nightly = index % 10 == 0
        push = not nightly and index % 3 == 0
        branch = "main" if nightly or push else f"feature-{index % 7}"
        event = "schedule" if nightly else "push" if push else "pull_request"
        workflow = "Nightly" if nightly else "CI"
        fake.clock.set(created)
        run = repo.add_workflow_run(
            name=workflow,
            head_sha=sha,
            head_branch=branch,
            event=event,
            path=".github/workflows/nightly.yml" if nightly else ".github/workflows/ci.yml",
        )
        gen = GenRun(run.id, workflow, branch, event, sha, run.created_at, "success", 1)
        specs, reruns = _specs(rng, index, nightly=nightly, push=push, event=event)
        for spec in specs:
            maker.job(run, gen, spec, gen.created)
        later = gen.created + timedelta(minutes=30)
        if reruns:
            run.run_attempt = 2
            gen.attempts = 2
            for spec in reruns:
                maker.job(run, gen, spec, later)
        latest = gen.latest()
        gen.conclusion = "success" if all(j.conclusion == "success" for j in latest) else "failure"
        run.conclusion = gen.conclusion
        run.updated_at = max(j.completed for j in latest)
        # JUnit reports: one per test job attempt, uploaded when the job ends.
        for job in [j for j in gen.jobs if j.name.startswith("test (")]:
            cases = [(t, "pass", round(rng.uniform(0.01, 0.5), 3)) for t in TESTS]
            if job.name == "test (3.12)":
                cases.append((FLIPPING, "fail" if job.conclusion == "failure" else "pass", 2.5))
            if job.name == "test (3.9)":
                cases.append((BROKEN, "fail", 0.2))
            suffix = job.name[6:-1] + f"-attempt{job.attempt}"
            maker.junit(run, gen, f"junit-{suffix}", cases, job.completed)
        made.append(gen)
    return made
