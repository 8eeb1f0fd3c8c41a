"""Real pytest runs with hundreds of failures of awkward shapes, read the fast way (the lines a
section needs found and cleaned in batches, lean sections and the summary read in one loop)
and the careful way (a feed call and a clean call per line, ``re`` to find the lines): both
must find the same failures, with and without Hyperscan."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ci_agent.json_form import to_json
from ci_agent.triage import scan
from ci_agent.triage.extract import Extraction, extract
from ci_agent.triage.extractor import BaseExtractor
from ci_agent.triage.extractors.pytest import Pytest
from ci_agent.triage.logs import clean

from .conftest import Project
from .joblog import job_log

MANY = 240  # past the 200 sections that keep their excerpt lines: the rest are lean
# Captured output that looks like a report's lines (E lines, frames, a headline, a narrower
# rule, a captured rule), ids with brackets, ``::``, spaces and non-ASCII letters, a class, an
# error raised inside an installed package, a fixture that fails, a failure without E line.
TESTS = """\
import logging

import packaging.version
import pytest

log = logging.getLogger("shop")


@pytest.mark.parametrize("n", range({many}))
def test_many(n):
    log.debug("E   looks like an E line %d, File \\"x.py\\", line 3", n)
    print("E       assert printed", n)
    print("other.py:12: printed location")
    print("  File \\"/usr/lib/python3/json/decoder.py\\", line 355, in raw_decode")
    print("=" * 20 + " printed rule " + "=" * 20)
    print("------ Captured stdout call ------")
    print("FAILED tests/test_fake.py::printed - ERROR not a result")
    assert n < 0, "n is ünïcode-free"


def test_printed_headline():
    print("_____ test_fake[0] _____")
    assert 1 == 2


@pytest.mark.parametrize(
    "name", ["a::b", "with space", "br[ack]et", "ünïcode", "dash - dash", "x]-[y"]
)
def test_ids(name):
    assert name == "x"


class TestGroup:
    @pytest.mark.parametrize("key", ["x::y", "p q"])
    def test_method(self, key):
        raise KeyError(key)


def test_site_packages():
    packaging.version.Version("not a version!")


@pytest.fixture
def broken():
    raise RuntimeError("setup fails")


def test_setup_error(broken):
    pass


def test_no_e_line():
    pytest.fail("plain fail", pytrace=False)
"""


def _run(root: Path, tb: str) -> Path:
    project = Project(root / "proj")
    project.write("tests/test_lean.py", TESTS.format(many=MANY))
    step = project.pytest(
        "-v", "-rfE", f"--tb={tb}", "-o", "log_cli=true", "--log-cli-level=DEBUG", "tests"
    )
    assert step.exit_code == 1, step.output[-2000:]
    path = root / "lean.log"
    path.write_text(job_log([step]), encoding="utf-8")
    return path


@pytest.fixture(scope="module", params=["auto", "native"])
def log(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The job log of a failing run with pytest's default tracebacks, then Python's."""
    tb = str(request.param)
    return _run(tmp_path_factory.mktemp(f"lean-{tb}"), tb)


def _extract(path: Path) -> Extraction:
    return extract(path, roots=(str(path.parent / "proj"),))


def _careful(path: Path, monkeypatch: pytest.MonkeyPatch) -> Extraction:
    """The reading without any batching: one feed and one clean per line, lines found by re."""
    with monkeypatch.context() as patched:
        patched.setattr(Pytest, "feed_lines", BaseExtractor.feed_lines)
        patched.setattr(
            scan,
            "clean_lines",
            lambda data, starts, stops: [
                clean(data[a:b]) for a, b in zip(starts, stops, strict=True)
            ],
        )
        patched.setitem(sys.modules, "hyperscan", None)
        return _extract(path)


@pytest.mark.parametrize("hyperscan", [True, False], ids=["hyperscan", "re"])
def test_the_fast_reading_finds_what_the_careful_one_does(
    log: Path, monkeypatch: pytest.MonkeyPatch, hyperscan: bool
) -> None:
    if hyperscan:
        pytest.importorskip("hyperscan")
    else:
        monkeypatch.setitem(sys.modules, "hyperscan", None)
    fast = _extract(log)
    careful = _careful(log, monkeypatch)
    assert to_json(fast.failures) == to_json(careful.failures)
    assert fast.failures == careful.failures  # excerpt lines, step and offset too
    assert fast.steps == careful.steps


def test_the_failures_are_the_run_s(log: Path) -> None:
    failures = {f.test_id: f for f in _extract(log).failures}
    module = "tests/test_lean.py"
    for n in (0, MANY - 1):  # the first sections keep their lines, the last are lean
        found = failures[f"{module}::test_many[{n}]"]
        assert found.message.startswith("AssertionError: n is ")
        assert str(found.location) == f"{module}:18"
    for name in ("a::b", "with space", "br[ack]et", "dash - dash", "x]-[y"):
        assert failures[f"{module}::test_ids[{name}]"].message.endswith(f"assert {name!r} == 'x'")
    assert f"{module}::TestGroup::test_method[x::y]" in failures
    # The error is raised inside packaging: the location is the project's frame that called it.
    site = failures[f"{module}::test_site_packages"]
    assert "InvalidVersion" in site.message
    assert str(site.location) == f"{module}:40"
    assert "setup fails" in failures[f"{module}::test_setup_error"].message
    assert failures[f"{module}::test_no_e_line"].message == "Failed: plain fail"
    # A headline the test printed is narrower than pytest's: it starts no section of its own.
    assert not [key for key in failures if key and "test_fake" in key]
    printed = failures[f"{module}::test_printed_headline"]
    assert (printed.message, str(printed.location)) == ("assert 1 == 2", f"{module}:23")
    ids = [key for key in failures if key and key.startswith(f"{module}::test_ids[")]
    assert len(ids) == 6  # the non-ASCII id too, as pytest escapes it
