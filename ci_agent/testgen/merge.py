"""Merging the results of shards (``--shard I/N`` runs of one commit) into one delivery: files
of the same path combined on the syntax tree, the funnel counts summed, the whole suite checked
again with everything in place."""

from __future__ import annotations

import ast
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ci_agent.errors import fail
from ci_agent.testgen.lint import format_module
from ci_agent.testgen.writer import HEADER, GeneratedFile

__all__ = ["ShardResults", "load_shards", "merge_modules", "read_result"]


@dataclass(frozen=True)
class ShardResults:
    """What the shards found, together."""

    commit: str | None
    shards: tuple[str, ...]  # "I/N" of each result read
    missing: tuple[str, ...]  # shards of N not among them
    files: tuple[GeneratedFile, ...]
    funnel: dict[str, int]
    accepted: tuple[dict[str, Any], ...]
    candidates: tuple[dict[str, Any], ...]
    skipped: tuple[dict[str, Any], ...]
    targets_total: int = 0  # in scope, as every shard saw it (the same list, split)
    targets_in_run: int = 0  # checked by the shards together
    engines: tuple[str, ...] = ()
    seconds: float = 0.0  # of the longest shard (they run side by side)
    superseded: tuple[str, ...] = ()  # results of a shard's earlier attempts, left out


def read_result(path: Path, code: str) -> object:
    """The JSON of a ``ci-agent tests`` result file, out of its ``--output json`` envelope
    when it has one; ``code`` when it cannot be read or parsed."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise fail(code, file=path, problem=str(exc)) from None
    if isinstance(data, dict) and isinstance(data.get("result"), dict):
        return data["result"]
    return data


def _result(path: Path) -> dict[str, Any]:
    data = read_result(path, "CA582")
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        raise fail("CA582", file=path, problem="no 'files' list: not a 'ci-agent tests' result")
    return data


def _latest_attempts(
    results: list[tuple[Path, dict[str, Any]]],
) -> tuple[list[tuple[Path, dict[str, Any]]], tuple[str, ...]]:
    """One result per shard: the newest attempt's. A re-run workflow keeps the artifacts of
    its earlier attempts, and download-artifact fetches them all; merging both would add every
    test twice. Two results of one shard and one attempt are CA582."""
    newest: dict[str, tuple[int, Path, dict[str, Any]]] = {}
    kept: list[tuple[Path, dict[str, Any]]] = []
    superseded: list[str] = []
    for path, result in results:
        shard = str(result.get("scope", {}).get("shard", ""))
        if not shard:
            kept.append((path, result))
            continue
        attempt = result.get("attempt", 1)
        if not isinstance(attempt, int) or isinstance(attempt, bool) or attempt < 1:
            raise fail("CA582", file=path, problem=f"'attempt' is {attempt!r}, not a number")
        earlier = newest.get(shard)
        if earlier is not None and earlier[0] == attempt:
            problem = f"shard {shard} of attempt {attempt} is also in {earlier[1]}"
            raise fail("CA582", file=path, problem=problem)
        if earlier is None or earlier[0] < attempt:
            if earlier is not None:
                superseded.append(str(earlier[1]))
            newest[shard] = (attempt, path, result)
        else:
            superseded.append(str(path))
    kept += [(path, result) for _, path, result in newest.values()]
    return kept, tuple(superseded)


def load_shards(paths: Sequence[Path], root: Path) -> ShardResults:
    """Read and combine shard results (the newest attempt of each shard); CA582 when one is
    not a result or they are of different commits."""
    results, superseded = _latest_attempts([(p, _result(p)) for p in paths])
    for path, result in results:
        if result.get("dirty"):
            problem = "it was made from a working tree with uncommitted changes to Python files"
            raise fail("CA582", file=path, problem=problem)
    commits = {r.get("commit") for _, r in results}
    if len(commits) > 1:
        shown = ", ".join(sorted(str(c)[:12] for c in commits))
        raise fail(
            "CA582", file=paths[-1], problem=f"the shards are of different commits ({shown})"
        )
    shards = tuple(str(r.get("scope", {}).get("shard", "")) for _, r in results)
    counts = {s.split("/")[1] for s in shards if "/" in s}
    missing: tuple[str, ...] = ()
    if len(counts) == 1:
        total = int(counts.pop())
        seen = {s.split("/")[0] for s in shards}
        missing = tuple(f"{i}/{total}" for i in range(1, total + 1) if str(i) not in seen)
    texts: dict[str, list[str]] = {}
    targets: dict[str, list[str]] = {}
    funnel: dict[str, int] = {}
    for path, result in results:
        for item in result["files"]:
            if not isinstance(item, dict) or not {"path", "text"} <= set(item):
                raise fail("CA582", file=path, problem="a file entry lacks 'path' or 'text'")
            texts.setdefault(str(item["path"]), []).append(str(item["text"]))
            targets.setdefault(str(item["path"]), []).extend(item.get("targets", []))
        for gate, count in result.get("funnel", {}).items():
            funnel[gate] = funnel.get(gate, 0) + int(count)
    files = tuple(
        GeneratedFile(p, t[0] if len(t) == 1 else merge_modules(t, root), tuple(targets[p]))
        for p, t in sorted(texts.items())
    )
    return ShardResults(
        commits.pop() if commits else None,
        shards,
        missing,
        files,
        funnel,
        tuple(a for _, r in results for a in r.get("accepted", [])),
        tuple(c for _, r in results for c in r.get("candidates", [])),
        tuple(s for _, r in results for s in r.get("skipped", [])),
        max((int(_targets(r).get("total") or 0) for _, r in results), default=0),
        sum(int(_targets(r).get("in_run") or 0) for _, r in results),
        tuple(dict.fromkeys(str(e) for _, r in results for e in r.get("engines") or ())),
        max((float(r.get("seconds") or 0) for _, r in results), default=0.0),
        superseded,
    )


def _targets(result: dict[str, Any]) -> dict[str, Any]:
    found = result.get("targets")
    return found if isinstance(found, dict) else {}


def merge_modules(texts: Sequence[str], root: Path) -> str:
    """One module from several: imports deduplicated, every other statement kept with the
    comments above it, colliding names numbered."""
    imports: list[str] = []
    blocks: list[str] = []
    names: set[str] = set()
    for text in texts:
        lines = text.splitlines()
        tree = ast.parse(text)
        previous_end = 0
        for node in tree.body:
            segment = "\n".join(lines[previous_end : node.end_lineno]).strip("\n")
            previous_end = node.end_lineno or node.lineno
            if isinstance(node, ast.Import | ast.ImportFrom):
                code = ast.get_source_segment(text, node) or segment
                if code not in imports:
                    imports.append(code)
                continue
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
                continue  # the module docstring
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                new, number = node.name, 2
                while new in names:
                    new, number = f"{node.name}_{number}", number + 1
                names.add(new)
                if new != node.name:
                    segment = segment.replace(f" {node.name}(", f" {new}(", 1)
            blocks.append(segment)
    text = "\n".join([HEADER, "", *imports, "", "", *(b + "\n\n" for b in blocks)])
    return format_module(text, root, "test_merged.py")
