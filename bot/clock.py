"""The one source of time. Tests and transcripts move a ManualClock instead of sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    def __init__(self, start: datetime) -> None:
        self._now = _as_utc(start)

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = _as_utc(when)

    def advance(self, delta: timedelta) -> None:
        self._now += delta


class NotBefore:
    """Reads `moment` until that moment has come, then the time of `base`: for work done
    ahead of its time, so that it acts, and queues what it sends, as of that moment."""

    def __init__(self, base: Clock, moment: datetime) -> None:
        self._base = base
        self._moment = moment

    def now(self) -> datetime:
        return max(self._base.now(), self._moment)


def _as_utc(when: datetime) -> datetime:
    if when.tzinfo is None:
        raise ValueError("the clock needs a timezone-aware datetime")
    return when.astimezone(UTC)
