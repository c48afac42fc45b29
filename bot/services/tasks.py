"""Commitments: who does what by when, accepted by a tap, reminded at the owner's hours.

A task is asked of its owner privately (out of their quiet hours) and binding once
accepted. Each accepted task has one pending reminder row at a time: a few days before
(`[reminders] days_before`), on the due day, the day after if it is overdue, then weekly.
A week overdue, or when the owner gives it back, the deputy is asked.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import task_messages as say
from bot.db.models import Circle, Member, Reminder, Task, TaskStatus
from bot.due_dates import AtNextMeeting, Due, Reader, Unreadable, following
from bot.errors import UserError, check_length
from bot.i18n import N_
from bot.runtime import Runtime
from bot.services import reminder_rows
from bot.services.hours import (
    at_minute,
    next_within,
    outside_quiet,
    quiet_hours,
    reminder_hours,
    staff_hours,
)
from bot.services.meetings import next_scheduled
from bot.task_input import TaskRequest

MAX_TEXT = 500
EXAMPLES = N_(
    "I cannot read the date “{text}”. Write it like this: by Friday, by 12.12., "
    "in two weeks, by next meeting, by Friday 18:00, by 2026-12-12, every month on the 1st."
)
OPEN = (TaskStatus.ASKED, TaskStatus.ACCEPTED)
ASK = "task-ask"  # a request to take the task on: to the owner, or later the deputy
REMIND = "task-remind"
DIGEST = "task-digest"  # the weekly overview of a circle's tasks, for its coordinators
DIGEST_WEEKDAY = 0  # Monday, at the start of staff hours
REASON = "task-reason"  # the awaited answer: why someone cannot take a task on
DEPUTY_AFTER = timedelta(days=7)  # overdue this long: the deputy is asked
LATE = timedelta(minutes=15)  # a reminder this late was held up (the bot was down)


async def due_for(
    session: AsyncSession,
    circle: Circle,
    reader: Reader,
    request: TaskRequest,
    now: datetime,
    tz: ZoneInfo,
) -> tuple[str | None, Due]:
    """The rule of a recurring task, if it is one, and when it is (first) due."""
    read: Due | AtNextMeeting = AtNextMeeting()
    written = request.every if request.every is not None else request.when
    try:
        if request.every is not None:
            return reader.repeat(request.every, now, tz)
        if request.when is not None:
            read = reader.read(request.when, now, tz)
    except Unreadable:
        raise UserError(EXAMPLES, text=written) from None
    if isinstance(read, Due):
        return None, read
    return None, await due_at_next_meeting(session, circle, now, tz)


async def due_at_next_meeting(
    session: AsyncSession, circle: Circle, now: datetime, tz: ZoneInfo
) -> Due:
    """A task without a date is due when the circle next meets."""
    meeting = await next_scheduled(session, circle.id, now)
    if meeting is None or meeting.starts_at is None:
        raise UserError(
            N_("{circle} has no next meeting yet. Please give a date, for example: by 12.12."),
            circle=circle.name,
        )
    local = meeting.starts_at.astimezone(tz)
    return Due(local.date(), local.time().replace(tzinfo=None))


async def create(
    session: AsyncSession,
    runtime: Runtime,
    circle: Circle,
    creator: Member | None,
    owners: Sequence[Member],
    what: str,
    due: Due,
    deputy: Member | None,
    repeat: str | None = None,
) -> list[Task]:
    check_length(what, MAX_TEXT)
    now = runtime.clock.now()
    if due.instant(runtime.settings.network.tz) <= now:
        raise UserError(N_("That date is already past. Please give one in the future."))
    tasks = []
    for owner in dict.fromkeys(owners):  # the same person named twice: one task
        task = Task(
            circle_id=circle.id,
            text=what,
            owner_id=owner.id,
            creator_id=creator.id if creator else None,
            deputy_id=deputy.id if deputy and deputy.id != owner.id else None,
            status=TaskStatus.ASKED,
            due_on=due.day,
            due_time=due.at,
            created_at=now,
            reminders_sent=0,
            deputy_asked=False,
            repeat=repeat,
        )
        session.add(task)
        await session.flush()
        await _ask_soon(session, runtime, task, owner, now)
        tasks.append(task)
    await ensure_digest(session, runtime, circle.id)
    return tasks


async def _ask_soon(
    session: AsyncSession, runtime: Runtime, task: Task, member: Member, now: datetime
) -> None:
    """The request to take the task on, at once or when the person's quiet hours end."""
    quiet = quiet_hours(member, runtime.settings.reminders)
    at = outside_quiet(quiet, now, runtime.settings.network.tz)
    if at <= now:
        await ask(session, runtime, task, member)
    else:
        reminder_rows.plan(session, ASK, at, task.id, now, member.id)


async def ask(session: AsyncSession, runtime: Runtime, task: Task, member: Member) -> None:
    if task.status not in OPEN:
        return
    creator = await session.get(Member, task.creator_id) if task.creator_id else None
    circle = await session.get_one(Circle, task.circle_id)
    await runtime.outbox.queue_private(
        session,
        member,
        lambda t: say.request(t, task, circle, creator, deputy=task.deputy_asked),
    )


async def owned(session: AsyncSession, task_id: int, member: Member) -> Task:
    """The member's own open task number `task_id`."""
    task = await session.get(Task, task_id)
    if task is None or task.status not in OPEN:
        raise UserError(N_("There is no open task {number}."), number=task_id)
    if member.id not in (task.owner_id, task.deputy_id if task.deputy_asked else None):
        raise UserError(N_("Task {number} is not yours."), number=task_id)
    return task


async def accept(session: AsyncSession, runtime: Runtime, task: Task, member: Member) -> None:
    now = runtime.clock.now()
    if task.owner_id != member.id:  # the deputy takes it over
        task.owner_id, task.deputy_id = member.id, None
    elif task.status is TaskStatus.ACCEPTED:
        raise UserError(N_("You have already taken on task {number}."), number=task.id)
    task.status = TaskStatus.ACCEPTED
    task.answered_at = now
    await reminder_rows.forget(session, task.id, (REMIND,))
    await schedule_next(session, runtime, task, member)
    await _tell_creator(session, runtime, task, member, say.ACCEPTED)


async def decline(session: AsyncSession, runtime: Runtime, task: Task, member: Member) -> None:
    """The owner gives the task back: the deputy is asked, or it goes back to its creator.
    Their next private message is asked for as the reason, for the creator."""
    now = runtime.clock.now()
    if task.creator_id not in (None, member.id):
        member.awaiting, member.awaiting_since = f"{REASON}:{task.id}", now
    await reminder_rows.forget(session, task.id, (REMIND,))
    deputy = await session.get(Member, task.deputy_id) if task.deputy_id else None
    if deputy is not None and deputy.id != member.id and not task.deputy_asked:
        task.deputy_asked = True
        task.owner_id = deputy.id
        task.deputy_id = None
        task.status = TaskStatus.ASKED
        await _ask_soon(session, runtime, task, deputy, now)
        await _tell_creator(session, runtime, task, member, say.PASSED_TO_DEPUTY, deputy)
        return
    task.status = TaskStatus.DECLINED
    task.answered_at = now
    await _tell_creator(session, runtime, task, member, say.DECLINED)


async def pass_on_reason(
    session: AsyncSession, runtime: Runtime, task_id: int, member: Member, reason: str
) -> Member | None:
    """Why `member` cannot do the task, to whoever gave it; returns them, if anyone."""
    check_length(reason, MAX_TEXT)
    task = await session.get(Task, task_id)
    if task is None or task.creator_id is None:
        return None
    creator = await session.get_one(Member, task.creator_id)
    await runtime.outbox.queue_private(
        session, creator, lambda t: say.reason(t, task, member, reason)
    )
    return creator


async def done(session: AsyncSession, runtime: Runtime, task: Task) -> Task | None:
    """Done; for a recurring task, the next one (already accepted) is returned."""
    now = runtime.clock.now()
    task.status = TaskStatus.DONE
    task.done_at = now
    await reminder_rows.forget(session, task.id, (REMIND, ASK))
    owner = await session.get(Member, task.owner_id) if task.owner_id else None
    if owner is None:
        return None
    await _tell_creator(session, runtime, task, owner, say.DONE)
    if task.repeat is None:
        return None
    return await _next_time(session, runtime, task, owner, now)


async def _next_time(
    session: AsyncSession, runtime: Runtime, task: Task, owner: Member, now: datetime
) -> Task:
    """A recurring task's next turn: the first such day still to come."""
    assert task.repeat is not None
    tz = runtime.settings.network.tz
    day = following(task.repeat, task.due_on)
    while Due(day, task.due_time).instant(tz) <= now:
        day = following(task.repeat, day)
    upcoming = Task(
        circle_id=task.circle_id,
        text=task.text,
        owner_id=owner.id,
        creator_id=task.creator_id,
        deputy_id=task.deputy_id,
        status=TaskStatus.ACCEPTED,  # the owner took the whole series on
        due_on=day,
        due_time=task.due_time,
        created_at=now,
        answered_at=now,
        reminders_sent=0,
        deputy_asked=False,
        repeat=task.repeat,
    )
    session.add(upcoming)
    await session.flush()
    await schedule_next(session, runtime, upcoming, owner)
    return upcoming


async def reassign(
    session: AsyncSession,
    runtime: Runtime,
    task_id: int,
    member: Member,
    coordinator: bool,
    new_owner: Member,
) -> Task:
    """The task (open, or given back) goes to someone else, who is asked to take it on
    like a new one."""
    task = await session.get(Task, task_id)
    if task is None or task.status not in (*OPEN, TaskStatus.DECLINED):
        raise UserError(N_("There is no open task {number}."), number=task_id)
    if member.id not in (task.creator_id, task.owner_id) and not coordinator:
        raise UserError(
            N_("Only whoever gave task {number}, its owner or a coordinator can pass it on."),
            number=task_id,
        )
    if new_owner.id == task.owner_id:
        raise UserError(N_("Task {number} is already theirs."), number=task_id)
    await reminder_rows.forget(session, task.id, (REMIND, ASK))
    before = await session.get(Member, task.owner_id) if task.owner_id else None
    if before is not None and before.id != member.id:
        await runtime.outbox.queue_private(
            session, before, lambda t: say.news(t, say.REASSIGNED, task, new_owner, None)
        )
    task.owner_id, task.status = new_owner.id, TaskStatus.ASKED
    task.reminders_sent, task.deputy_asked, task.answered_at = 0, False, None
    if task.deputy_id == new_owner.id:
        task.deputy_id = None
    await _ask_soon(session, runtime, task, new_owner, runtime.clock.now())
    return task


async def drop(session: AsyncSession, task_id: int, member: Member, coordinator: bool) -> Task:
    task = await session.get(Task, task_id)
    if task is None or task.status not in OPEN:
        raise UserError(N_("There is no open task {number}."), number=task_id)
    if task.creator_id != member.id and not coordinator:
        raise UserError(
            N_("Only whoever gave task {number}, or a coordinator, can drop it."), number=task_id
        )
    task.status = TaskStatus.DROPPED
    await reminder_rows.forget(session, task.id, (REMIND, ASK))
    return task


async def snooze(
    session: AsyncSession, runtime: Runtime, task: Task, member: Member, days: int
) -> None:
    """Later by `days`, counted from the due day or from today, whichever is later."""
    today = runtime.clock.now().astimezone(runtime.settings.network.tz).date()
    task.due_on = max(task.due_on, today) + timedelta(days=days)
    task.reminders_sent = 0
    await reminder_rows.forget(session, task.id, (REMIND,))
    if task.status is TaskStatus.ACCEPTED:
        await schedule_next(session, runtime, task, member)


async def listing(
    session: AsyncSession, circle_id: int | None = None, owner_id: int | None = None
) -> list[tuple[Task, str | None]]:
    """Open tasks, earliest due first, with their owner's name."""
    query = (
        select(Task, Member.display_name)
        .outerjoin(Member, Member.id == Task.owner_id)
        .where(Task.status.in_(OPEN))
        .order_by(Task.due_on, Task.due_time, Task.id)
    )
    if circle_id is not None:
        query = query.where(Task.circle_id == circle_id)
    if owner_id is not None:
        query = query.where(Task.owner_id == owner_id)
    return [(task, name) for task, name in await session.execute(query)]


def reminder_day(task: Task, stage: int, days_before: int) -> date:
    """Stage 0: days before; 1: the due day; 2: the day after; then weekly."""
    if stage == 0:
        return task.due_on - timedelta(days=days_before)
    if stage == 1:
        return task.due_on
    return task.due_on + timedelta(days=1 + 7 * (stage - 2))


async def schedule_next(session: AsyncSession, runtime: Runtime, task: Task, owner: Member) -> None:
    """The task's next reminder, at the start of the owner's reminder hours; stages whose
    day has passed are skipped (none is sent for a day gone by)."""
    now = runtime.clock.now()
    tz = runtime.settings.network.tz
    days_before = runtime.settings.reminders.days_before
    span = await reminder_hours(session, owner, runtime.settings.reminders)
    stage = task.reminders_sent
    if days_before == 0 and stage == 0:
        stage = 1
    while True:
        day = reminder_day(task, stage, days_before)
        at = at_minute(day, span[0], tz)
        if at >= now or day == now.astimezone(tz).date():
            break
        stage += 1
    task.reminders_sent = stage
    due = next_within(span, max(at, now), tz)
    reminder_rows.plan(session, REMIND, due, task.id, now, owner.id)


async def remind(session: AsyncSession, runtime: Runtime, reminder: Reminder) -> None:
    task = await session.get(Task, reminder.subject_id)
    if task is None or task.status is not TaskStatus.ACCEPTED or task.owner_id is None:
        return
    owner = await session.get_one(Member, task.owner_id)
    now = runtime.clock.now()
    late = now - reminder.due_at > LATE
    circle = await session.get_one(Circle, task.circle_id)
    today = now.astimezone(runtime.settings.network.tz).date()
    await runtime.outbox.queue_private(
        session, owner, lambda t: say.reminder(t, task, circle, today, late)
    )
    overdue = today - task.due_on
    if task.deputy_id and not task.deputy_asked and overdue >= DEPUTY_AFTER:
        deputy = await session.get_one(Member, task.deputy_id)
        task.deputy_asked = True
        await _ask_soon(session, runtime, task, deputy, now)
    task.reminders_sent += 1
    await schedule_next(session, runtime, task, owner)


async def _tell_creator(
    session: AsyncSession,
    runtime: Runtime,
    task: Task,
    member: Member,
    what: str,
    deputy: Member | None = None,
) -> None:
    if task.creator_id is None or task.creator_id == member.id:
        return
    creator = await session.get_one(Member, task.creator_id)
    await runtime.outbox.queue_private(
        session, creator, lambda t: say.news(t, what, task, member, deputy)
    )


async def ensure_digest(session: AsyncSession, runtime: Runtime, circle_id: int) -> None:
    """The circle's weekly digest for its coordinators is planned (once)."""
    if not await reminder_rows.is_planned(session, DIGEST, circle_id):
        now = runtime.clock.now()
        reminder_rows.plan(session, DIGEST, next_digest(runtime, now), circle_id, now)


def next_digest(runtime: Runtime, now: datetime) -> datetime:
    """The next Monday (today, if it is still to come) at the start of staff hours."""
    tz = runtime.settings.network.tz
    start = staff_hours(runtime.settings.reminders)[0]
    today = now.astimezone(tz).date()
    for ahead in range(8):
        day = today + timedelta(days=ahead)
        at = at_minute(day, start, tz)
        if day.weekday() == DIGEST_WEEKDAY and at > now:
            return at
    raise AssertionError("a Monday comes within eight days")
