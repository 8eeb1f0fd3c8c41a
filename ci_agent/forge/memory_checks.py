"""Check runs and commit statuses of the in-memory forge.

The adapter's requests are kept (:mod:`ci_agent.forge.github_checks`): the output is cut to
65,535 characters with a note, annotations go 50 to an update and accumulate, the last update
completes the run. Each update is then held to GitHub's own limits, so a change that broke the
batching or the cut would get GitHub's 422 here as it would there.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence

from ci_agent.forge.github_checks import MAX_OUTPUT_CHARS, MAX_STATUS_DESCRIPTION, fit
from ci_agent.forge.memory_state import CheckRecord, MemoryPart, github_error, not_found
from ci_agent.forge.run_types import (
    MAX_ANNOTATIONS_PER_REQUEST,
    Annotation,
    CheckConclusion,
    CheckOutput,
    CheckRun,
    CommitStatus,
)

__all__ = ["ChecksPart"]

CHECK_RUNS = "POST /repos/{owner}/{repo}/check-runs"
CHECK_RUN = "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}"
STATUSES = "POST /repos/{owner}/{repo}/statuses/{sha}"


class ChecksPart(MemoryPart):
    """CheckReporter and StatusReporter."""

    def start_check_run(self, name: str, head_sha: str, external_id: str = "") -> CheckRun:
        """Create a check run in progress (a random ``ci-agent-…`` external id by default)."""
        external_id = external_id or f"ci-agent-{secrets.token_hex(8)}"
        self._write("start_check_run", CHECK_RUNS, name=name, head_sha=head_sha)
        if head_sha not in self._state.commits:
            raise github_error(CHECK_RUNS, 422, f"No commit found for SHA: {head_sha}")
        run_id = self._state.next_id()
        url = self._state.url(f"runs/{run_id}")
        run = CheckRun(run_id, name, head_sha, "in_progress", None, external_id, url)
        self._state.checks[run_id] = CheckRecord(run)
        return run

    def complete_check_run(
        self, check_run_id: int, conclusion: CheckConclusion, output: CheckOutput
    ) -> CheckRun:
        """Send the output with annotations in batches of 50; the last update completes it."""
        size = MAX_ANNOTATIONS_PER_REQUEST
        notes = output.annotations
        batches = [notes[i : i + size] for i in range(0, len(notes), size)] or [()]
        runs = [
            self._update(
                check_run_id,
                CheckOutput(output.title, fit(output.summary), fit(output.text), batch),
                conclusion if index == len(batches) - 1 else None,
            )
            for index, batch in enumerate(batches)
        ]
        return runs[-1]

    def check_runs(self, head_sha: str, name: str | None = None) -> Iterator[CheckRun]:
        """Check runs on ``head_sha`` (optionally only ``name``), newest first as GitHub lists."""
        self._read("check_runs", head_sha=head_sha, name=name)
        found = [
            r.run
            for r in self._state.checks.values()
            if r.run.head_sha == head_sha and (name is None or r.run.name == name)
        ]
        return iter(sorted(found, key=lambda run: -run.id))

    def check_run_annotations(self, check_run_id: int) -> Iterator[Annotation]:
        """The annotations the run holds, in the order they were sent."""
        self._read("check_run_annotations", check_run_id=check_run_id)
        record = self._state.checks.get(check_run_id)
        if record is None:
            raise not_found("GET /repos/{owner}/{repo}/check-runs/{check_run_id}/annotations")
        return iter(list(record.annotations))

    def set_status(self, sha: str, status: CommitStatus) -> None:
        """Set the status of ``status.context`` on ``sha`` (the description cut to 140)."""
        self._write("set_status", STATUSES, sha=sha, status=status)
        if sha not in self._state.commits:
            raise github_error(STATUSES, 422, f"No commit found for SHA: {sha}")
        kept = CommitStatus(
            status.state,
            status.context,
            fit(status.description, MAX_STATUS_DESCRIPTION),
            status.target_url,
        )
        self._state.statuses.append((sha, kept))

    def statuses(self, sha: str) -> dict[str, CommitStatus]:
        """The latest status of each context on ``sha`` (not a forge protocol: for tests)."""
        return {s.context: s for at, s in self._state.statuses if at == sha}

    def check_output(self, check_run_id: int) -> tuple[CheckOutput | None, list[Annotation]]:
        """The run's latest output and all its annotations (not a forge protocol: for tests)."""
        record = self._state.checks[check_run_id]
        return record.output, list(record.annotations)

    def _update(
        self, check_run_id: int, output: CheckOutput, conclusion: CheckConclusion | None
    ) -> CheckRun:
        """One PATCH as GitHub takes it: at most 50 annotations, 65,535-character texts."""
        self._write(
            "complete_check_run",
            CHECK_RUN,
            check_run_id=check_run_id,
            conclusion=conclusion,
            annotations=len(output.annotations),
        )
        record = self._state.checks.get(check_run_id)
        if record is None:
            raise not_found(CHECK_RUN)
        _refuse_over_limits(output.annotations, output.summary, output.text)
        record.annotations.extend(output.annotations)
        record.output = output
        record.updates += 1
        if conclusion is not None:
            old = record.run
            record.run = CheckRun(
                old.id, old.name, old.head_sha, "completed", conclusion, old.external_id, old.url
            )
        return record.run


def _refuse_over_limits(annotations: Sequence[Annotation], summary: str, text: str) -> None:
    if len(annotations) > MAX_ANNOTATIONS_PER_REQUEST:
        raise github_error(
            CHECK_RUN,
            422,
            f"Invalid request.\n\nOnly {MAX_ANNOTATIONS_PER_REQUEST} annotations are allowed per "
            f"request; {len(annotations)} were sent.",
        )
    for name, value in (("summary", summary), ("text", text)):
        if len(value) > MAX_OUTPUT_CHARS:
            raise github_error(
                CHECK_RUN,
                422,
                f"Validation Failed; {name} is too long (maximum is {MAX_OUTPUT_CHARS} characters)",
            )
