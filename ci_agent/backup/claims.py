"""What a bundle itself says, checked against what the manifest claims.

A git bundle starts with a text header: ``# v2 git bundle`` or ``# v3 git bundle`` with
``@object-format=…`` capabilities, ``-SHA`` prerequisite lines, then ``SHA REFNAME`` for every
ref it carries (HEAD included), then an empty line and the pack. The header is read here, with
no git process, and every claim the manifest makes about the data is compared with it: the
object format, each bundled ref's target, HEAD, and for the refs a bundle leaves out (an
incremental one) that they point to objects the previous backup already holds. Annotated
tags' peeled targets and symbolic refs are checked on the rebuilt repository
(:func:`ci_agent.backup.gitdata.compare_refs`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ci_agent.backup.manifest import GitPart
from ci_agent.errors import CiAgentError, fail

__all__ = ["BundleHeader", "check_claims", "read_header"]

_MAX_HEADER = 256 << 20  # a header listing millions of refs stays below this


@dataclass(frozen=True)
class BundleHeader:
    """A bundle's version, object format, prerequisites and refs (name -> SHA)."""

    version: int
    object_format: str
    prerequisites: tuple[str, ...] = ()
    refs: dict[str, str] = field(default_factory=dict)


def read_header(path: Path, file: str) -> BundleHeader:
    """Parse the header of the bundle at ``path``; CA527 when it is not a bundle header."""
    refs: dict[str, str] = {}
    prerequisites: list[str] = []
    object_format, read = "sha1", 0
    with path.open("rb") as handle:
        first = handle.readline()
        if first not in (b"# v2 git bundle\n", b"# v3 git bundle\n"):
            raise fail("CA527", file=file, problem="the bundle has no git bundle header")
        version = 3 if b"v3" in first else 2
        while True:
            raw = handle.readline()
            read += len(raw)
            if not raw.endswith(b"\n") or read > _MAX_HEADER:
                raise fail("CA527", file=file, problem="the bundle header is cut short")
            line = raw.decode("utf-8", errors="replace").rstrip("\n")
            if not line:
                break
            if line.startswith("@"):
                key, _, value = line[1:].partition("=")
                if key == "object-format":
                    object_format = value
            elif line.startswith("-"):
                prerequisites.append(line[1:].split(" ", 1)[0])
            else:
                sha, _, name = line.partition(" ")
                refs[name] = sha
    return BundleHeader(version, object_format, tuple(prerequisites), refs)


def _problems(part: GitPart, header: BundleHeader | None, known: frozenset[str]) -> list[str]:
    problems = []
    if header is not None and header.object_format != part.object_format:
        problems.append(
            f"object format {part.object_format}, the bundle's is {header.object_format}"
        )
    bundled = dict(header.refs) if header else {}
    head_sha = bundled.pop("HEAD", None)
    if head_sha is not None and head_sha != part.head.sha:
        problems.append(f"HEAD is {part.head.sha}, the bundle's HEAD is {head_sha}")
    claimed = {ref.name: ref for ref in part.refs}
    for name, sha in sorted(bundled.items()):
        ref = claimed.get(name)
        if ref is None:
            problems.append(f"the bundle carries {name}, which the manifest does not list")
        elif ref.sha != sha:
            problems.append(f"{name} is {ref.sha}, the bundle's {name} is {sha}")
    for name, ref in sorted(claimed.items()):
        if name in bundled:
            continue
        if not known:
            if header is not None:  # a full bundle lists every ref it was made from
                problems.append(f"{name} is not in the bundle")
        elif ref.sha not in known and ref.sha not in bundled.values():
            problems.append(
                f"{name} points to {ref.sha}, which neither the bundle's refs nor "
                "the previous backup's hold"
            )
    if part.head.sha and head_sha is None and header is not None and not known:
        problems.append("the bundle has no HEAD")
    return problems


def check_claims(
    part: GitPart, bundle: Path | None, previous: GitPart | None, file: str
) -> list[CiAgentError]:
    """A manifest's claims about one repository (``git`` or ``wiki``) against its bundle
    (and, for an incremental one, the previous backup's refs)."""
    try:
        header = read_header(bundle, file) if bundle is not None else None
    except CiAgentError as exc:
        return [exc]
    known: frozenset[str] = frozenset()
    if previous is not None:
        old = previous
        known = frozenset(
            {r.sha for r in old.refs}
            | {r.peeled for r in old.refs if r.peeled}
            | ({old.head.sha} if old.head.sha else set())
        )
        if frozenset(part.excluded) != known:
            problem = "the objects it leaves out are not the previous backup's refs"
            return [fail("CA527", file=file, problem=problem)]
    elif part.excluded:
        return [fail("CA527", file=file, problem="a full backup that leaves objects out")]
    if header is None and part.refs and previous is None:
        return [fail("CA527", file=file, problem="refs are listed but there is no bundle")]
    problems = _problems(part, header, known)
    if not problems:
        return []
    shown = "; ".join(problems[:3]) + (
        f"; and {len(problems) - 3} more" if len(problems) > 3 else ""
    )
    return [fail("CA527", file=file, problem=shown)]
