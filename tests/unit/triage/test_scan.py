"""The scanner: steps from the runner's markers, windows near error markers, block boundaries,
bounded memory."""

from __future__ import annotations

import random
import tracemalloc
from pathlib import Path

from ci_agent.triage.extract import extract
from ci_agent.triage.extractor import CONTEXT_KEPT, Cursor, Sink, Wake
from ci_agent.triage.extractors.javascript import Jest
from ci_agent.triage.extractors.pytest import Pytest
from ci_agent.triage.extractors.unittest import Unittest
from ci_agent.triage.model import Failure, Kind

from .helpers import github_log, write_log

PYTEST_TAIL = """\
=================================== FAILURES ===================================
___________________________________ test_add ___________________________________
    def test_add():
>       assert add(1, 2) == 4
E       assert 3 == 4

tests/test_calc.py:6: AssertionError
=========================== short test summary info ============================
FAILED tests/test_calc.py::test_add - assert 3 == 4
============================== 1 failed in 0.05s ===============================
"""


def test_steps_their_names_and_the_failed_one(tmp_path: Path) -> None:
    log = github_log(
        ("actions/checkout@v4", "Syncing repository: acme/widgets", None),
        ("pip install -e .", "Successfully installed widgets-1.0", None),
        ("pytest", PYTEST_TAIL, 1),
    )
    log += "2026-11-21T10:01:00.0000000Z Post job cleanup.\n"
    extraction = extract(write_log(tmp_path, log))
    names = [(s.number, s.name, s.failed, s.exit_code, s.post) for s in extraction.steps]
    assert names == [
        (1, "Set up job", False, None, False),
        (2, "Run actions/checkout@v4", False, None, False),
        (3, "Run pip install -e .", False, None, False),
        (4, "Run pytest", True, 1, False),
        (5, "after Run pytest", False, None, True),
    ]
    [failure] = extraction.failures
    assert (failure.test_id, failure.step) == ("tests/test_calc.py::test_add", 4)
    assert extraction.failed_steps()[0].tail[-1] == PYTEST_TAIL.splitlines()[-1]


def test_the_step_header_is_not_read(tmp_path: Path) -> None:
    """The script in a step's header names FAILED; only the step's output counts."""
    log = github_log(("pytest || echo 'FAILED tests/a.py::t - x'", "all good", 1))
    extraction = extract(write_log(tmp_path, log))
    assert extraction.failures == ()


def test_a_log_without_markers_is_one_failed_step(tmp_path: Path) -> None:
    extraction = extract(write_log(tmp_path, PYTEST_TAIL))
    [step] = extraction.steps
    assert (step.name, step.failed) == ("log", True)
    assert step.tail[-1].startswith("====")
    assert [f.test_id for f in extraction.failures] == ["tests/test_calc.py::test_add"]


def test_a_marker_must_start_the_line(tmp_path: Path) -> None:
    log = github_log(("echo", "echo '##[error]Process completed with exit code 9.'", None))
    extraction = extract(write_log(tmp_path, log))
    assert [s.exit_code for s in extraction.steps] == [None, None]
    assert extraction.failures == ()


def test_the_window_above_an_error_marker(tmp_path: Path) -> None:
    """mypy's lines are searched only near the error marker; pytest's FAILED everywhere."""
    noise = "".join(f"checking module {n}\n" for n in range(2000))
    output = "src/a.py:3: error: early  [misc]\n" + noise + "src/b.py:4: error: late  [misc]\n"
    log = write_log(tmp_path, github_log(("mypy src", output, 1)))
    found = extract(log, window=4096, block_size=4096).failures
    assert [str(f.location) for f in found] == ["src/b.py:4"]
    found = extract(log).failures
    assert [str(f.location) for f in found] == ["src/a.py:3", "src/b.py:4"]
    early = PYTEST_TAIL.replace("short test summary", "short test summary") + noise
    log = write_log(tmp_path, github_log(("pytest", early, 1)), "pytest.log")
    found = extract(log, window=4096, block_size=4096).failures
    assert [f.test_id for f in found] == ["tests/test_calc.py::test_add"]


def test_block_boundaries_change_nothing(tmp_path: Path) -> None:
    section = "".join(f"E   line {n} of a long assertion message\n" for n in range(300))
    tail = PYTEST_TAIL.replace("E       assert 3 == 4\n", "E       assert 3 == 4\n" + section)
    output = "".join(f"tests/test_{n}.py::test_ok PASSED\n" for n in range(500)) + tail
    log = write_log(tmp_path, github_log(("pip install .", "ok", None), ("pytest", output, 1)))
    reference = extract(log)
    for size in (4096, 5000, 7919):
        other = extract(log, window=4096, block_size=size)
        assert other.failures == reference.failures
        assert [(s.name, s.failed) for s in other.steps] == [
            (s.name, s.failed) for s in reference.steps
        ]
    assert reference.failures[0].location is not None
    assert str(reference.failures[0].location) == "tests/test_calc.py:6"


def test_memory_stays_at_a_few_blocks(tmp_path: Path) -> None:
    path = tmp_path / "big.log"
    line = b"2026-11-21T10:00:00.1234567Z tests/test_module.py::test_case[param] PASSED [ 50%]\n"
    with path.open("wb") as handle:
        for _ in range(30):
            handle.write(line * 12_000)
        handle.write(github_log(("pytest", PYTEST_TAIL, 1)).encode())
    assert path.stat().st_size > 28_000_000
    tracemalloc.start()
    try:
        extraction = extract(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [f.kind for f in extraction.failures] == [Kind.TEST]
    assert peak < 16_000_000, f"peak {peak} bytes"


def test_failures_past_the_sink_limit_are_counted_and_lose_only_their_context() -> None:
    sink = Sink(limit=3)
    for n in range(5):
        sink.add(Failure(Kind.TEST, "pytest", "boom", test_id=f"t{n}", context=("x",), offset=n))
    assert [f.test_id for f in sink.failures] == ["t0", "t1", "t2"]
    assert sink.dropped == 2
    many = Sink()
    for n in range(CONTEXT_KEPT + 5):
        many.add(Failure(Kind.TEST, "pytest", "boom", context=("x",), offset=n))
    assert len(many.failures) == CONTEXT_KEPT + 5
    assert many.failures[CONTEXT_KEPT - 1].context == ("x",)
    assert many.failures[CONTEXT_KEPT].context == ()


WAKE_PIECES = [
    "FAILED",
    "FAIL",
    "ERROR",
    ": ",
    "::",
    ".py",
    " ",
    "  ",
    "=",
    "1",
    "\u00b2",
    "tests/a",
    "test_x",
    "[ 12%]",
    " - boom",
    " failed",
    " in 0.12s",
    "rootdir: ",
    "ImportError while loading conftest '/x/conftest.py'.",
    'ERROR: Error importing plugin "p": no',
    "(m.T.test_x)",
    "src/a.test.js",
]


def test_a_line_an_idle_extractor_sleeps_through_changes_nothing() -> None:
    rng = random.Random(11)
    lines = ["FAILED" + " " * 60 + "[ 12%]", "1 failed in 0.12s", "\u00b2 failed in 1s"]
    lines += [
        "".join(rng.choice(WAKE_PIECES) for _ in range(rng.randrange(1, 7))) for _ in range(3000)
    ]
    slept = 0
    for extractor_type in (Pytest, Unittest, Jest):
        wake = extractor_type.wake
        assert wake is not None
        for line in lines:
            if wake.matches(line):
                continue
            slept += 1
            extractor, sink = extractor_type(), Sink()
            assert not extractor.feed(line, Cursor(), sink), line
            extractor.flush(sink)
            assert sink.failures == [], line
    assert slept > 3000


def test_either_wake_matches_where_one_of_them_does() -> None:
    rng = random.Random(12)
    wakes = [Pytest.wake, Unittest.wake, Jest.wake, Wake(anywhere=("boom",))]
    for _ in range(2000):
        line = "".join(rng.choice(WAKE_PIECES) for _ in range(rng.randrange(0, 7)))
        chosen = rng.sample(wakes, rng.randrange(0, len(wakes) + 1))
        either = Wake.either(chosen)
        assert either is not None
        assert either.matches(line) == any(w is not None and w.matches(line) for w in chosen)
    assert Wake.either([Pytest.wake, None]) is None  # an extractor that any line may wake


def test_a_last_line_without_a_newline_is_whole_in_the_tail(tmp_path: Path) -> None:
    """A tool's output that ends without a newline keeps its last character in the step's
    last lines (the excerpt and signature of a log where nothing is recognised)."""
    log = tmp_path / "job.log"
    log.write_bytes(b"Ran 1 test\n\nFAILED (failures=1)")
    [step] = extract(log).steps
    assert step.tail[-1] == "FAILED (failures=1)"


def test_an_actions_multi_line_input_stays_in_its_header(tmp_path: Path) -> None:
    """An action's ``with:`` block prints a multi-line input unindented (github-script's
    script), and step debugging its ``##[debug]`` lines: the group is still the step's header,
    and its lines are not output."""
    stamp = "2026-11-21T10:00:00.0000000Z "
    lines = [
        "##[group]Run actions/github-script@v7",
        "##[debug]Evaluating: inputs.script",  # step debugging prints inside the header
        "with:",
        "  script: const fail = 'FAILED tests/test_x.py::test_y - no'",
        "console.log(fail)",
        "##[endgroup]",
        "done",
        "##[error]Process completed with exit code 1.",
    ]
    log = tmp_path / "job.log"
    log.write_text("".join(f"{stamp}{line}\n" for line in lines))
    found = extract(log)
    assert [s.name for s in found.failed_steps()] == ["Run actions/github-script@v7"]
    assert not [f for f in found.failures if f.test_id]  # the script's text is no result
