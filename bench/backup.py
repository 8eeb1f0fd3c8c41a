"""Backup benchmarks on a generated repository of about 200 MB with tens of thousands of objects.

Run: .venv/bin/python bench/backup.py [--commits 3000] [--random-mb 190] [--runs 3]

Measured in the same run, median of --runs interleaved runs:

1. create ÷ (``git bundle create --all`` + ``tar | gzip -6 | sha256sum``), goal ≤ 1.25;
2. verify ÷ (``sha256sum`` + ``gzip -t`` + ``git clone --mirror`` of the bundle +
   ``git fsck --full --strict``), goal ≤ 1.25;
3. GitHub API requests of a full backup for N issues + pull requests, against the fake GitHub
   on 127.0.0.1 (⌈N/100⌉ per listing + a constant + one reviews request per pull request);
4. requests of an incremental backup when nothing changed (goal ≤ 10), with the previous
   backup read from a directory and from the Actions artifacts.

The repository is built with ``git fast-import`` (text files rewritten commit after commit,
plus incompressible blobs, branches and tags) and repacked, as a clone would be.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ci_agent.backup.create import Request, build, plan  # noqa: E402
from ci_agent.backup.extract import check_archive  # noqa: E402
from ci_agent.backup.stores import DirectoryStore  # noqa: E402
from ci_agent.backup.verify import verify_chain  # noqa: E402
from ci_agent.metrics import Metrics  # noqa: E402

WORDS = [f"{a}{b}{c}" for a in "bcdfgklmnprst" for b in "aeiou" for c in "nrstlx"]


def git(repo: Path, *args: str, data: bytes | None = None) -> bytes:
    return subprocess.run(
        ["git", "-c", "user.name=b", "-c", "user.email=b@example.com", *args],
        cwd=repo,
        input=data,
        check=True,
        capture_output=True,
    ).stdout


def _line(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14))) + "\n"


def make_repo(root: Path, commits: int, random_mb: int, seed: int = 7) -> Path:
    """A repository written by ``git fast-import``, then repacked like a fresh clone."""
    rng = random.Random(seed)
    repo = root / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    files = {f"src/m{i % 30}/file{i}.txt": [_line(rng) for _ in range(90)] for i in range(300)}
    blobs = max(1, random_mb // 2)
    every = max(1, commits // blobs)
    stream = bytearray()
    when = 1_700_000_000
    for n in range(1, commits + 1):
        when += 600
        message = f"change {n}\n".encode()
        stream += b"commit refs/heads/main\nmark :%d\n" % n
        stream += b"committer B <b@example.com> %d +0000\n" % when
        stream += b"data %d\n%s" % (len(message), message)
        if n == 1:
            stream += b"deleteall\n"
        for path in rng.sample(sorted(files), 6 if n > 1 else len(files)):
            lines = files[path]
            for _ in range(9):
                lines[rng.randrange(len(lines))] = _line(rng)
            body = "".join(lines).encode()
            stream += b"M 100644 inline %s\ndata %d\n%s\n" % (path.encode(), len(body), body)
        if n % every == 0 and n // every <= blobs:
            body = rng.randbytes(2 << 20)
            stream += b"M 100644 inline assets/blob%d.bin\ndata %d\n%s\n" % (n, len(body), body)
        if n % 500 == 0:
            stream += b"reset refs/heads/release-%d\nfrom :%d\n\n" % (n, n)
            tag = f"release {n}\n".encode()
            stream += b"tag v%d\nfrom :%d\ntagger B <b@example.com> %d +0000\n" % (n, n, when)
            stream += b"data %d\n%s" % (len(tag), tag)
            stream += b"reset refs/tags/light-%d\nfrom :%d\n\n" % (n, n)
    git(repo, "fast-import", "--quiet", data=bytes(stream))
    git(repo, "reset", "-q", "--hard", "main")
    git(repo, "repack", "-a", "-d", "-f", "-q", "--window=10", "--depth=50")
    git(repo, "prune-packed")
    return repo


def _shell(script: str, cwd: Path) -> None:
    subprocess.run(["bash", "-c", f"set -euo pipefail; {script}"], cwd=cwd, check=True)


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def bench_files(repo: Path, work: Path, runs: int) -> None:
    ours_create, base_create, ours_verify, base_verify = [], [], [], []
    archive = Path()
    for run in range(runs):
        out = work / f"out{run}"
        base = work / f"base{run}"
        base.mkdir()
        request = Request(repo, out, "manual", "full", datetime(2026, 1, 1, tzinfo=UTC))

        def create(request: Request = request, out: Path = out) -> None:
            nonlocal archive
            archive = build(plan(request, [DirectoryStore(out)], False), None, Metrics()).path

        ours_create.append(timed(create))
        base_create.append(
            timed(
                lambda base=base: (
                    git(repo, "bundle", "create", "-q", str(base / "b.bundle"), "--all"),
                    _shell("tar -cf - b.bundle | gzip -6 | sha256sum > sum.txt", base),
                )
            )
        )
        _shell("tar -cf - b.bundle | gzip -6 > b.tar.gz", base)
        scratch = work / f"verify{run}"
        scratch.mkdir()

        def verify(scratch: Path = scratch) -> None:
            expected = archive.with_name(archive.name + ".sha256").read_text().split()[0]
            top = check_archive(archive, scratch, expected)
            report = verify_chain(top, scratch, lambda link: None)
            if not (report.ok and report.git_checked):
                raise SystemExit(f"verification failed: {report.problems}")

        ours_verify.append(timed(verify))
        base_verify.append(
            timed(
                lambda base=base: _shell(
                    "sha256sum b.tar.gz > /dev/null && gzip -t b.tar.gz && "
                    "git clone -q --mirror b.bundle clone.git && "
                    "git -C clone.git fsck --full --strict --no-dangling --no-progress",
                    base,
                )
            )
        )
        same = archive.read_bytes() == (work / "out0" / archive.name).read_bytes()
        print(
            f"run {run + 1}: archive {archive.stat().st_size / 2**20:.1f} MiB, same bytes: {same}"
        )
        shutil.rmtree(scratch)
        shutil.rmtree(base)
        if run:
            shutil.rmtree(out)
    for label, ours, base in (
        ("create", ours_create, base_create),
        ("verify", ours_verify, base_verify),
    ):
        o, b = statistics.median(ours), statistics.median(base)
        print(f"{label}: ci-agent {o:.2f} s, baseline {b:.2f} s, ratio {o / b:.2f} (goal <= 1.25)")


def _api_backup(
    fake: object, clone: Path, out: Path, stamp: str, stores: str
) -> tuple[int, dict[str, int], Path]:
    """One backup through the GitHub forge on the fake: (requests, per endpoint, archive)."""
    from ci_agent.backup.artifacts import ArtifactsStore
    from ci_agent.config import Secret
    from ci_agent.forge.github import GitHubForge
    from ci_agent.forge.github_http import GitHubHttp
    from ci_agent.forge.types import RepoName
    from ci_agent.retry import RetryConfig, RetryPolicy

    metrics = Metrics()
    http = GitHubHttp(
        fake.base_url,  # type: ignore[attr-defined]
        Secret("bench-token"),
        RepoName("acme", "widgets"),
        retry=RetryPolicy(RetryConfig()),
        metrics=metrics,
    )
    forge = GitHubForge(http)
    try:
        chosen = [ArtifactsStore(forge, "acme/widgets")] if stores == "artifacts" else []
        chosen += [DirectoryStore(out)] if stores == "dir" else []
        when = datetime.fromisoformat(stamp)
        request = Request(clone, out, "daily", "auto", when, repository="acme/widgets")
        created = build(plan(request, chosen, True), forge, metrics)
    finally:
        forge.close()
    calls = metrics.to_dict()["api_calls"]
    return calls["total"], calls["by_endpoint"], created.path


def bench_requests(sizes: list[int], work: Path) -> None:
    """API requests for N issues + PRs, and for an incremental backup with nothing changed."""
    from tests.fakes.github_server import FakeGitHub

    for n in sizes:
        fake = FakeGitHub(work / f"fake{n}")
        try:
            repo = fake.create_repo("acme/widgets", files={"README.md": "# w\n"})
            pulls = max(1, n // 10)
            for i in range(pulls):
                repo.commit(f"topic-{i}", {f"f{i}.txt": "x\n"}, f"topic {i}")
                repo.open_pull(f"topic-{i}", title=f"PR {i}")
            repo.add_issues(n - pulls)
            for i in range(n):
                repo.add_issue_comment(1 + i % n, f"comment {i}")
            fake.clock.advance(60)
            repo.add_issue_comment(1, "the newest")  # one record alone at the watermark
            clone = work / f"clone{n}"
            git(work, "clone", "-q", str(repo.git.path), str(clone))
            out = work / f"api{n}"
            full, by_endpoint, archive = _api_backup(
                fake, clone, out, "2030-01-01T00:00:00+00:00", "dir"
            )
            same_dir, _, _ = _api_backup(fake, clone, out, "2030-01-02T00:00:00+00:00", "dir")
            repo.add_artifact(archive.name, data=archive.read_bytes())
            fresh = work / f"api{n}-runner"
            same_art, by_art, _ = _api_backup(
                fake, clone, fresh, "2030-01-02T00:00:00+00:00", "artifacts"
            )
        finally:
            fake.close()
        pages = -(-n // 100) + -(-pulls // 100) + -(-(n + 1) // 100)
        print(
            f"N={n} issues+PRs ({pulls} PRs, {n + 1} comments): full backup {full} API requests "
            f"= {pages} listing pages + 4 small listings + {pulls} reviews"
        )
        print(f"  by endpoint: {by_endpoint}")
        print(
            f"  incremental, nothing changed: {same_dir} requests (previous from a directory), "
            f"{same_art} (previous from the artifacts) - goal <= 10"
        )
        print(f"  by endpoint: {by_art}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=3000)
    parser.add_argument("--random-mb", type=int, default=190)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="*", default=[250, 1000])
    parser.add_argument("--api-only", action="store_true", help="Only the request counts.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ci-agent-bench-") as tmp:
        work = Path(tmp)
        if args.api_only:
            bench_requests(args.sizes, work)
            return
        start = time.perf_counter()
        repo = make_repo(work, args.commits, args.random_mb)
        pack = sum(p.stat().st_size for p in (repo / ".git" / "objects" / "pack").glob("*.pack"))
        objects = git(repo, "count-objects", "-v").decode()
        count = next(x for x in objects.splitlines() if x.startswith("in-pack"))
        print(
            f"repository: {pack / 2**20:.0f} MiB packed, {count.split()[1]} objects, "
            f"{len(git(repo, 'for-each-ref').splitlines())} refs, "
            f"generated in {time.perf_counter() - start:.0f} s"
        )
        bench_files(repo, work, args.runs)
        bench_requests(args.sizes, work)


if __name__ == "__main__":
    main()
