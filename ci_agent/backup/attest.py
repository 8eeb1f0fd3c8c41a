"""Whether GitHub holds an artifact attestation of an archive from the backup workflow.

Checksums prove integrity: the bytes are the ones the manifest and SHA256SUMS describe. They
prove nothing about who wrote them: whoever edits an archive can recompute every checksum.
``workflows/backup.yml`` therefore attests each archive with ``actions/attest-build-provenance``
(a Sigstore-signed in-toto statement naming the archive's SHA-256 and the workflow run that
made it). Here the attestations API is asked for attestations of the archive's digest, and the
statement of each is read: subject digest, repository, workflow path and ref.

This reads what GitHub stores; it does not check the Sigstore signature and certificate chain.
``gh attestation verify FILE --repo OWNER/NAME`` does, offline once the trust root is fetched.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from ci_agent.forge.run_types import Record, RepoFacts

__all__ = ["Attestation", "AttestationReader", "check_attestation"]

Status = Literal["attested", "other", "absent"]


class AttestationReader(Protocol):
    """The attestations API."""

    def attestations(self, sha256: str) -> list[Record]:
        """Attestations of subject ``sha256:HEX`` in the repository."""


@dataclass(frozen=True)
class Attestation:
    """The answer for one archive: attested by the backup workflow, by something else, or not
    at all; ``detail`` says which workflow and ref the statement names."""

    status: Status
    detail: str


def _statement(item: Record) -> dict[str, Any] | None:
    """The in-toto statement inside an attestation's DSSE envelope (None if unreadable)."""
    try:
        payload = item["bundle"]["dsseEnvelope"]["payload"]
        data = json.loads(base64.b64decode(payload))
    except (KeyError, TypeError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _workflow(statement: dict[str, Any]) -> dict[str, str]:
    try:
        found = statement["predicate"]["buildDefinition"]["externalParameters"]["workflow"]
    except (KeyError, TypeError):
        return {}
    return {k: str(v) for k, v in found.items()} if isinstance(found, dict) else {}


def _subjects(statement: dict[str, Any]) -> set[str]:
    subjects = statement.get("subject")
    if not isinstance(subjects, list):
        return set()
    return {
        str(s.get("digest", {}).get("sha256", "")).lower() for s in subjects if isinstance(s, dict)
    }


def check_attestation(
    reader: AttestationReader, sha256: str, facts: RepoFacts, workflow: str
) -> Attestation:
    """Look for an attestation of ``sha256`` made by ``workflow`` on the default branch."""
    items = reader.attestations(sha256)
    if not items:
        return Attestation("absent", "GitHub holds no attestation of this digest")
    seen = []
    ref = f"refs/heads/{facts.default_branch}"
    for item in items:
        statement = _statement(item)
        if statement is None:
            if item.get("repository_id") == facts.id:
                seen.append("an attestation whose statement GitHub did not include")
            continue
        found = _workflow(statement)
        where = f"{found.get('path', '?')}@{found.get('ref', '?')}"
        repository = found.get("repository", "").rstrip("/").lower()
        if sha256.lower() not in _subjects(statement):
            seen.append(f"{where} (for another subject)")
        elif not repository.endswith("/" + facts.full_name.lower()):
            seen.append(f"{where} of {found.get('repository')}")
        elif (not workflow.isdigit() and found.get("path") != workflow) or found.get("ref") != ref:
            seen.append(where)  # a workflow id cannot be compared with the statement's path
        else:
            return Attestation("attested", f"by {where} of {facts.full_name}")
    return Attestation("other", "attested only by " + "; ".join(seen[:3]))
