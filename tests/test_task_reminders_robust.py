"""Commitment reminders hold up: two bot processes on one database fire each one once (and
should send it once), and daylight saving in Europe/Berlin neither skips nor doubles one,
nor moves it off its wall-clock time.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.context import JobContext
from bot.db.models import Channel, OutboxMessage, Reminder, Task, TaskStatus
from bot.events import ChatAddress
from bot.messages import OutgoingMessage
from bot.registry import Capability, ReminderKind
from bot.services.tasks import REMIND
from bot.transports import Progress
from handlers import capabilities
from tests.helpers import Chat

BERLIN = ZoneInfo("Europe/Berlin")
ROWS = 300  # test reminders shared by the two processes
ROUNDS = 5  # their due times are spread over this many minutes
TASKS = 12  # real commitments shared by the two processes

# "[2026-10-25 18:00] bot -> @ben: Aufgabe 2 in Plenum war fällig am ..."
_REMINDER_LINE = re.compile(
    r"^\[(?P<day>\d{4}-\d{2}-\d{2}) (?P<clock>\d{2}:\d{2})\] bot -> @ben: "
    r"(?:Erinnerung: )?Aufgabe (?P<task>\d+) in Plenum (?:ist|war|ist heute) fällig"
)


async def ping(ctx: JobContext, reminder: Reminder) -> None:
    channel = await ctx.session.get_one(Channel, reminder.channel_id)
    text = f"ping {reminder.payload['n']}"
    await ctx.runtime.outbox.queue(ctx.session, channel, OutgoingMessage.plain(text))


PING = Capability("test-robust", reminders=(ReminderKind("robust-ping", ping),))


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[Chat]:
    """One bot process: its own core, engine and connection pool, and the test kind."""
    chat = Chat(settings, (*capabilities(), PING))
    await chat.start()
    try:
        yield chat
    finally:
        await chat.close()


@asynccontextmanager
async def two_processes(settings: Settings) -> AsyncIterator[tuple[Chat, Chat]]:
    """Two bots on one database, each with its own engine and pool, as two processes have."""
    async with running(settings) as first, running(settings) as second:
        assert first.core.engine is not second.core.engine
        yield first, second


def same_time(chats: tuple[Chat, Chat], local: str) -> None:
    for chat in chats:
        chat.set_now(local)


def same_instant(chats: tuple[Chat, Chat], when: datetime) -> None:
    for chat in chats:
        chat.clock.set(when)


async def fire_in_both(chats: tuple[Chat, Chat]) -> list[int]:
    first, second = chats
    assert first.clock.now() == second.clock.now()
    fired = await asyncio.gather(first.core.due.fire_due(), second.core.due.fire_due())
    return list(fired)


async def reminders_of(chat: Chat, kind: str | None = None) -> list[Reminder]:
    """The reminder rows (of one kind), fired or not."""
    query = select(Reminder).order_by(Reminder.id)
    if kind is not None:
        query = query.where(Reminder.kind == kind)
    async with chat.core.sessions() as session:
        return list(await session.scalars(query))


async def queued_texts(chat: Chat) -> list[str]:
    """The text of every outbox row not yet delivered (delivery blanks it)."""
    async with chat.core.sessions() as session:
        payloads = await session.scalars(
            select(OutboxMessage.payload).where(OutboxMessage.sent_at.is_(None))
        )
        return [OutgoingMessage.from_json(p).text.plain for p in payloads if p is not None]


# 1. Two bot processes on one database


async def test_two_processes_fire_each_of_hundreds_of_rows_exactly_once(
    settings: Settings,
) -> None:
    async with two_processes(settings) as chats:
        first, _ = chats
        same_time(chats, "2026-11-23 17:00")
        await first.ask("anna", "plenum", "/start")
        start = first.clock.now()
        due = [start + timedelta(minutes=1 + n % ROUNDS) for n in range(ROWS)]
        await first.add_reminder_rows("robust-ping", due)

        total = 0
        for minute in range(1, ROUNDS + 2):  # one round more, when nothing is left
            same_instant(chats, start + timedelta(minutes=minute))
            fired = await fire_in_both(chats)
            expected = ROWS // ROUNDS if minute <= ROUNDS else 0
            assert sum(fired) == expected, (minute, fired)
            total += sum(fired)
        assert total == ROWS

        rows = await reminders_of(first, "robust-ping")
        assert len(rows) == ROWS
        assert all(r.fired_at is not None and r.attempts == 0 for r in rows)
        assert all(r.fired_at == r.due_at for r in rows)  # each in its own round
        texts = Counter(await queued_texts(first))
        assert texts == Counter(f"ping {n}" for n in range(1, ROWS + 1))

        await first.core.sender.drain()
        sent = Counter(line.split(": ", 1)[1] for line in first.said().splitlines())
        assert sent == Counter(f"ping {n}" for n in range(1, ROWS + 1))
        assert await first.core.due.next_due() is None
        assert await chats[1].core.due.next_due() is None


async def test_two_processes_send_each_task_reminder_once_and_plan_the_next_once(
    settings: Settings,
) -> None:
    async with two_processes(settings) as chats:
        first, second = chats
        same_time(chats, "2026-11-23 10:00")
        await first.say("ben", "plenum", "Hallo")
        await first.ask("anna", "plenum", "/setup Plenum")
        for n in range(1, TASKS + 1):
            said = await first.ask("anna", "plenum", f"/task @ben Aufgabe Nr. {n} bis Freitag")
            assert f"Aufgabe {n} für ben" in said
            said = await first.tap_and_read("ben", None, "Mache ich")
            assert f"Aufgabe {n} gehört Ihnen" in said
        # 3 days before Friday the 27th, the 24th, 28th (overdue), then weekly: all at 17:00,
        # the start of ben's evening hours. The second process was not told of any of it.
        for day, phrase in [
            ("2026-11-24", "ist fällig am Fr., 27. Nov. 2026"),
            ("2026-11-27", "ist heute fällig"),
            ("2026-11-28", "war fällig am Fr., 27. Nov. 2026"),
            ("2026-12-05", "war fällig am Fr., 27. Nov. 2026"),
        ]:
            same_time(chats, f"{day} 17:00")
            fired = await fire_in_both(chats)
            now = first.clock.now()
            this_round = [r for r in await reminders_of(first) if r.fired_at == now]
            known = first.core.runtime.registry.reminders
            assert sum(fired) == len([r for r in this_round if r.kind in known]), (day, fired)
            reminded = Counter(r.subject_id for r in this_round if r.kind == REMIND)
            assert reminded == Counter(range(1, TASKS + 1)), day
            assert await fire_in_both(chats) == [0, 0]  # nothing left for a second wake-up
            texts = await queued_texts(first)
            for n in range(1, TASKS + 1):
                mine = [t for t in texts if t.startswith(f"Erinnerung: Aufgabe {n} in")]
                mine += [t for t in texts if t.startswith(f"Aufgabe {n} in Plenum war")]
                assert len(mine) == 1, (day, n, mine)
                assert phrase in mine[0], mine[0]
            await first.core.sender.drain()
            assert first.said().count("bot -> @ben:") == TASKS
            assert second.said() == ""  # it fired half of them, but sends nothing itself here

            pending = [r for r in await reminders_of(first, REMIND) if r.fired_at is None]
            assert Counter(r.subject_id for r in pending) == Counter(range(1, TASKS + 1))
        async with first.core.sessions() as session:
            tasks = list(await session.scalars(select(Task)))
        assert [t.status for t in tasks] == [TaskStatus.ACCEPTED] * TASKS
        assert {t.reminders_sent for t in tasks} == {4}


GRACE = 0.2  # seconds: enough for the other drain to read the same rows, if it may
Send = Callable[[ChatAddress, OutgoingMessage, Progress], Awaitable[str]]


class GatedSend:
    """A process's send that first gives the other process the chance to begin sending too
    (until it does, its drain ends, or GRACE passes: it may be waiting for this one)."""

    def __init__(self, send: Send, mine: asyncio.Event, other: asyncio.Event) -> None:
        self._send = send
        self._mine = mine
        self._other = other

    async def __call__(
        self, address: ChatAddress, message: OutgoingMessage, progress: Progress
    ) -> str:
        self._mine.set()
        with suppress(TimeoutError):
            await asyncio.wait_for(self._other.wait(), GRACE)
        return await self._send(address, message, progress)


async def test_two_processes_deliver_each_queued_message_once(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both processes run an outbox sender; a reminder fired once must also go out once."""
    if settings.database.url.startswith("sqlite"):
        pytest.skip("one bot process per SQLite file (README): two share only PostgreSQL")
    async with two_processes(settings) as chats:
        first, second = chats
        same_time(chats, "2026-11-23 17:00")
        await first.ask("anna", "plenum", "/start")
        await first.add_reminder_rows("robust-ping", [first.clock.now()] * 3)
        assert sum(await fire_in_both(chats)) == 3
        busy = (asyncio.Event(), asyncio.Event())
        monkeypatch.setattr(first.console, "send", GatedSend(first.console.send, *busy))
        monkeypatch.setattr(second.console, "send", GatedSend(second.console.send, *busy[::-1]))

        async def drain(chat: Chat, done: asyncio.Event) -> int:
            try:
                return await chat.core.sender.drain()
            finally:
                done.set()

        delivered = await asyncio.wait_for(
            asyncio.gather(drain(first, busy[0]), drain(second, busy[1])), timeout=10
        )
        lines = first.said().splitlines() + second.said().splitlines()
        sent = Counter(line.split(": ", 1)[1] for line in lines)
        assert sent == Counter({"ping 1": 1, "ping 2": 1, "ping 3": 1}), lines
        assert sum(delivered) == 3


# 2. Daylight saving in Europe/Berlin


def sundays(first: date, last: date) -> list[date]:
    assert first.weekday() == 6
    return [first + timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]


async def test_reminders_stay_at_18_00_across_both_clock_changes(chat: Chat) -> None:
    chat.set_now("2026-10-05 10:00")  # a Monday
    await chat.say("ben", "plenum", "Hallo")
    await chat.ask("anna", "plenum", "/setup Plenum")
    assert "zwischen 18:00 und 20:00" in await chat.ask("ben", None, "/reminders 18-20")
    # Weekly on the Sundays from the 18th (the clocks go back on the 25th); daily on
    # Sat 24 and Sun 25 October; daily on Sat 27 and Sun 28 March (clocks go forward).
    for n, due in enumerate(["17.10.2026", "24.10.2026", "27.3.2027"], start=1):
        assert f"Aufgabe {n} für ben" in await chat.ask(
            "anna", "plenum", f"/task @ben Aufgabe Nr. {n} bis {due}"
        )
        assert f"Aufgabe {n} gehört Ihnen" in await chat.tap_and_read("ben", None, "Mache ich")
    chat.said()

    lines: list[str] = []
    end = datetime(2027, 4, 6, 10, 0, tzinfo=BERLIN)
    while chat.clock.now() < end:
        await chat.wait(timedelta(days=1))
        lines += chat.said().splitlines()
    found = [m for line in lines if (m := _REMINDER_LINE.match(line))]
    assert not any("Verspätet" in line for line in lines)
    assert {m["clock"] for m in found} == {"18:00"}
    last = date(2027, 4, 5)
    expected = {
        1: [date(2026, 10, 14), date(2026, 10, 17), *sundays(date(2026, 10, 18), last)],
        2: [date(2026, 10, 21), date(2026, 10, 24), *sundays(date(2026, 10, 25), last)],
        3: [date(2027, 3, 24), date(2027, 3, 27), *sundays(date(2027, 3, 28), last)],
    }
    for n, days in expected.items():
        got = Counter(date.fromisoformat(m["day"]) for m in found if m["task"] == str(n))
        assert got == Counter(days), n  # each day once: none skipped, none doubled
    assert date(2026, 10, 25) in expected[1] and date(2027, 3, 28) in expected[1]

    # The instants themselves: 18:00 summer time (16:00 UTC) before the 25th, 18:00 winter
    # time (17:00 UTC) after, 18:00 summer time again from 28 March.
    fired = [r for r in await reminders_of(chat, REMIND) if r.fired_at is not None]
    assert len(fired) == sum(len(days) for days in expected.values())
    for reminder in fired:
        assert reminder.fired_at == reminder.due_at
        local = reminder.due_at.astimezone(BERLIN)
        assert local.time() == time(18, 0)
        summer = local.date() < date(2026, 10, 25) or local.date() >= date(2027, 3, 28)
        assert local.utcoffset() == timedelta(hours=2 if summer else 1), local


async def test_a_row_due_in_the_repeated_hour_fires_once(settings: Settings) -> None:
    first_half = datetime(2026, 10, 25, 2, 30, tzinfo=BERLIN)  # still summer time
    second_half = datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=BERLIN)  # winter time
    assert first_half.astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert second_half.astimezone(UTC) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    async with running(settings) as chat:
        chat.set_now("2026-10-25 01:00")
        await chat.ask("anna", "plenum", "/start")
        await chat.add_reminder_rows("robust-ping", [first_half, second_half])
        for _ in range(12):  # 01:00 to 04:00 on the wall is four hours: 02:00-03:00 twice
            await chat.wait(timedelta(minutes=20))
        assert chat.clock.now() == datetime(2026, 10, 25, 4, 0, tzinfo=BERLIN)
        assert chat.said().splitlines() == [
            "[2026-10-25 02:30] bot -> #plenum: ping 1",
            "[2026-10-25 02:30] bot -> #plenum: ping 2",
        ]
        rows = sorted(await reminders_of(chat, "robust-ping"), key=lambda r: r.id)
        # (In UTC: PEP 495 makes a time in the repeated hour unequal to any other zone's.)
        assert [r.fired_at for r in rows] == [
            first_half.astimezone(UTC),
            second_half.astimezone(UTC),
        ]
        assert await chat.core.due.next_due() is None


@pytest.mark.parametrize(
    ("due", "night", "expected"),
    [
        # 02:30 comes twice on 25 October: the reminder comes at the first, and only then.
        ("24.10.2026", "2026-10-25", datetime(2026, 10, 25, 2, 30, tzinfo=BERLIN)),
        # 02:30 does not exist on 28 March: the reminder comes an hour later, not never.
        ("27.3.2027", "2027-03-28", datetime(2027, 3, 28, 3, 30, tzinfo=BERLIN)),
    ],
)
async def test_a_task_reminder_at_half_past_two_on_a_clock_change_night_comes_once(
    chat: Chat, due: str, night: str, expected: datetime
) -> None:
    chat.set_now("2026-10-05 10:00")
    await chat.say("ben", "plenum", "Hallo")
    await chat.ask("anna", "plenum", "/setup Plenum")
    assert "zwischen 02:30 und 04:00" in await chat.ask("ben", None, "/reminders 2:30-4")
    await chat.ask("anna", "plenum", f"/task @ben Aufgabe Nr. 1 bis {due}")
    assert "Aufgabe 1 gehört Ihnen" in await chat.tap_and_read("ben", None, "Mache ich")
    midnight = datetime.fromisoformat(night).replace(tzinfo=BERLIN)
    await chat.wait(midnight - chat.clock.now())  # the earlier reminders, each at its time
    assert chat.said().count("bot -> @ben:") == 2  # three days before, and on the due day
    five = datetime.fromisoformat(f"{night} 05:00").replace(tzinfo=BERLIN)
    while chat.clock.now() < five:  # in 15-minute steps across the odd hour
        await chat.wait(timedelta(minutes=15))
    assert chat.clock.now() == five
    lines = chat.said().splitlines()
    found = [m for line in lines if (m := _REMINDER_LINE.match(line))]
    assert [(m["day"], m["clock"]) for m in found] == [
        (night, expected.astimezone(BERLIN).strftime("%H:%M"))
    ], lines
    fired = [r.fired_at for r in await reminders_of(chat, REMIND) if r.fired_at is not None]
    assert [at for at in fired if at.astimezone(BERLIN).date() == midnight.date()] == [
        expected.astimezone(UTC)
    ]
