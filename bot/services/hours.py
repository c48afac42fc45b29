"""When someone may be reached privately: their reminder hours and their quiet hours.

Reminders come within a person's reminder hours (/reminders 18-20; by default the
evening for volunteers, office hours for staff). Anything else sent to them unasked,
such as a request to take on a task, waits for the end of their quiet hours. Hours are
wall-clock times in the network's zone, so daylight saving never moves them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.availability import DAY, hours
from bot.config import ReminderSettings
from bot.db.models import CircleMembership, Member, Participation

Span = tuple[int, int]  # minutes after midnight; a quiet span may run past midnight


async def reminder_hours(session: AsyncSession, member: Member, settings: ReminderSettings) -> Span:
    """The member's own hours, else staff hours for staff and evening hours for everyone
    else (people who never said are planned for like volunteers)."""
    return (await reminder_hours_of(session, [member], settings))[member.id]


async def reminder_hours_of(
    session: AsyncSession, members: Sequence[Member], settings: ReminderSettings
) -> dict[int, Span]:
    """reminder_hours of each member, in one query."""
    said: dict[int, set[Participation | None]] = {member.id: set() for member in members}
    rows = await session.execute(
        select(CircleMembership.member_id, CircleMembership.participation).where(
            CircleMembership.member_id.in_(list(said))
        )
    )
    for member_id, participation in rows:
        said[member_id].add(participation)
    spans = {}
    for member in members:
        if member.reminder_start is not None and member.reminder_end is not None:
            spans[member.id] = (member.reminder_start, member.reminder_end)
            continue
        hers = said[member.id]
        staff = Participation.STAFF in hers and Participation.VOLUNTEER not in hers
        spans[member.id] = _configured(settings.staff_hours if staff else settings.volunteer_hours)
    return spans


def staff_hours(settings: ReminderSettings) -> Span:
    return _configured(settings.staff_hours)


def quiet_hours(member: Member, settings: ReminderSettings) -> Span:
    if member.quiet_start is not None and member.quiet_end is not None:
        return member.quiet_start, member.quiet_end
    return _configured(settings.quiet_hours, across_midnight=True)


def next_within(span: Span, after: datetime, tz: ZoneInfo) -> datetime:
    """The first moment from `after` on within the daily `span`."""
    start, end = span
    local = after.astimezone(tz)
    minute = local.hour * 60 + local.minute
    if start <= minute < end:
        return after
    return at_minute(local.date() + timedelta(days=1 if minute >= end else 0), start, tz)


def outside_quiet(span: Span, after: datetime, tz: ZoneInfo) -> datetime:
    """`after`, or the end of the quiet hours it falls in."""
    start, end = span
    local = after.astimezone(tz)
    minute = local.hour * 60 + local.minute
    if start <= end:
        quiet = start <= minute < end
        wakes = local.date()
    else:  # past midnight: "21-8"
        quiet = minute >= start or minute < end
        wakes = local.date() + timedelta(days=1 if minute >= start else 0)
    return at_minute(wakes, end, tz) if quiet else after


def at_minute(day: date, minute: int, tz: ZoneInfo) -> datetime:
    """The wall-clock `minute` of `day` (DAY: the midnight that ends it)."""
    base = datetime(day.year, day.month, day.day, tzinfo=tz)
    if minute >= DAY:
        return base + timedelta(days=1)
    return base.replace(hour=minute // 60, minute=minute % 60)


def _configured(text: str, across_midnight: bool = False) -> Span:
    found = hours(text, across_midnight=across_midnight)
    assert found is not None  # checked when the configuration was read
    return found
