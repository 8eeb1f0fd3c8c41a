"""Triage: read failed CI runs and classify their failures. Job logs are read streaming (never
whole in memory), failures extracted by deterministic extractors and classified into a recovery
strategy with a reason. No language model is involved in triage.

Modules: ``logs`` (blocks and clean lines), ``layouts``, ``gh_output``, ``encodings`` and
``sources`` (where logs come from), ``scan`` (the streaming scanner), ``finder``, ``steps``
(runner markers), ``groups`` (step headers and a step's own groups), ``signals``,
``extractor`` and ``extractors`` (one module per family of tools), ``extract`` (one log in,
failures out), ``paths``, ``model`` (failure kinds and records), ``junit``, ``jobs``, ``report``
(per-job signature, excerpt), ``classify`` (strategy and reason), ``history`` (earlier runs of
the commit), ``rerun`` (re-running failed jobs within the cap), ``triage`` (local logs or a run
through the forge), ``present`` (text and markdown), ``whole`` (the whole result as JSON).
"""

from __future__ import annotations

__all__: list[str] = []
