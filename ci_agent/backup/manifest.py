"""MANIFEST.json and SHA256SUMS: what a backup holds, and the checksums that prove it.

The manifest is serialised with sorted keys and a fixed indent, so the same content always
gives the same bytes. ``files`` lists every member except MANIFEST.json and SHA256SUMS;
SHA256SUMS lists every member except itself (so an edited manifest is caught too).
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ci_agent.backup.naming import Kind, Mode
from ci_agent.errors import fail

__all__ = [
    "BUNDLE",
    "FORMAT",
    "MANIFEST",
    "META_DIR",
    "SCHEMA_VERSION",
    "SUMS",
    "WIKI_BUNDLE",
    "FileEntry",
    "GitPart",
    "Head",
    "Identity",
    "Link",
    "Manifest",
    "MetaPart",
    "Ref",
    "parse_manifest",
    "parse_sums",
    "render_sums",
]

FORMAT = "ci-agent-backup"
SCHEMA_VERSION = 1
MANIFEST = "MANIFEST.json"
SUMS = "SHA256SUMS"
BUNDLE = "git/repo.bundle"
WIKI_BUNDLE = "git/wiki.bundle"
META_DIR = "meta"
_HEX64 = r"^[0-9a-f]{64}$"
_SUM_LINE = re.compile(r"^([0-9a-f]{64})  (\S(?:.*\S)?)$")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FileEntry(_Model):
    """One member's SHA-256 (hex) and size in bytes."""

    sha256: str = Field(pattern=_HEX64)
    size: int = Field(ge=0)


class Ref(_Model):
    """A ref as ``git for-each-ref`` shows it; ``symref`` names the target of a symbolic one."""

    name: str
    sha: str
    type: str
    peeled: str | None = None  # the commit an annotated tag points to
    symref: str | None = None


class Head(_Model):
    """HEAD: the branch it names, or a detached commit (both None in an empty repository)."""

    symref: str | None = None
    sha: str | None = None


class GitPart(_Model):
    """The git side: refs at backup time and the bundle that carries new objects."""

    object_format: str = "sha1"
    bundle: str | None = None  # None: nothing new since the previous backup, or no commits
    head: Head = Head()
    refs: tuple[Ref, ...] = ()
    excluded: tuple[str, ...] = ()  # objects of the previous backup the bundle leaves out
    note: str | None = None


class MetaPart(_Model):
    """The GitHub side: records per resource, and the ``since`` watermarks."""

    skipped: str | None = None  # why no metadata at all was fetched
    counts: dict[str, int] = {}
    unavailable: dict[str, str] = {}  # resource -> why it is missing (e.g. issues disabled)
    since: dict[str, str | None] = {}  # the watermarks this backup listed from
    watermarks: dict[str, str | None] = {}  # where the next incremental backup starts
    notes: tuple[str, ...] = ()


class Identity(_Model):
    """Which repository a backup is of: its GitHub repository, or, for a repository with no
    GitHub remote, its root commit(s) and remote URL (a directory name proves nothing)."""

    github: str | None = None
    roots: tuple[str, ...] = ()
    remote: str | None = None

    def same(self, other: Identity) -> bool:
        """Whether both name the same repository (GitHub names compare case-insensitively)."""
        if self.github or other.github:
            return (self.github or "").lower() == (other.github or "").lower()
        return self.roots == other.roots and self.remote == other.remote

    def describe(self) -> str:
        """``owner/name``, or the root commits and remote."""
        if self.github:
            return self.github
        roots = ", ".join(r[:12] for r in self.roots[:3]) or "no commits"
        if len(self.roots) > 3:
            roots += f" and {len(self.roots) - 3} more (the manifest lists them all)"
        return f"the repository with root commit(s) {roots} and remote {self.remote or 'none'}"


class Link(_Model):
    """Another backup, by name and archive SHA-256."""

    name: str
    sha256: str = Field(pattern=_HEX64)
    created_at: str


class Manifest(_Model):
    """The whole MANIFEST.json."""

    format: Literal["ci-agent-backup"] = "ci-agent-backup"
    schema_version: Literal[1] = 1
    tool: dict[str, str]
    name: str
    repository: str
    identity: Identity | None = None  # absent in backups made before it was recorded
    created_at: str
    kind: Kind
    mode: Mode
    previous: Link | None = None
    chain: tuple[Link, ...] = ()  # every backup this one builds on, the full one first
    git: GitPart
    wiki: GitPart | None = None  # the wiki repository, whole, when it has pages
    metadata: MetaPart
    api_requests: int = 0
    compression_level: int = Field(default=6, ge=0, le=9)
    files: dict[str, FileEntry]

    @model_validator(mode="after")
    def _consistent(self) -> Manifest:
        if (self.mode == "full") != (not self.chain):
            raise ValueError("a full backup has no chain; an incremental one has one")
        if (self.chain[-1] if self.chain else None) != self.previous:
            raise ValueError("'previous' must be the last link of 'chain'")
        for part in (self.git, self.wiki):
            if part is not None and part.bundle is not None and part.bundle not in self.files:
                raise ValueError(f"the bundle {part.bundle} is not among the files")
        return self

    def to_bytes(self) -> bytes:
        """Canonical JSON: sorted keys, two-space indent, UTF-8, final newline."""
        data = self.model_dump(mode="json")
        return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()

    @property
    def refs_by_name(self) -> dict[str, Ref]:
        """The refs keyed by name."""
        return {ref.name: ref for ref in self.git.refs}


def parse_manifest(data: bytes, file: str) -> Manifest:
    """Parse MANIFEST.json; CA521 when it is not ours, CA523 when it is malformed."""
    try:
        raw: Any = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise fail("CA521", file=file, problem=f"MANIFEST.json is not JSON ({exc})") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise fail("CA521", file=file, problem="MANIFEST.json has no 'format: ci-agent-backup'")
    if raw.get("schema_version") != SCHEMA_VERSION:
        version = raw.get("schema_version")
        problem = f"manifest schema version {version!r}; this ci-agent reads {SCHEMA_VERSION}"
        raise fail("CA521", file=file, problem=problem)
    try:
        return Manifest.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "manifest"
        raise fail("CA523", file=file, problem=f"MANIFEST.json: {where}: {first['msg']}") from None


def render_sums(files: dict[str, FileEntry]) -> bytes:
    """SHA256SUMS in ``sha256sum`` format, sorted by path."""
    return "".join(f"{files[path].sha256}  {path}\n" for path in sorted(files)).encode()


def parse_sums(data: bytes, file: str) -> dict[str, str]:
    """Path -> SHA-256 from SHA256SUMS; CA523 on a malformed or repeated line."""
    sums: dict[str, str] = {}
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise fail("CA523", file=file, problem="SHA256SUMS is not UTF-8 text") from None
    for number, line in enumerate(text.splitlines(), start=1):
        match = _SUM_LINE.match(line)
        if match is None or match[2] in sums:
            problem = f"SHA256SUMS line {number} is malformed or repeated: {line[:80]!r}"
            raise fail("CA523", file=file, problem=problem)
        sums[match[2]] = match[1]
    if not text.endswith("\n"):
        raise fail("CA523", file=file, problem="SHA256SUMS does not end with a newline")
    return sums
