"""A mixed corpus to measure the token estimator against cl100k_base: this repository's code,
prose and JSON, unified diffs made from its files, non-ASCII text, and machine-made strings."""

from __future__ import annotations

import base64
import difflib
import hashlib
import json
import random
import uuid
from pathlib import Path

__all__ = ["ROOT", "adversarial_samples", "chunks", "natural_samples"]

ROOT = Path(__file__).resolve().parents[3]
DATA = Path(__file__).with_name("data")


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


def natural_samples() -> list[tuple[str, str]]:
    """(kind, text) pairs of code, prose, JSON, diffs and non-ASCII text."""
    code = sorted((ROOT / "ci_agent").rglob("*.py"))
    samples = [("code", _read(p)) for p in code]
    prose = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]
    samples += [("prose", _read(p)) for p in prose if p.is_file()]
    samples += [("json", _read(p)) for p in sorted((ROOT / "docs").glob("*.json"))]
    rng = random.Random(7)
    for path in code[:40]:
        before = _read(path).splitlines(keepends=True)
        after = list(before)
        for _ in range(min(6, len(after))):
            after[rng.randrange(len(after))] = f"    value = compute({rng.randrange(999)})\n"
        diff = "".join(difflib.unified_diff(before, after, f"a/{path.name}", f"b/{path.name}"))
        if diff:
            samples.append(("diff", diff))
    text = _read(DATA / "nonascii.txt")
    samples.append(("non-ascii", text))
    samples += [("non-ascii", line) for line in text.splitlines() if line.strip()]
    return [(kind, t) for kind, t in samples if t.strip()]


def adversarial_samples() -> list[tuple[str, str]]:
    """Machine-made text that tokenizes badly: hashes, base64, UUIDs, random identifiers."""
    rng = random.Random(11)
    blob = bytes(rng.randrange(256) for _ in range(4000))
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    words = " ".join(
        "".join(rng.choice(letters) for _ in range(rng.randrange(1, 12))) for _ in range(400)
    )
    return [
        ("sha256", "\n".join(hashlib.sha256(str(i).encode()).hexdigest() for i in range(100))),
        ("base64", base64.b64encode(blob).decode()),
        ("uuid", json.dumps([str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(100)])),
        ("random-identifiers", words),
        ("numbers", " ".join(str(rng.randrange(10**9)) for _ in range(500))),
    ]


def chunks(text: str, size: int = 1500) -> list[str]:
    """``text`` cut into pieces of ``size`` characters (how callers split prompts)."""
    return [text[i : i + size] for i in range(0, len(text), size)]
