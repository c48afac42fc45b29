"""Overviews of a circle's tasks: the coordinators' weekly digest and the CSV export."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import task_messages as say
from bot.db.models import Circle, Member, Reminder, Task, TaskStatus
from bot.runtime import Runtime
from bot.services import circles, tasks

WEEK = timedelta(days=7)


async def digest(session: AsyncSession, runtime: Runtime, reminder: Reminder) -> None:
    """Overdue, due within the week, done within the week: to each of the circle's
    coordinators. A circle with none of these gets none, and no next one until its next
    task is given."""
    circle = await session.get(Circle, reminder.subject_id)
    if circle is None:
        return
    now = runtime.clock.now()
    today = now.astimezone(runtime.settings.network.tz).date()
    open_ = await tasks.listing(session, circle_id=circle.id)
    overdue = [row for row in open_ if row[0].due_on < today]
    coming = [row for row in open_ if today <= row[0].due_on < today + WEEK]
    finished = [
        (task, name)
        for task, name in await session.execute(
            select(Task, Member.display_name)
            .outerjoin(Member, Member.id == Task.owner_id)
            .where(
                Task.circle_id == circle.id,
                Task.status == TaskStatus.DONE,
                Task.done_at > now - WEEK,
            )
            .order_by(Task.done_at, Task.id)
        )
    ]
    if not open_ and not finished:
        return
    for person in await circles.coordinators(session, circle.id):
        await runtime.outbox.queue_private(
            session, person, lambda t: say.digest(t, circle, overdue, coming, finished, today)
        )
    await tasks.ensure_digest(session, runtime, circle.id)


async def everything(session: AsyncSession, circle: Circle) -> tuple[list[Task], dict[int, str]]:
    """All of the circle's tasks, oldest first, and the names of the people in them."""
    found = list(
        await session.scalars(select(Task).where(Task.circle_id == circle.id).order_by(Task.id))
    )
    ids = {i for task in found for i in (task.owner_id, task.creator_id, task.deputy_id) if i}
    rows = await session.execute(select(Member.id, Member.display_name).where(Member.id.in_(ids)))
    return found, {member_id: name for member_id, name in rows}
