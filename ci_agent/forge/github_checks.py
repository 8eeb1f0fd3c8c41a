"""Check runs and commit statuses on GitHub (PyGithub).

Limits (https://docs.github.com/en/rest/checks/runs#update-a-check-run): at most 50
annotations per request — more go in further updates, which GitHub *appends* — and at most
65,535 characters of ``output.summary`` and of ``output.text`` (longer is cut, with a note).
Because an update appends annotations, a batch whose answer was lost is re-sent only if the
run's annotations do not already end with it.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from ci_agent.forge import github_parse as parse
from ci_agent.forge.github_http import GitHubPart
from ci_agent.forge.github_reply import Landed, Reply
from ci_agent.forge.run_types import (
    MAX_ANNOTATIONS_PER_REQUEST,
    Annotation,
    CheckConclusion,
    CheckOutput,
    CheckRun,
    CommitStatus,
)

if TYPE_CHECKING:
    from ci_agent.forge.protocol import CheckReporter, StatusReporter

__all__ = ["MAX_OUTPUT_CHARS", "MAX_STATUS_DESCRIPTION", "ChecksApi", "fit"]

MAX_OUTPUT_CHARS = 65_535  # output.summary and output.text, each
MAX_STATUS_DESCRIPTION = 140  # GitHub refuses longer commit-status descriptions
CHECK_RUNS = "/repos/{owner}/{repo}/check-runs"
CHECK_RUN = CHECK_RUNS + "/{check_run_id}"
RUNS_FOR_REF = "GET /repos/{owner}/{repo}/commits/{ref}/check-runs"


def fit(text: str, limit: int = MAX_OUTPUT_CHARS) -> str:
    """``text`` cut to ``limit`` characters, ending with a note saying how much was cut."""
    if len(text) <= limit:
        return text
    note, cut = "\n\n… (truncated: {} characters cut)", len(text) - limit
    while len(text) - (limit - len(note.format(cut))) != cut:  # the count's digits move it
        cut = len(text) - (limit - len(note.format(cut)))
    return text[: len(text) - cut] + note.format(cut)


def _wire(annotation: Annotation) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "path": annotation.path,
        "start_line": annotation.start_line,
        "end_line": annotation.end_line,
        "annotation_level": annotation.level,
        "message": annotation.message,
    }
    if annotation.title is not None:
        payload["title"] = annotation.title
    if annotation.raw_details is not None:
        payload["raw_details"] = annotation.raw_details
    return payload


def _key(item: dict[str, Any]) -> tuple[Any, ...]:
    """What identifies an annotation when comparing what was sent with what GitHub holds."""
    names = ("path", "start_line", "end_line", "annotation_level", "message")
    return tuple(item.get(name) for name in names)


class ChecksApi(GitHubPart):
    """CheckReporter and StatusReporter."""

    def start_check_run(self, name: str, head_sha: str, external_id: str = "") -> CheckRun:
        """Create a check run in progress; its ``external_id`` recognises a lost answer.

        Without one from the caller a random ``ci-agent-…`` id is sent, for that purpose.
        """
        external_id = external_id or f"ci-agent-{secrets.token_hex(8)}"
        payload = {
            "name": name,
            "head_sha": head_sha,
            "status": "in_progress",
            "external_id": external_id,
        }

        def probe() -> Reply | None:
            found = [r for r in self._runs(head_sha, name) if r["external_id"] == external_id]
            return Reply(data=found[-1]) if found else None

        reply = self._http.rest("POST " + CHECK_RUNS, body=payload, landed=probe)
        return parse.check_run(reply.data)

    def complete_check_run(
        self, check_run_id: int, conclusion: CheckConclusion, output: CheckOutput
    ) -> CheckRun:
        """Send the output, annotations in batches of 50; the last update completes the run."""
        size = MAX_ANNOTATIONS_PER_REQUEST
        notes = output.annotations
        batches = [notes[i : i + size] for i in range(0, len(notes), size)] or [()]
        reply = Reply()
        for index, batch in enumerate(batches):
            body: dict[str, Any] = {
                "output": {
                    "title": output.title,
                    "summary": fit(output.summary),
                    "text": fit(output.text),
                    "annotations": [_wire(a) for a in batch],
                }
            }
            if index == len(batches) - 1:
                body.update(status="completed", conclusion=conclusion)
            reply = self._http.rest(
                "PATCH " + CHECK_RUN,
                body=body,
                landed=self._batch_landed(check_run_id, batch) if batch else None,
                resend=not batch,
                check_run_id=check_run_id,
            )
        return parse.check_run(reply.data)

    def check_runs(self, head_sha: str, name: str | None = None) -> Iterator[CheckRun]:
        """Check runs on ``head_sha`` (optionally only ``name``)."""
        return (parse.check_run(item) for item in self._runs(head_sha, name))

    def check_run_annotations(self, check_run_id: int) -> Iterator[Annotation]:
        """The annotations the run holds (GitHub appends on every update; none can be removed)."""
        held = self._http.rest_pages("GET " + CHECK_RUN + "/annotations", check_run_id=check_run_id)
        return (
            Annotation(
                str(item["path"]),
                int(item["start_line"]),
                int(item["end_line"]),
                item["annotation_level"],
                str(item.get("message") or ""),
                item.get("title"),
                item.get("raw_details"),
            )
            for item in held
        )

    def set_status(self, sha: str, status: CommitStatus) -> None:
        """Set a commit status (a repeat of the same state is harmless, so re-sent freely)."""
        payload: dict[str, Any] = {
            "state": status.state,
            "context": status.context,
            "description": fit(status.description, MAX_STATUS_DESCRIPTION),
        }
        if status.target_url:
            payload["target_url"] = status.target_url
        self._http.rest(
            "POST /repos/{owner}/{repo}/statuses/{sha}", body=payload, resend=True, sha=sha
        )

    def _runs(self, head_sha: str, name: str | None) -> Iterator[dict[str, Any]]:
        query = {"check_name": name} if name else None
        return self._http.rest_pages(RUNS_FOR_REF, key="check_runs", query=query, ref=head_sha)

    def _batch_landed(self, check_run_id: int, batch: Sequence[Annotation]) -> Landed:
        """A probe: do the run's annotations already end with ``batch``?"""
        sent = [_key(_wire(a)) for a in batch]

        def probe() -> Reply | None:
            held = self._http.rest_pages(
                "GET " + CHECK_RUN + "/annotations", check_run_id=check_run_id
            )
            keys = [_key(item) for item in held]
            if keys[-len(sent) :] != sent:
                return None
            return self._http.rest("GET " + CHECK_RUN, check_run_id=check_run_id)

        return probe


if TYPE_CHECKING:

    def _conforms(api: ChecksApi) -> tuple[CheckReporter, StatusReporter]:
        return api, api
