"""Extract a backup safely and check every byte: the archive's SHA-256, each member against
MANIFEST.json and SHA256SUMS, and every JSONL line. Git is checked by :mod:`.verify`.

Extraction is bounded: MANIFEST.json comes first and is read under a cap; from then on only
the members it lists are written, each at most its listed size, all of them within a budget
(``--max-bytes``). A decompression bomb is refused at its first unlisted or oversized member
header, before a byte of that member is written.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ci_agent.backup.archive import CHUNK, digest_file, gzip_header
from ci_agent.backup.manifest import MANIFEST, SUMS, FileEntry, Manifest, parse_manifest, parse_sums
from ci_agent.backup.metadata import resource_file
from ci_agent.backup.scan import MAX_MANIFEST, Member, scan_archive
from ci_agent.errors import CiAgentError, fail

__all__ = ["DEFAULT_BUDGET", "Checked", "check_archive", "check_directory"]

Progress = Callable[[int], None]
# What verify and restore write at most for one archive unless --max-bytes says otherwise.
DEFAULT_BUDGET = 64 << 30


@dataclass
class Checked:
    """One backup after its file checks: where its files are and what was wrong."""

    label: str
    root: Path
    sha256: str | None = None
    size: int = 0
    manifest: Manifest | None = None
    problems: list[CiAgentError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every check passed."""
        return not self.problems and self.manifest is not None


class _Extractor:
    """Writes members under ``root`` within the manifest's word: MANIFEST.json first (capped),
    then only the members it lists, each exactly as large as listed, the whole within
    ``budget``. Anything else is refused before a byte of it is written."""

    def __init__(self, root: Path, label: str, budget: int) -> None:
        self.root, self.label, self.budget = root, label, budget
        self.actual: dict[str, FileEntry] = {}
        self.allowed: dict[str, int] = {}
        self.written = 0

    def _refuse(self, problem: str) -> CiAgentError:
        return fail("CA526", file=self.label, problem=problem)

    def _admit(self, member: Member) -> None:
        if not self.actual:
            if member.name != MANIFEST:
                raise fail(
                    "CA521", file=self.label, problem="its first member is not MANIFEST.json"
                )
            if member.size > min(MAX_MANIFEST, self.budget):
                raise self._refuse(f"MANIFEST.json has {member.size} bytes, more than allowed")
            return
        if not self.allowed:
            self._plan()
        limit = self.allowed.get(member.name)
        if limit is None:
            raise self._refuse(f"{member.name} is not listed in MANIFEST.json")
        if member.size > limit or (member.name != SUMS and member.size != limit):
            raise self._refuse(
                f"{member.name} has {member.size} bytes, MANIFEST.json lists {limit}"
            )

    def _plan(self) -> None:
        """The members MANIFEST.json allows, and their total against the budget."""
        manifest = parse_manifest((self.root / MANIFEST).read_bytes(), self.label)
        self.allowed = {path: entry.size for path, entry in manifest.files.items()}
        # SHA256SUMS: one line (64 hex, two spaces, the name, newline) per file and the manifest.
        names = [*manifest.files, MANIFEST]
        # A cap, not an exact size: a damaged SHA256SUMS is reported line by line after.
        self.allowed[SUMS] = sum(68 + len(name.encode()) for name in names) + 4096
        total = self.written + sum(self.allowed.values())
        if total > self.budget:
            raise self._refuse(
                f"MANIFEST.json lists {total} bytes, more than the {self.budget} allowed "
                "(--max-bytes)"
            )

    def __call__(self, member: Member) -> None:
        self._admit(member)
        target = self.root / member.name
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            handle = target.open("xb")
        except (FileExistsError, NotADirectoryError, IsADirectoryError):
            raise fail(
                "CA522",
                file=self.label,
                member=member.name,
                problem="it collides with another member",
            ) from None
        sha, size = hashlib.sha256(), 0
        with handle:
            while chunk := member.stream.read(min(CHUNK, member.size - size + 1)):
                size += len(chunk)
                if size > member.size:  # pragma: no cover - tarfile never reads past a member
                    raise self._refuse(f"{member.name} holds more than its {member.size} bytes")
                sha.update(chunk)
                handle.write(chunk)
        self.written += size
        self.actual[member.name] = FileEntry(sha256=sha.hexdigest(), size=size)


def check_archive(
    path: Path,
    work: Path,
    expected: str | None,
    progress: Progress | None = None,
    budget: int = DEFAULT_BUDGET,
) -> Checked:
    """Extract ``path`` into ``work`` and check it; ``expected`` is its known SHA-256, and
    at most ``budget`` bytes are written."""
    label = path.name
    root = work / label.removesuffix(".tar.gz")
    root.mkdir(parents=True, exist_ok=True)
    extractor = _Extractor(root, label, budget)
    scan = scan_archive(path, extractor, progress)
    actual = extractor.actual
    checked = Checked(label, root, scan.sha256, scan.size)
    if expected is not None and expected.lower() != scan.sha256:
        checked.problems.append(fail("CA503", file=label, expected=expected, actual=scan.sha256))
    if scan.error is not None:
        checked.problems.append(scan.error)
        return checked
    _check_contents(checked, actual)
    if checked.manifest is not None:
        wanted = gzip_header(checked.manifest.compression_level)
        if scan.header != wanted:
            problem = f"the gzip header is {scan.header.hex()}, ci-agent writes {wanted.hex()}"
            checked.problems.append(fail("CA523", file=label, problem=problem))
    return checked


def check_directory(root: Path) -> Checked:
    """Check an extracted backup in place (links and special files are refused)."""
    label = root.name or str(root)
    checked = Checked(label, root)
    actual: dict[str, FileEntry] = {}
    for folder, dirs, files in os.walk(root):
        for name in sorted(dirs + files):
            path = Path(folder, name)
            relative = path.relative_to(root).as_posix()
            if path.is_symlink() or not (path.is_dir() or path.is_file()):
                problem = "a link or special file"
                checked.problems.append(fail("CA522", file=label, member=relative, problem=problem))
            elif path.is_file():
                actual[relative] = digest_file(path)
        dirs[:] = [d for d in dirs if not Path(folder, d).is_symlink()]
    _check_contents(checked, actual)
    return checked


def _check_contents(checked: Checked, actual: dict[str, FileEntry]) -> None:
    label, problems = checked.label, checked.problems
    if MANIFEST not in actual:
        problems.append(fail("CA521", file=label, problem="it has no MANIFEST.json"))
        return
    try:
        manifest = parse_manifest((checked.root / MANIFEST).read_bytes(), label)
    except CiAgentError as exc:
        problems.append(exc)
        manifest = None
    listed = _sums(checked, actual)
    for path, sha in sorted(listed.items()):
        if path not in actual:
            problem = f"{path} is listed in SHA256SUMS but missing from the backup"
            problems.append(fail("CA523", file=label, problem=problem))
        elif actual[path].sha256 != sha:
            mismatch = fail(
                "CA503", file=f"{label}:{path}", expected=sha, actual=actual[path].sha256
            )
            problems.append(mismatch)
    for path in sorted(set(actual) - set(listed) - {SUMS}):
        problem = f"{path} is in the backup but not in SHA256SUMS"
        problems.append(fail("CA523", file=label, problem=problem))
    if manifest is None:
        return
    checked.manifest = manifest
    _against_manifest(checked, manifest, actual)


def _sums(checked: Checked, actual: dict[str, FileEntry]) -> dict[str, str]:
    if SUMS not in actual:
        checked.problems.append(fail("CA523", file=checked.label, problem="SHA256SUMS is missing"))
        return {}
    try:
        return parse_sums((checked.root / SUMS).read_bytes(), checked.label)
    except CiAgentError as exc:
        checked.problems.append(exc)
        return {}


def _against_manifest(checked: Checked, manifest: Manifest, actual: dict[str, FileEntry]) -> None:
    label, problems = checked.label, checked.problems
    for path, entry in sorted(manifest.files.items()):
        have = actual.get(path)
        if have is None:
            problem = f"{path} is listed in MANIFEST.json but missing from the backup"
            problems.append(fail("CA523", file=label, problem=problem))
        elif have.sha256 != entry.sha256:
            problems.append(
                fail("CA503", file=f"{label}:{path}", expected=entry.sha256, actual=have.sha256)
            )
        elif have.size != entry.size:
            problem = f"{path} has {have.size} bytes, MANIFEST.json says {entry.size}"
            problems.append(fail("CA523", file=label, problem=problem))
    for path in sorted(set(actual) - set(manifest.files) - {MANIFEST, SUMS}):
        problem = f"{path} is in the backup but not in MANIFEST.json"
        problems.append(fail("CA523", file=label, problem=problem))
    for resource, count in sorted(manifest.metadata.counts.items()):
        member = resource_file(resource)
        if member in actual:
            _check_jsonl(checked, member, count)


def _check_jsonl(checked: Checked, member: str, expected: int) -> None:
    """Every line one JSON object, as many lines as the manifest counts."""
    lines = 0
    with (checked.root / member).open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            lines = number
            try:
                ok = line.endswith(b"\n") and isinstance(json.loads(line), dict)
            except ValueError:
                ok = False
            if not ok:
                problem = f"{member} line {number} is not a JSON object on one line"
                checked.problems.append(fail("CA523", file=checked.label, problem=problem))
                return
    if lines != expected:
        problem = f"{member} has {lines} records, MANIFEST.json counts {expected}"
        checked.problems.append(fail("CA523", file=checked.label, problem=problem))
