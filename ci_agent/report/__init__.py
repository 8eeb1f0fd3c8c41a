"""The report layer: what a run found, and one module per surface that shows it.

``limits`` (GitHub's size limits, each with its source), ``fit`` (leaving out whole rows to fit
them), ``sticky_comment`` (ci-agent's own comments, found by marker and edited in place),
``artifact`` (the whole report as a file the action uploads), ``markdown`` (untrusted text made
safe on a parsed tree). Modules are imported directly; this package exports nothing itself.
"""

from __future__ import annotations

__all__: list[str] = []
