"""Firing what falls due. The rows are in the database; APScheduler only wakes us.

Each reminder fires in its own transaction, which marks it fired and queues its
messages together, so a crash can neither lose it nor send it twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime, timedelta
from typing import Any, cast

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import CursorResult, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.context import JobContext
from bot.db.models import Reminder
from bot.runtime import Runtime

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
RETRY_DELAY = timedelta(minutes=5)
POLL_SECONDS = 60  # a safety net; normally the next due row is woken for exactly
# Rows fire this much ahead of their time, as of their time (Runtime.as_of): the sender holds
# their messages until the moment, so a slow commit does not make a reminder late.
LEAD = timedelta(milliseconds=500)


class DueRunner:
    def __init__(self, runtime: Runtime, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._runtime = runtime
        self._sessions = sessions
        self._lock = asyncio.Lock()

    async def next_due(self) -> datetime | None:
        async with self._sessions() as session:
            return await session.scalar(
                select(Reminder.due_at)
                .where(Reminder.fired_at.is_(None))
                .order_by(Reminder.due_at)
                .limit(1)
            )

    async def fire_due(self, on_fired: Callable[[], None] | None = None) -> int:
        """Fire every reminder due by now (or within LEAD), earliest first; return how many
        fired.

        `on_fired` is called after each one, so its messages can go out while the rest of a
        backlog still fires."""
        fired = 0
        async with self._lock:  # the console, tests and the scheduler's loop may come at once
            while (reminder_id := await self._next_due_id()) is not None:
                if await self._fire(reminder_id):
                    fired += 1
                    if on_fired is not None:
                        on_fired()
        return fired

    async def _next_due_id(self) -> int | None:
        async with self._sessions() as session:
            return await session.scalar(
                select(Reminder.id)
                .where(
                    Reminder.fired_at.is_(None),
                    Reminder.due_at <= self._runtime.clock.now() + LEAD,
                )
                .order_by(Reminder.due_at, Reminder.id)
                .limit(1)
            )

    async def _fire(self, reminder_id: int) -> bool:
        try:
            async with self._sessions.begin() as session:
                # Claiming the row in the same transaction as its messages: another process
                # that got here first makes this UPDATE match nothing.
                claimed = await session.execute(
                    update(Reminder)
                    .where(Reminder.id == reminder_id, Reminder.fired_at.is_(None))
                    .values(fired_at=self._runtime.clock.now())
                )
                if cast(CursorResult[Any], claimed).rowcount != 1:
                    return False
                reminder = await session.get_one(Reminder, reminder_id)
                kind = self._runtime.registry.reminders.get(reminder.kind)
                if kind is None:
                    log.warning(
                        "reminder %s has unknown kind %r; dropped", reminder.id, reminder.kind
                    )
                    return False
                runtime = self._runtime.as_of(reminder.due_at)
                await kind.fire(JobContext(session, runtime), reminder)
            return True
        except Exception:
            log.exception("reminder %s failed", reminder_id)
            await self._retry_later(reminder_id)
            return False

    async def _retry_later(self, reminder_id: int) -> None:
        async with self._sessions.begin() as session:
            reminder = await session.get(Reminder, reminder_id)
            if reminder is None:  # erased meanwhile, with its person
                return
            reminder.attempts += 1
            if reminder.attempts >= MAX_ATTEMPTS:
                reminder.fired_at = self._runtime.clock.now()
                log.error("reminder %s given up after %s attempts", reminder_id, reminder.attempts)
            else:
                reminder.due_at = self._runtime.clock.now() + RETRY_DELAY * reminder.attempts


class Scheduler:
    """Fires due reminders in one loop; APScheduler wakes it at the next due time (and every
    minute, in case).

    The jobs only set an event. A job that did the firing itself would still count as running
    when it replaces its own date job with one already due, and APScheduler would skip (and
    drop) that wake-up."""

    def __init__(self, runner: DueRunner, after_fire: Callable[[], None]) -> None:
        self._runner = runner
        self._after_fire = after_fire
        self._scheduler = AsyncIOScheduler(timezone="UTC")
        self._wakeup = asyncio.Event()
        self._loop: asyncio.Task[None] | None = None
        self._soon: set[asyncio.Task[None]] = set()  # reschedule_soon's, until done

    async def start(self) -> None:
        self._scheduler.add_job(self._wake, "interval", seconds=POLL_SECONDS, id="poll")
        self._scheduler.start()
        self._loop = asyncio.create_task(self._run())
        await self.reschedule()

    async def stop(self) -> None:
        """Stop waking, and end the loop before the caller closes the database."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        if self._loop is not None:
            # A reminder cut off here rolls back whole and fires after the restart.
            self._loop.cancel()
            with suppress(asyncio.CancelledError):
                await self._loop
        for task in self._soon:
            task.cancel()
        await asyncio.gather(*self._soon, return_exceptions=True)

    def reschedule_soon(self) -> None:
        """`reschedule` in a task of its own: after an event, which may have added a
        reminder that falls due before the next wake-up."""
        task = asyncio.create_task(self.reschedule())
        self._soon.add(task)
        task.add_done_callback(self._soon.discard)

    async def reschedule(self) -> None:
        due = await self._runner.next_due()
        if due is None:
            return
        planned = self._scheduler.get_job("next-due")
        if planned is not None and planned.next_run_time <= due - LEAD:
            return  # an earlier wake-up is harmless: the loop reschedules after it
        # misfire_grace_time=None: a time already past (after a restart) runs at once.
        self._scheduler.add_job(
            self._wake,
            "date",
            run_date=due - LEAD,
            id="next-due",
            replace_existing=True,
            misfire_grace_time=None,
        )

    async def _wake(self) -> None:
        self._wakeup.set()

    async def _run(self) -> None:
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            try:
                await self._runner.fire_due(on_fired=self._after_fire)
                await self.reschedule()
            except Exception:
                log.exception("firing due reminders failed; the next poll tries again")
