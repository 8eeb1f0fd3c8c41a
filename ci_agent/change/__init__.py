"""The change core: a verified change to a repository, whatever capability proposes it. The
model's search/replace edits (which may modify or add files) are applied exactly by
deterministic code in a scratch worktree, checked against the policy and proved with the
repository's tests; the unprivileged job hands the result to the privileged job as a bundle,
which lands it through the API.

Modules: ``edits`` (answer format, applying edits), ``policy`` (protected paths, secrets,
suppressions), ``weakening`` (tests deleted or weakened, by ``ast``), ``tampering``, ``danger``
and ``pytest_options`` (what a patch adds on the syntax tree and in pytest's configuration),
``scope`` and ``claims`` (what landing may touch and say), ``worktree`` (scratch
``git worktree``), ``proof`` (tests before and after), ``test_runner`` (the user's tests in
the user's environment: ``job_python`` finds the command, ``junit_outcomes`` and
``coverage_data`` read what a run left), ``sandbox`` (where repository code runs:
``isolation`` chooses the mechanism, ``secret_places`` what it hides, ``sandbox_init`` sets it
up inside the namespaces, ``process`` runs and stops commands), ``bundle`` (the artifact
between the jobs), ``landing`` (finding and re-checking a bundle), ``deliver`` (commit,
suggestions or a check), ``guards`` (loop guards: runs per commit and per day, chains of
own commits).
"""

from __future__ import annotations

__all__: list[str] = []
