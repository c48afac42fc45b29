"""When people can come to meetings: their weekly windows and their absences."""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, select
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
