"""The rounds' bookkeeping: a target stays open for the next engine while no accepted candidate
covers its missing code and kills its mutants, whichever target the candidate was assigned to."""

from __future__ import annotations

from ci_agent.testgen.mutants import Mutant
from ci_agent.testgen.rounds import Rounds
from ci_agent.testgen.targets import Target
from ci_agent.testgen.verdict import Candidate, GateResult, Verdict

SOURCE = "def area(w, h):\n    return w * h\n\n\ndef label(w):\n    return str(w)\n"
AREA = Target("shapes.py", "area", 1, 2, (2,), ())
LABEL = Target("shapes.py", "label", 5, 6, (6,), ())
PASSED = (GateResult("coverage", True), GateResult("mutants", True))


def verdict(target: str, written_for: str, lines: tuple[int, ...], killed: int = 2) -> Verdict:
    candidate = Candidate(target, "", "pynguin", written_for=written_for)
    kills = tuple(Mutant(line, "return value -> None", "") for line in lines[:1] if killed)
    return Verdict(candidate, PASSED, gained_lines=lines, killed=kills)


def rounds() -> Rounds:
    return Rounds([AREA, LABEL], {"shapes.py": SOURCE}, "tests/test_{module}_generated.py")


def test_a_candidate_assigned_elsewhere_closes_every_target_it_covers() -> None:
    found = rounds()
    found.add(verdict(AREA.key, LABEL.key, (2, 6)))
    assert found.open_for("ghostwriter", 1) == []
    # the model does not ask again for the target it wrote the accepted candidate for
    assert found.open_for("model", 1) == []
    assert found.previous[LABEL.key].candidate.target == AREA.key


def test_a_target_whose_lines_no_accepted_candidate_runs_stays_open() -> None:
    found = rounds()
    found.add(verdict(AREA.key, LABEL.key, (2,)))
    assert found.open_for("ghostwriter", 1) == [LABEL]
    assert found.open_for("model", 1) == []
    refused = Verdict(Candidate(AREA.key, "", "pynguin"), (GateResult("coverage", False),))
    other = rounds()
    other.add(refused)
    assert other.open_for("ghostwriter", 1) == [AREA, LABEL]
    assert other.open_for("model", 1) == [AREA, LABEL]
