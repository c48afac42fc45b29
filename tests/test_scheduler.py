"""Due rows fire once, in order, at their own time; APScheduler only wakes the runner."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.config import Settings
from bot.context import JobContext
from bot.db.models import Channel, Reminder
from bot.messages import OutgoingMessage
from bot.registry import Capability, ReminderKind
from bot.scheduler import LEAD, MAX_ATTEMPTS, DueRunner, Scheduler
from bot.transports.console.script import parse_duration
from handlers import capabilities
from tests.helpers import Chat


async def ping(ctx: JobContext, reminder: Reminder) -> None:
    channel = await ctx.session.get_one(Channel, reminder.channel_id)
    text = f"ping {reminder.payload['n']} (due {reminder.due_at:%H:%M})"
    await ctx.runtime.outbox.queue(ctx.session, channel, OutgoingMessage.plain(text))


async def broken(ctx: JobContext, reminder: Reminder) -> None:
    raise RuntimeError("boom")


TEST_KINDS = Capability(
    "test", reminders=(ReminderKind("ping", ping), ReminderKind("broken", broken))
)


async def add_reminders(chat: Chat, kind: str, *offsets: str | timedelta) -> None:
    now = chat.clock.now()
    await chat.add_reminder_rows(
        kind, [now + (o if isinstance(o, timedelta) else parse_duration(o)) for o in offsets]
    )


async def test_wait_fires_each_due_row_at_its_own_time_in_order(settings: Settings) -> None:
    async with Chat(settings, (*capabilities(), TEST_KINDS)) as chat:
        chat.set_now("2026-03-02 17:00")
        await chat.ask("anna", "plenum", "/start")
        await add_reminders(chat, "ping", "2h", "30m", "1d")
        await chat.wait(timedelta(hours=3))
        assert chat.said() == (
            "[2026-03-02 17:30] bot -> #plenum: ping 2 (due 16:30)\n"
            "[2026-03-02 19:00] bot -> #plenum: ping 1 (due 18:00)"
        )
        await chat.wait(timedelta(hours=1))
        assert chat.said() == ""  # fired once only
        await chat.restart()
        await chat.wait(timedelta(days=1))
        assert chat.said() == "[2026-03-03 17:00] bot -> #plenum: ping 3 (due 16:00)"
        assert await chat.core.due.next_due() is None


async def test_a_failing_reminder_is_retried_then_given_up(settings: Settings) -> None:
    async with Chat(settings, (*capabilities(), TEST_KINDS)) as chat:
        await chat.ask("anna", "plenum", "/start")
        await add_reminders(chat, "broken", "1m")
        await chat.wait(timedelta(hours=2))
        async with chat.core.sessions() as session:
            reminder = await session.scalar(select(Reminder))
        assert reminder is not None
        assert reminder.attempts == MAX_ATTEMPTS and reminder.fired_at is not None


async def test_the_scheduler_wakes_at_the_next_due_time(settings: Settings) -> None:
    async with Chat(settings, (*capabilities(), TEST_KINDS)) as chat:
        await chat.ask("anna", "plenum", "/start")
        await add_reminders(chat, "ping", "45m")
        scheduler = Scheduler(chat.core.due, after_fire=lambda: None)
        await scheduler.start()
        try:
            job = scheduler._scheduler.get_job("next-due")
            assert job is not None
            assert job.next_run_time == chat.clock.now() + timedelta(minutes=45) - LEAD
        finally:
            await scheduler.stop()


async def test_two_wake_ups_at_once_fire_a_reminder_once(settings: Settings) -> None:
    async with Chat(settings, (*capabilities(), TEST_KINDS)) as chat:
        await chat.ask("anna", "plenum", "/start")
        await add_reminders(chat, "ping", "1m")
        chat.clock.advance(timedelta(minutes=1))
        fired = await asyncio.gather(chat.core.due.fire_due(), chat.core.due.fire_due())
        await chat.core.sender.drain()
        assert sorted(fired) == [0, 1]
        assert chat.said().count("ping 1") == 1


async def test_a_row_falling_due_while_the_loop_fires_is_not_left_to_the_poll(
    settings: Settings,
) -> None:
    """The next row falls due between the last look for due rows and the rescheduling (the
    firing took that long): the wake-up, already past, must still come (it used to be skipped
    by APScheduler as "maximum number of running instances reached", and so wait a minute)."""

    class SlowRunner(DueRunner):
        fired = 0

        async def next_due(self) -> datetime | None:
            if self.fired:
                chat.clock.advance(timedelta(seconds=1))  # the time the firing took
            return await super().next_due()

    async with Chat(settings, (*capabilities(), TEST_KINDS)) as chat:
        await chat.ask("anna", "plenum", "/start")
        # APScheduler wakes by the real time; the bot's clock two seconds behind it makes both
        # rows past for APScheduler, and the second not yet due for the runner at first.
        chat.clock.set(datetime.now(UTC) - timedelta(seconds=2))
        await add_reminders(chat, "ping", timedelta(), LEAD + timedelta(milliseconds=500))
        runner = SlowRunner(chat.core.runtime, chat.core.sessions)
        both_fired = asyncio.Event()

        def after_fire() -> None:
            runner.fired += 1
            if runner.fired == 2:
                both_fired.set()

        scheduler = Scheduler(runner, after_fire=after_fire)
        await scheduler.start()
        try:
            await asyncio.wait_for(both_fired.wait(), timeout=5)  # not the 60 s poll
        finally:
            await scheduler.stop()
        await chat.core.sender.drain()
        said = chat.said()
        assert "ping 1" in said and "ping 2" in said


async def test_a_row_fires_ahead_of_its_time_and_its_message_waits_for_it(
    settings: Settings,
) -> None:
    async with Chat(settings, (*capabilities(), TEST_KINDS)) as chat:
        chat.set_now("2026-03-02 17:00")
        await chat.ask("anna", "plenum", "/start")
        await add_reminders(chat, "ping", "10m")
        chat.clock.advance(timedelta(minutes=10) - LEAD / 2)
        assert await chat.core.due.fire_due() == 1  # a slow commit now makes nothing late
        await chat.core.sender.drain()
        assert chat.said() == ""
        assert 0 < await chat.core.sender.next_wake(30) <= LEAD.total_seconds() / 2
        chat.clock.advance(LEAD / 2)
        await chat.core.sender.drain()
        assert chat.said() == "[2026-03-02 17:10] bot -> #plenum: ping 1 (due 16:10)"
