"""Which meeting times to propose: the slots most members, volunteers first, can come to.

Pure and fast (bench/bench_meetings.py): each person's weekly windows become one bit mask
per weekday at 15-minute resolution, so "can this person come from 18:00 to 20:00 on a
Tuesday" is one shift and one comparison.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.availability import Absence, Window

STEP = 15  # minutes between candidate start times
MAX_SLOTS = 12


@dataclass(frozen=True, slots=True)
class Person:
    volunteer: bool
    windows: tuple[Window, ...]  # none: unknown, neither counted for nor against a slot
    absences: tuple[Absence, ...] = ()


@dataclass(frozen=True, slots=True)
class Candidate:
    starts_at: datetime  # aware, in the network's time zone
    can_come: int  # people whose windows cover the whole slot
    volunteers: int  # of them, volunteers
    unknown: int  # people who have not said when they can come


def _mask(windows: Iterable[Window]) -> dict[int, int]:
    """Per weekday, bit n set: the quarter hour from n*15 minutes on is covered."""
    masks: dict[int, int] = {}
    for window in windows:
        first, last = -(-window.start // STEP), window.end // STEP
        if last > first:
            bits = ((1 << (last - first)) - 1) << first
            masks[window.weekday] = masks.get(window.weekday, 0) | bits
    return masks


def propose(
    people: Sequence[Person],
    meeting_window: Sequence[Window],
    *,
    first_day: date,
    last_day: date,
    duration: int,
    tz: ZoneInfo,
    holidays: Collection[date] = (),
    busy: Sequence[tuple[datetime, datetime]] = (),
    count: int = 5,
) -> list[Candidate]:
    """Up to `count` slots between the two days: most volunteers, then most people, and
    among equals a weekday not proposed yet, then the earliest; one slot a day."""
    candidates = candidates_between(
        people, meeting_window, first_day, last_day, duration, tz, holidays, busy
    )
    chosen: list[Candidate] = []
    days: set[date] = set()
    weekdays: set[int] = set()
    for _ in range(min(count, MAX_SLOTS)):
        best: Candidate | None = None
        best_key: tuple[int, int, bool] | None = None
        for candidate in candidates:  # in time order: the first of equals wins
            day = candidate.starts_at.date()
            if day in days:
                continue
            key = (candidate.volunteers, candidate.can_come, day.weekday() not in weekdays)
            if best_key is None or key > best_key:
                best, best_key = candidate, key
        if best is None or (best.can_come == 0 and best.unknown < len(people)):
            break  # nobody who said when they can come could come: no slot worth polling
        chosen.append(best)
        days.add(best.starts_at.date())
        weekdays.add(best.starts_at.weekday())
    return sorted(chosen, key=lambda c: c.starts_at)


def candidates_between(
    people: Sequence[Person],
    meeting_window: Sequence[Window],
    first_day: date,
    last_day: date,
    duration: int,
    tz: ZoneInfo,
    holidays: Collection[date] = (),
    busy: Sequence[tuple[datetime, datetime]] = (),
) -> list[Candidate]:
    """Every start time, STEP minutes apart, at which the whole meeting fits the meeting
    window, on a day that is not a holiday, clear of `busy` times; with who can come."""
    quarters = -(-duration // STEP)
    need = (1 << quarters) - 1
    allowed = _mask(meeting_window)
    known = [(_mask(p.windows), p.volunteer, p.absences) for p in people if p.windows]
    unknown = len(people) - len(known)
    found: list[Candidate] = []
    day = first_day
    while day <= last_day:
        if day not in holidays and (window := allowed.get(day.weekday())):
            present = [
                (masks.get(day.weekday(), 0), volunteer)
                for masks, volunteer, absences in known
                if not any(a.first <= day <= a.last for a in absences)
            ]
            for quarter in range(0, 24 * 60 // STEP - quarters + 1):
                if (window >> quarter) & need != need:
                    continue
                minutes = quarter * STEP
                starts = datetime(
                    day.year, day.month, day.day, minutes // 60, minutes % 60, tzinfo=tz
                )
                if _clashes(starts, duration, busy):
                    continue
                can = volunteers = 0
                for mask, volunteer in present:
                    if (mask >> quarter) & need == need:
                        can += 1
                        volunteers += volunteer
                found.append(Candidate(starts, can, volunteers, unknown))
        day += timedelta(days=1)
    return found


def assess(people: Sequence[Person], starts_at: datetime, duration: int, tz: ZoneInfo) -> Candidate:
    """Who can come to one slot, also one set by hand at any minute."""
    local = starts_at.astimezone(tz)
    day, start = local.date(), local.hour * 60 + local.minute
    can = volunteers = unknown = 0
    for person in people:
        if not person.windows:
            unknown += 1
        elif not any(a.first <= day <= a.last for a in person.absences) and any(
            w.weekday == day.weekday() and w.start <= start and start + duration <= w.end
            for w in person.windows
        ):
            can += 1
            volunteers += person.volunteer
    return Candidate(local, can, volunteers, unknown)


def _clashes(starts: datetime, duration: int, busy: Sequence[tuple[datetime, datetime]]) -> bool:
    ends = starts + timedelta(minutes=duration)
    return any(start < ends and starts < end for start, end in busy)
