"""Chunk planning: every changed line in exactly one request, each request within budget."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

from ci_agent.diff import parse_file_patch
from ci_agent.review.chunks import iter_chunks, plan_chunks, render_hunk
from ci_agent.review.engine import ReviewFile


def estimate(text: str) -> int:
    return len(text) // 4 + 1


def big_file(path: str, hunks: int, lines_per_hunk: int) -> ReviewFile:
    patch = ""
    content_lines: list[str] = []
    new = 1
    for h in range(hunks):
        patch += f"@@ -{new},0 +{new},{lines_per_hunk} @@\n"
        for i in range(lines_per_hunk):
            line = f"value_{h}_{i} = compute({h}, {i})  # a line of reasonable length"
            patch += f"+{line}\n"
            content_lines.append(line)
            new += 1
    return ReviewFile(path, parse_file_patch(path, patch), "\n".join(content_lines) + "\n")


def lines_in(chunks: list) -> Counter[tuple[str, int]]:
    seen: Counter[tuple[str, int]] = Counter()
    for chunk in chunks:
        for section in chunk.sections:
            for line in section.diff_text.splitlines():
                head, _, rest = line.partition(" ")
                if head.isdigit() and rest.startswith("+"):
                    seen[(section.path, int(head))] += 1
    return seen


@pytest.mark.parametrize(
    ("hunks", "per_hunk", "budget"), [(1, 5, 2000), (30, 40, 2000), (1, 900, 1500)]
)
def test_every_added_line_exactly_once_and_within_budget(
    hunks: int, per_hunk: int, budget: int
) -> None:
    files = [big_file("a.py", hunks, per_hunk), big_file("b.py", 2, 3)]
    chunks = plan_chunks(files, budget, estimate)
    assert all(c.tokens <= budget for c in chunks)
    assert all(estimate(s.text) <= budget for c in chunks for s in c.sections)
    seen = lines_in(chunks)
    expected = {("a.py", n) for n in files[0].diff.added} | {
        ("b.py", n) for n in files[1].diff.added
    }
    assert set(seen) == expected
    assert set(seen.values()) == {1}


def test_small_files_share_a_chunk_and_big_ones_are_split() -> None:
    files = [big_file(f"m{i}.py", 1, 3) for i in range(5)]
    assert len(plan_chunks(files, 4000, estimate)) == 1
    split = plan_chunks([big_file("huge.py", 1, 2000)], 3000, estimate)
    parts = {s.parts for c in split for s in c.sections}
    assert len(split) > 1 and parts == {len(split)}


def test_enclosing_function_is_given_as_context() -> None:
    content = "def outer(x):\n    a = 1\n    b = 2\n    return a + b + x\n"
    patch = (
        "@@ -1,4 +1,4 @@\n def outer(x):\n     a = 1\n-    b = 3\n+    b = 2\n     return a + b + x"
    )
    file = ReviewFile("m.py", parse_file_patch("m.py", patch), content)
    (chunk,) = plan_chunks([file], 4000, estimate)
    assert len(chunk.sections[0].diff_text.splitlines()) == 6
    # All lines of the function are in the hunk already: no context needed.
    assert chunk.sections[0].context == ""
    longer = content.replace("    return", "    c = 3\n    d = 4\n    return")
    patch2 = "@@ -2,2 +2,2 @@\n     a = 1\n-    b = 3\n+    b = 2"
    file2 = ReviewFile("m.py", parse_file_patch("m.py", patch2), longer)
    (chunk2,) = plan_chunks([file2], 4000, estimate)
    assert "1  def outer(x):" in chunk2.sections[0].context
    assert "return a + b + x" in chunk2.sections[0].context


def test_render_hunk_numbers_new_side_only() -> None:
    diff = parse_file_patch("m.py", "@@ -1,2 +1,2 @@\n keep\n-old\n+new")
    assert render_hunk(diff.hunks[0]) == "@@ -1,2 +1,2 @@\n1  keep\n-old\n2 +new\n"


def test_a_budget_smaller_than_one_line_is_refused() -> None:
    with pytest.raises(ValueError, match="single diff line"):
        plan_chunks([big_file("a.py", 1, 50)], 20, estimate)


def test_a_file_with_a_line_too_long_for_any_request_is_named_and_the_rest_planned() -> None:
    small = big_file("small.py", 1, 3)
    long_line = "x = '" + "a" * 4000 + "'"
    long = ReviewFile("long.py", parse_file_patch("long.py", f"@@ -0,0 +1 @@\n+{long_line}"), "")
    unfit: dict[str, str] = {}
    chunks = list(iter_chunks([long, small], 300, estimate, unfit))
    assert list(unfit) == ["long.py"] and "fits no request" in unfit["long.py"]
    assert [s.path for c in chunks for s in c.sections] == ["small.py"]


def test_chunks_are_yielded_while_later_files_are_still_unplanned() -> None:
    files = [big_file(f"f{i}.py", 1, 30) for i in range(6)]
    seen: list[str] = []

    def watched() -> Iterator[ReviewFile]:
        for file in files:
            seen.append(file.path)
            yield file

    stream = iter_chunks(watched(), 700, estimate, {})
    first = next(stream)
    assert first.sections and len(seen) < len(files)
    rest = list(stream)
    assert sorted({s.path for c in [first, *rest] for s in c.sections}) == sorted(
        f.path for f in files
    )
