"""Reminder rows as the services plan them: one row per moment, about one subject (a
meeting, a task, a circle: the kind says which table `subject_id` points into)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Reminder


def plan(
    session: AsyncSession,
    kind: str,
    due: datetime,
    subject_id: int,
    now: datetime,
    member_id: int | None = None,
) -> None:
    session.add(
        Reminder(
            kind=kind,
            due_at=due,
            subject_id=subject_id,
            member_id=member_id,
            payload={},
            created_at=now,
            attempts=0,
        )
    )


async def plan_each(
    session: AsyncSession,
    kind: str,
    subject_id: int,
    now: datetime,
    due: Mapping[int, datetime],
) -> None:
    """One row for each member in `due` (member id: when), in one statement however many:
    SQLite cannot batch the unit of work's inserts, which return each new id."""
    if not due:
        return
    await session.execute(
        insert(Reminder),
        [
            {"kind": kind, "due_at": at, "subject_id": subject_id, "member_id": member_id,
             "payload": {}, "created_at": now, "attempts": 0}
            for member_id, at in due.items()
        ],
    )  # fmt: skip


async def is_planned(session: AsyncSession, kind: str, subject_id: int) -> bool:
    """A row of `kind` about the subject is still to fire."""
    found = await session.scalar(
        select(Reminder.id)
        .where(
            Reminder.kind == kind,
            Reminder.subject_id == subject_id,
            Reminder.fired_at.is_(None),
        )
        .limit(1)
    )
    return found is not None


async def forget(
    session: AsyncSession, subject_id: int, kinds: Sequence[str], member_id: int | None = None
) -> None:
    """The subject's rows of these kinds that have not fired (only the member's, if given)."""
    statement = delete(Reminder).where(
        Reminder.subject_id == subject_id,
        Reminder.kind.in_(kinds),
        Reminder.fired_at.is_(None),
    )
    if member_id is not None:
        statement = statement.where(Reminder.member_id == member_id)
    await session.execute(statement)
