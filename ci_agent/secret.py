"""A credential value that never shows itself: not in repr(), str(), logs or JSON."""

from __future__ import annotations

__all__ = ["Secret"]


class Secret:
    """A credential whose text never appears in repr(), str() or JSON."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret text, for the one place that sends it."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)
