"""Backup benchmarks on a real repository with thousands of refs, or a generated one.

Run: .venv/bin/python bench/backup.py --source CLONE [--runs 5]
     .venv/bin/python bench/backup.py [--commits 3000] [--random-mb 190] [--refs 2000]

``--source`` names a local clone of a real repository (``git clone --mirror URL`` keeps every
ref, pull-request refs included); its refs are fetched into a new repository with a work tree.
Without it a repository is generated with ``git fast-import`` (text files rewritten commit
after commit, incompressible blobs) plus ``--refs`` branches and tags spread over the history,
and repacked, as a clone would be.

Measured in the same run, median of --runs interleaved runs:

1. create ÷ (``git bundle create --all`` + ``tar | gzip -6 | sha256sum``), goal ≤ 1.1;
2. verify ÷ (``sha256sum`` + ``tar -xzf`` + ``git clone --mirror`` of the bundle +
   ``git fsck --full --strict``), goal ≤ 1.1;
3. restore ÷ (``sha256sum`` + ``tar -xzf`` + ``git clone`` of the bundle with a checkout +
   ``git fsck --full --strict``), goal ≤ 1.2;
4. GitHub API requests of a full backup for N issues + pull requests, against the fake GitHub
   on 127.0.0.1 (⌈N/100⌉ per listing + a constant + one reviews request per pull request);
5. requests of an incremental backup when nothing changed, with the previous backup read
   from a directory and from the Actions artifacts (whose provenance costs two requests).
"""

from __future__ import annotations

import argparse
import random
import re
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
from ci_agent.backup.restore import restore  # noqa: E402
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


def make_repo(root: Path, commits: int, random_mb: int, refs: int, seed: int = 7) -> Path:
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
    add_refs(repo, refs, rng)
    git(repo, "repack", "-a", "-d", "-f", "-q", "--window=10", "--depth=50")
    git(repo, "pack-refs", "--all")
    git(repo, "prune-packed")
    return repo


def add_refs(repo: Path, count: int, rng: random.Random) -> None:
    """``count`` refs on commits spread over the history: a third branches, a third
    lightweight tags, a third annotated tags (one ``update-ref --stdin`` and one
    ``fast-import`` for the tag objects)."""
    commits = git(repo, "rev-list", "main").decode().split()
    lines, tags = [], bytearray()
    for n in range(count):
        sha = rng.choice(commits)
        if n % 3 == 0:
            lines.append(f"create refs/heads/topic/{n} {sha}\n")
        elif n % 3 == 1:
            lines.append(f"create refs/tags/mark-{n} {sha}\n")
        else:
            text = f"tag {n}\n".encode()
            tags += b"tag annotated-%d\nfrom %s\n" % (n, sha.encode())
            tags += b"tagger B <b@example.com> 1700000000 +0000\ndata %d\n%s" % (len(text), text)
    git(repo, "update-ref", "--stdin", data="".join(lines).encode())
    if tags:
        git(repo, "fast-import", "--quiet", data=bytes(tags))


def copy_repo(root: Path, source: Path) -> Path:
    """A repository with a work tree holding the history and every ref of ``source`` (a real
    clone), rewritten by ``git fast-export --no-data | git fast-import`` so that blobs missing
    from the source (a partial snapshot) become placeholders; everything else is as it was."""
    repo = root / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    objects = source / "objects" if (source / "objects").is_dir() else source / ".git" / "objects"
    (repo / ".git" / "objects" / "info" / "alternates").write_text(f"{objects.absolute()}\n")
    fsck = subprocess.run(
        ["git", "fsck", "--connectivity-only"], cwd=source, capture_output=True, check=False
    )
    missing = re.findall(rb"^missing blob ([0-9a-f]{40})$", fsck.stdout + fsck.stderr, re.M)
    stream = git(source, "fast-export", "--all", "--no-data", "--signed-tags=strip")
    if missing:
        pattern = rb"^(M \d+ )(" + b"|".join(missing) + rb") (.*)$"

        def placeholder(match: re.Match[bytes]) -> bytes:
            body = b"placeholder for the missing blob " + match[2] + b"\n"
            return match[1] + b"inline " + match[3] + b"\ndata %d\n" % len(body) + body

        stream = re.sub(pattern, placeholder, stream, flags=re.M)
    git(repo, "fast-import", "--quiet", data=stream)
    git(repo, "repack", "-a", "-d", "-q")  # copies what the alternate held
    (repo / ".git" / "objects" / "info" / "alternates").unlink()
    head = git(source, "symbolic-ref", "HEAD").decode().strip()
    git(repo, "symbolic-ref", "HEAD", head)
    git(repo, "reset", "-q", "--hard")
    git(repo, "pack-refs", "--all")
    print(f"copied {source.name}: {len(missing)} missing blob(s) replaced by placeholders")
    return repo


def _shell(script: str, cwd: Path) -> None:
    subprocess.run(["bash", "-c", f"set -euo pipefail; {script}"], cwd=cwd, check=True)


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


CHECK = "sha256sum b.tar.gz > /dev/null && tar -xzf b.tar.gz && "
FSCK = " fsck --full --strict --no-dangling --no-progress"


def bench_files(repo: Path, work: Path, runs: int) -> None:
    times: dict[str, list[float]] = {k: [] for k in ("create", "verify", "restore")}
    bases: dict[str, list[float]] = {k: [] for k in ("create", "verify", "restore")}
    archive = Path()
    for run in range(runs):
        out = work / f"out{run}"
        base = work / f"base{run}"
        base.mkdir()
        request = Request(repo, out, "manual", "full", datetime(2026, 1, 1, tzinfo=UTC))

        def create(request: Request = request, out: Path = out) -> None:
            nonlocal archive
            archive = build(plan(request, [DirectoryStore(out)], False), None, Metrics()).path

        times["create"].append(timed(create))
        bases["create"].append(
            timed(
                lambda base=base: (
                    git(repo, "bundle", "create", "-q", str(base / "b.bundle"), "--all"),
                    _shell("tar -cf - b.bundle | gzip -6 | sha256sum > sum.txt", base),
                )
            )
        )
        _shell("tar -cf - b.bundle | gzip -6 > b.tar.gz && rm b.bundle", base)
        expected = archive.with_name(archive.name + ".sha256").read_text().split()[0]

        def verify(scratch: Path = work / f"verify{run}", expected: str = expected) -> None:
            scratch.mkdir()
            top = check_archive(archive, scratch, expected)
            report = verify_chain(top, scratch, lambda link: None)
            if not (report.ok and report.git_checked):
                raise SystemExit(f"verification failed: {report.problems}")
            shutil.rmtree(scratch)

        def restored(
            scratch: Path = work / f"restore{run}",
            target: Path = work / f"target{run}",
            expected: str = expected,
        ) -> None:
            scratch.mkdir()
            top = check_archive(archive, scratch, expected)
            done = restore(top, target, scratch, lambda link: None)
            if not (done.ok and done.report.git_checked):
                raise SystemExit(f"restore failed: {done.report.problems}")
            shutil.rmtree(scratch)

        times["verify"].append(timed(verify))
        bases["verify"].append(
            timed(
                lambda base=base: _shell(
                    CHECK + "git clone -q --mirror b.bundle v.git && git -C v.git" + FSCK, base
                )
            )
        )
        times["restore"].append(timed(restored))
        bases["restore"].append(
            timed(
                lambda base=base: _shell(
                    "rm -f b.bundle && " + CHECK + "git clone -q b.bundle r && git -C r" + FSCK,
                    base,
                )
            )
        )
        same = archive.read_bytes() == (work / "out0" / archive.name).read_bytes()
        print(
            f"run {run + 1}: archive {archive.stat().st_size / 2**20:.1f} MiB, same bytes: {same}"
        )
        shutil.rmtree(base)
        shutil.rmtree(work / f"target{run}")
        if run:
            shutil.rmtree(out)
    goals = {"create": 1.1, "verify": 1.1, "restore": 1.2}
    for label, goal in goals.items():
        ours, base_times = times[label], bases[label]
        ratios = sorted(o / b for o, b in zip(ours, base_times, strict=True))
        o, b = statistics.median(ours), statistics.median(base_times)
        print(
            f"{label}: ci-agent {o:.2f} s, baseline {b:.2f} s, ratio of medians {o / b:.2f} "
            f"(per run {ratios[0]:.2f}-{ratios[-1]:.2f}; goal <= {goal})"
        )


def _api_backup(
    fake: object, clone: Path, out: Path, stamp: str, stores: str
) -> tuple[int, dict[str, int], Path]:
    """One backup through the GitHub forge on the fake: (requests, per endpoint, archive)."""
    from ci_agent.backup.artifacts import ArtifactsStore
    from ci_agent.backup.provenance import DEFAULT_WORKFLOW, BackupOrigin, Provenance
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
        chosen: list[object] = []
        if stores == "artifacts":
            origin = BackupOrigin(forge.repository_facts(), DEFAULT_WORKFLOW)
            chosen.append(ArtifactsStore(forge, Provenance(forge, origin)))
        chosen += [DirectoryStore(out)] if stores == "dir" else []
        when = datetime.fromisoformat(stamp)
        request = Request(clone, out, "daily", "auto", when, repository="acme/widgets")
        created = build(plan(request, chosen, True), forge, metrics)  # type: ignore[arg-type]
    finally:
        forge.close()
    calls = metrics.snapshot().api_calls
    return calls.total, dict(calls.by_endpoint), created.path


def bench_requests(sizes: list[int], work: Path) -> None:
    """API requests for N issues + PRs, and for an incremental backup with nothing changed."""
    from ci_agent.backup.provenance import DEFAULT_WORKFLOW
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
            fake.clock.set("2030-01-01T00:00:00Z")  # the backup workflow's run uploads it
            run = repo.add_workflow_run(path=DEFAULT_WORKFLOW, event="schedule")
            fake.clock.advance(60)
            repo.add_artifact(archive.name, run=run, data=archive.read_bytes())
            fresh = work / f"api{n}-runner"
            same_art, by_art, _ = _api_backup(
                fake, clone, fresh, "2030-01-02T00:00:00+00:00", "artifacts"
            )
        finally:
            fake.close()
        pages = -(-n // 100) + -(-pulls // 100) + -(-(n + 1) // 100)
        print(
            f"N={n} issues+PRs ({pulls} PRs, {n + 1} comments): full backup {full} API requests "
            f"= {pages} listing pages + 4 small listings + {pulls} reviews + issue events"
        )
        print(f"  by endpoint: {by_endpoint}")
        print(
            f"  incremental, nothing changed: {same_dir} requests (previous from a directory), "
            f"{same_art} (previous from the artifacts, 2 of them for its provenance)"
        )
        print(f"  by endpoint: {by_art}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=3000)
    parser.add_argument("--random-mb", type=int, default=190)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--refs", type=int, default=2000, help="Refs added to a generated repo.")
    parser.add_argument("--source", type=Path, help="A clone of a real repository to copy.")
    parser.add_argument("--sizes", type=int, nargs="*", default=[250, 1000])
    parser.add_argument("--api-only", action="store_true", help="Only the request counts.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ci-agent-bench-") as tmp:
        work = Path(tmp)
        if args.api_only:
            bench_requests(args.sizes, work)
            return
        start = time.perf_counter()
        if args.source:
            repo = copy_repo(work, args.source)
        else:
            repo = make_repo(work, args.commits, args.random_mb, args.refs)
        pack = sum(p.stat().st_size for p in (repo / ".git" / "objects" / "pack").glob("*.pack"))
        objects = git(repo, "count-objects", "-v").decode()
        count = next(x for x in objects.splitlines() if x.startswith("in-pack"))
        print(
            f"repository: {pack / 2**20:.0f} MiB packed, {count.split()[1]} objects, "
            f"{len(git(repo, 'for-each-ref').splitlines())} refs, "
            f"{git(repo, 'rev-list', '--all', '--count').decode().strip()} commits, "
            f"generated in {time.perf_counter() - start:.0f} s"
        )
        bench_files(repo, work, args.runs)
        bench_requests(args.sizes, work)


if __name__ == "__main__":
    main()
