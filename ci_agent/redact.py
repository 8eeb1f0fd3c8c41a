"""Redaction of credential values from any text ci-agent prints or posts."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["MASK", "Redactor"]

MASK = "***"
# Shorter values would mask ordinary words; GitHub's runner has the same floor in spirit.
MIN_SECRET_LENGTH = 4


class Redactor:
    """Replaces every known secret value (longest first) with ``***``."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        values = {s for s in secrets if len(s) >= MIN_SECRET_LENGTH}
        self._secrets = sorted(values, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        """Return ``text`` with every secret masked."""
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text
