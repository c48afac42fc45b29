"""When people can come to meetings: their weekly windows and their absences."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.availability import Absence, Statement, Window, merged
from bot.db import models


async def state(session: AsyncSession, member_id: int, today: date) -> Statement:
    """What `member_id` said, without absences that are over."""
    windows = await session.scalars(
        select(models.AvailabilityWindow).where(models.AvailabilityWindow.member_id == member_id)
    )
    absences = await session.scalars(
        select(models.Absence)
        .where(models.Absence.member_id == member_id, models.Absence.last_day >= today)
        .order_by(models.Absence.first_day)
    )
    return Statement(
        tuple(merged(Window(w.weekday, w.start_minute, w.end_minute) for w in windows)),
        tuple(Absence(a.first_day, a.last_day) for a in absences),
    )


async def record(session: AsyncSession, member_id: int, statement: Statement) -> None:
    """New windows replace the old ones; absences are added."""
    if statement.windows:
        await session.execute(
            delete(models.AvailabilityWindow).where(
                models.AvailabilityWindow.member_id == member_id
            )
        )
        session.add_all(
            models.AvailabilityWindow(
                member_id=member_id, weekday=w.weekday, start_minute=w.start, end_minute=w.end
            )
            for w in statement.windows
        )
    session.add_all(
        models.Absence(member_id=member_id, first_day=a.first, last_day=a.last)
        for a in statement.absences
    )


async def clear(session: AsyncSession, member_id: int) -> None:
    for model in (models.AvailabilityWindow, models.Absence):
        await session.execute(delete(model).where(model.member_id == member_id))


@dataclass(frozen=True, slots=True)
class Overview:
    members: int
    stated: int  # members who said when they can come
    # (weekday, hour): how many members can come for that whole hour, and how many of
    # them take part as volunteers.
    counts: dict[tuple[int, int], int]
    volunteers: dict[tuple[int, int], int]


async def overview(session: AsyncSession, circle_id: int) -> Overview:
    members = await session.scalar(
        select(func.count()).where(models.CircleMembership.circle_id == circle_id)
    )
    rows = await session.execute(
        select(models.AvailabilityWindow, models.CircleMembership.participation)
        .join(
            models.CircleMembership,
            models.CircleMembership.member_id == models.AvailabilityWindow.member_id,
        )
        .where(models.CircleMembership.circle_id == circle_id)
    )
    hours: dict[int, set[tuple[int, int]]] = {}  # member: the hours they can come
    volunteers: set[int] = set()
    for window, participation in rows:
        first, last = -(-window.start_minute // 60), window.end_minute // 60
        hours.setdefault(window.member_id, set()).update(
            (window.weekday, hour) for hour in range(first, last)
        )
        if participation is models.Participation.VOLUNTEER:
            volunteers.add(window.member_id)
    counts: dict[tuple[int, int], int] = {}
    of_volunteers: dict[tuple[int, int], int] = {}
    for member_id, covered in hours.items():
        for slot in covered:
            counts[slot] = counts.get(slot, 0) + 1
            if member_id in volunteers:
                of_volunteers[slot] = of_volunteers.get(slot, 0) + 1
    return Overview(members or 0, len(hours), counts, of_volunteers)
