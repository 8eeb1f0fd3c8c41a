"""The fake's settable clock, and GitHub's timestamp formats."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class Clock:
    """Wall-clock time by default; ``set`` freezes it at a moment, ``advance`` moves it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._frozen: datetime | None = None
        self._offset = timedelta()

    def now(self) -> datetime:
        """The current time (UTC, whole seconds, as GitHub reports it)."""
        with self._lock:
            current = self._frozen or datetime.now(UTC) + self._offset
        return current.replace(microsecond=0)

    def precise(self) -> datetime:
        """The current time with sub-second precision (for log line stamps and expiries)."""
        with self._lock:
            return self._frozen or datetime.now(UTC) + self._offset

    def timestamp(self) -> float:
        """Epoch seconds of ``precise()``."""
        return self.precise().timestamp()

    def set(self, when: datetime | str) -> None:
        """Freeze the clock at ``when`` (an aware datetime or an ISO-8601 string)."""
        moment = parse_time(when) if isinstance(when, str) else when.astimezone(UTC)
        with self._lock:
            self._frozen = moment

    def advance(self, seconds: float) -> None:
        """Move the clock forward (frozen or not)."""
        with self._lock:
            if self._frozen is not None:
                self._frozen += timedelta(seconds=seconds)
            else:
                self._offset += timedelta(seconds=seconds)

    def unfreeze(self) -> None:
        """Follow the wall clock again (keeping any offset from ``advance``)."""
        with self._lock:
            self._frozen = None


def iso(moment: datetime | None) -> str | None:
    """GitHub's timestamp form: ``2026-11-21T10:00:00Z``."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime:
    """Parse an ISO-8601 timestamp as GitHub accepts it (``Z`` or an offset, or a bare date)."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def log_stamp(moment: datetime) -> str:
    """The timestamp that prefixes each line of an Actions log: seven fractional digits."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond:06d}0Z"
