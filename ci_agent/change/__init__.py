"""The change core: checks that decide whether a change to a repository may be proposed or
landed, whatever capability made it."""

from __future__ import annotations

__all__: list[str] = []
