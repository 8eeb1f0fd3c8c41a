"""Repository backups: git bundle + GitHub metadata as JSONL, in a deterministic, checksummed
tar.gz that can be verified byte by byte and restored.

Layout of one archive (members sorted, regular files only)::

    MANIFEST.json         what, when, refs, per-file SHA-256 and size, counts, watermarks
    SHA256SUMS            ``sha256sum -c`` format, every member but itself
    git/repo.bundle       all refs (absent when git did not change since the previous backup)
    meta/<resource>.jsonl GitHub's JSON, one record a line

Modules, from the bottom up: :mod:`.naming` (file names), :mod:`.manifest`, :mod:`.archive`
(deterministic, atomic writing), :mod:`.scan` (checked reading), :mod:`.gitdata`,
:mod:`.metadata` (JSONL export through the forge), :mod:`.merge` (JSONL over a chain),
:mod:`.stores` and :mod:`.artifacts` (a directory, Actions artifacts), :mod:`.previous`,
:mod:`.create`, :mod:`.extract`, :mod:`.verify`, :mod:`.restore`, :mod:`.retention`,
:mod:`.catalog`; the jobs the CLI runs: :mod:`.context`, :mod:`.locate`, :mod:`.jobs`
(create, verify, restore), :mod:`.inventory` (list, stats, prune), :mod:`.report`.
"""

__all__: list[str] = []
