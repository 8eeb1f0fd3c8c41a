"""Markdown safety benchmark: the parsed-tree cleaner against parsing alone and the old regexes.

Run: .venv/bin/python bench/markdown.py [--kb 60] [--runs 15] [--titles 2000]

A generated model answer of ``--kb`` kilobytes (headings, prose with code spans, mentions,
links inside and outside the repository, images, raw HTML, lists, fenced code, tables) is
cleaned ``--runs`` times, interleaved with the baselines measured in the same run:
``MarkdownIt("commonmark").enable(["table", "strikethrough"]).render`` (parsing plus HTML
rendering, what any parser-based approach costs at least) and the regular-expression cleaner
ci-agent used before (kept here only as a baseline; it let eleven kinds of input through).
Medians are printed with the ratios. The per-call cost of the one-line forms (``plain_text``
for titles, ``table_cell`` for summary cells, each building its parser) is printed too.
"""

from __future__ import annotations

import argparse
import html
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ci_agent.report.markdown import (  # noqa: E402
    SafeMarkdown,
    clean_markdown,
    plain_text,
    table_cell,
)

REPO = "https://github.com/acme/widgets"

# The regular-expression cleaner ci-agent shipped before the parsed tree (baseline only).
_FENCE = re.compile(r"(^|\n)(```|~~~)[^\n]*\n.*?(\n\2[ \t]*(?=\n|$)|$)", re.DOTALL)
_INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1", re.DOTALL)
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
_BARE_URL = re.compile(r"(?<![\w`])(?:https?|ftp)://[^\s<>()\[\]`]+", re.IGNORECASE)
_MENTION = re.compile(r"(?<![\w`/.@-])@([A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:/[A-Za-z0-9_.-]+)?)")
_REFERENCE_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S+.*$", re.MULTILINE)


def regex_clean(text: str, repository_url: str | None = None) -> str:
    """The old cleaner: protect code by regex, then rewrite the prose between."""
    spans = [(m.start(), m.end()) for m in _FENCE.finditer(text)]
    spans += [
        (m.start(), m.end())
        for m in _INLINE_CODE.finditer(text)
        if not any(s <= m.start() < e for s, e in spans)
    ]
    pieces, cursor = [], 0
    for start, end in sorted(spans):
        pieces += [_prose(text[cursor:start], repository_url), text[start:end]]
        cursor = end
    return "".join([*pieces, _prose(text[cursor:], repository_url)])


def _prose(text: str, repository_url: str | None) -> str:
    base = (repository_url or "").rstrip("/")

    def allowed(url: str) -> bool:
        if not re.match(r"^[a-z][a-z0-9+.-]*:", url, re.IGNORECASE) and not url.startswith("//"):
            return True
        return bool(base) and (url == base or url.startswith((base + "/", base + "#")))

    text = _REFERENCE_DEF.sub("", text)
    text = _IMAGE.sub(lambda m: f"[image removed: {m.group(1)}]", text)
    text = _LINK.sub(lambda m: m.group(0) if allowed(m.group(2)) else m.group(1), text)
    text = html.escape(text, quote=False)
    text = _BARE_URL.sub(lambda m: m.group(0) if allowed(m.group(0)) else f"`{m.group(0)}`", text)
    return _MENTION.sub(lambda m: f"`@{m.group(1)}`", text)


def model_answer(kilobytes: int, seed: int = 7) -> str:
    """A review answer of about ``kilobytes`` KB, built from typical pieces."""
    generator = random.Random(seed)
    blocks = [
        "## Finding\n\nThe loop in `parse()` reads **past the end** when *n* is zero; "
        "see [the docs](" + REPO + "/blob/main/README.md) and ping @alice.",
        "1. Check `n` first.\n2. Then iterate:\n   - keep the `for` loop\n   - drop ~~this~~",
        "```python\ndef parse(items: list[str]) -> str:\n    return items[0] if items else ''\n```",
        "| case | before | after |\n|---|---|---|\n| empty | crash | `''` |\n| one | ok | ok |",
        "> Quoted log: ConnectionError at https://evil.example/x <img src=x> @org/team",
        "Plain prose with a_b, 3 < 4 & 5 > 2, www.example.com and bob@example.com. " * 3,
        "![diagram](https://evil.example/p.png) [login](https://evil.example/login)",
    ]
    parts: list[str] = []
    size = 0
    while size < kilobytes * 1024:
        block = generator.choice(blocks)
        parts.append(block)
        size += len(block) + 2
    return "\n\n".join(parts)


def timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kb", type=int, default=60)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--titles", type=int, default=2000)
    args = parser.parse_args()

    from markdown_it import MarkdownIt

    text = model_answer(args.kb)
    renderer = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    cases: dict[str, Callable[[], object]] = {
        "markdown-it render (baseline)": lambda: renderer.render(text),
        "regex cleaner (before)": lambda: regex_clean(text, REPO),
        "clean_markdown": lambda: clean_markdown(text, REPO),
        "clean_markdown, limit 8,000": lambda: clean_markdown(text, REPO, limit=8000),
    }
    for work in cases.values():
        work()  # imports and caches
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.runs):
        for name, work in cases.items():
            samples[name].append(timed(work))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    base = medians["markdown-it render (baseline)"]
    regex = medians["regex cleaner (before)"]
    print(f"input: {len(text):,} characters, {args.runs} interleaved runs, medians")
    print(f"{'case':32} {'ms':>9} {'÷ markdown-it':>14} {'÷ regex':>9}")
    for name, value in medians.items():
        print(f"{name:32} {value * 1000:9.2f} {value / base:14.2f} {value / regex:9.2f}")

    titles = [" ".join(text[i : i + 120].split()) for i in range(0, len(text), 97)][: args.titles]
    shared = SafeMarkdown.create()
    one_line: dict[str, Callable[[str], str]] = {
        "plain_text": lambda t: plain_text(t, 200),
        "table_cell": lambda t: table_cell(t, 200),
        "SafeMarkdown.text, one parser (templates)": lambda t: shared.text(t, 200),
        "SafeMarkdown.cell, one parser (templates)": lambda t: shared.cell(t, 200),
    }
    print(f"one-line forms, {len(titles)} texts of 120 characters, limit 200, median of 3:")
    for name, clean in one_line.items():
        seconds = statistics.median(
            timed(lambda clean=clean: [clean(t) for t in titles])  # type: ignore[misc]
            for _ in range(3)
        )
        print(f"  {name:42} {seconds / len(titles) * 1e6:7.0f} µs per text")


if __name__ == "__main__":
    main()
