"""Which changed files are not worth a review: lock files, minified, generated, vendored."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pathspec

__all__ = ["DEFAULT_EXCLUDES", "Excluder"]

# gitignore-style patterns (pathspec's GitIgnoreSpec), matched against repository paths.
DEFAULT_EXCLUDES: tuple[str, ...] = (
    "*.lock",
    "package-lock.json",
    "npm-shrinkwrap.json",
    "pnpm-lock.yaml",
    "go.sum",
    "*.min.js",
    "*.min.css",
    "*.map",
    "*_pb2.py",
    "*_pb2_grpc.py",
    "*.pb.go",
    "*.generated.*",
    "__snapshots__/",
    "vendor/",
    "third_party/",
    "node_modules/",
    "dist/",
)


class Excluder:
    """Matches paths against the defaults plus the configured ``review.exclude`` globs."""

    def __init__(self, extra: Sequence[str] = (), *, defaults: bool = True) -> None:
        self._patterns = (*(DEFAULT_EXCLUDES if defaults else ()), *extra)
        self._spec: pathspec.GitIgnoreSpec | None = None

    def excluded(self, path: str) -> bool:
        """Whether ``path`` is excluded."""
        import pathspec

        if self._spec is None:
            self._spec = pathspec.GitIgnoreSpec.from_lines(self._patterns)
        return bool(self._spec.match_file(path))
