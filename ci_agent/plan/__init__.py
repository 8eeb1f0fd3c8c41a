"""Deployment planning: changed paths → affected units → dependency layers → steps with risk,
verification and rollback. Deterministic; the same inputs give the same plan bytes."""

from __future__ import annotations

__all__: list[str] = []
