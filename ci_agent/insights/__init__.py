"""CI insights: a repository's workflow history → metrics, flakiness, recommendations and a
dashboard issue kept up to date incrementally. Deterministic; the numbers carry their runs."""

from __future__ import annotations

__all__: list[str] = []
