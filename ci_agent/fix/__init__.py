"""Fix: triage failed CI runs. Job logs are read streaming (never whole in memory), failures
extracted by deterministic extractors, classified into a recovery strategy with a reason.
No language model is involved in triage.

Modules: ``logs`` (blocks and clean lines), ``scan`` (the streaming scanner), ``steps``
(runner markers), ``extractors`` (one module per family of tools), ``extract`` (one log in,
failures out), ``junit``, ``report`` (signature, excerpt), ``classify`` (strategy and reason),
``triage`` (local logs or a run through the forge), ``present`` (text and markdown).
"""

from __future__ import annotations

__all__: list[str] = []
