"""Many files at one commit in one GraphQL request per batch, instead of one REST request each.

GitHub's GraphQL ``Blob.text`` is the file decoded as UTF-8; it is used only when its encoded
length equals ``byteSize`` (so the bytes are exact). Binary, truncated or otherwise inexact
files are left for the caller to read one by one through the contents API.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ci_agent.forge.github_http import GitHubHttp

__all__ = ["BATCH", "read_blobs"]

# Files per request: GraphQL answers must stay well inside GitHub's 10 s and size limits.
BATCH = 25
_FIELDS = "__typename ... on Blob { byteSize isBinary isTruncated text }"


def read_blobs(http: GitHubHttp, paths: Sequence[str], ref: str) -> dict[str, bytes | None]:
    """The exact bytes of each path at ``ref`` that GraphQL can give; None for the rest."""
    found: dict[str, bytes | None] = {}
    unique = list(dict.fromkeys(paths))
    for start in range(0, len(unique), BATCH):
        batch = unique[start : start + BATCH]
        reply = http.graphql(_query(len(batch)), _variables(http, batch, ref))
        repository = (reply.data or {}).get("repository") or {}
        for index, path in enumerate(batch):
            found[path] = _exact(repository.get(f"f{index}"))
    return found


def _query(count: int) -> str:
    names = "".join(f", $e{i}: String!" for i in range(count))
    objects = " ".join(f"f{i}: object(expression: $e{i}) {{ {_FIELDS} }}" for i in range(count))
    return (
        f"query($owner: String!, $name: String!{names}) "
        f"{{ repository(owner: $owner, name: $name) {{ {objects} }} }}"
    )


def _variables(http: GitHubHttp, batch: Sequence[str], ref: str) -> dict[str, str]:
    # Expressions are variables, never spliced into the query: a path may hold any character.
    values = {"owner": http.repo.owner, "name": http.repo.name}
    values.update({f"e{i}": f"{ref}:{path}" for i, path in enumerate(batch)})
    return values


def _exact(node: Mapping[str, Any] | None) -> bytes | None:
    if not node or node.get("__typename") != "Blob" or node.get("isBinary"):
        return None
    text = node.get("text")
    if not isinstance(text, str) or node.get("isTruncated"):
        return None
    data = text.encode("utf-8", errors="surrogateescape")
    return data if len(data) == node.get("byteSize") else None
