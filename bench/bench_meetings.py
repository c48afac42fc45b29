"""Benchmarks for meeting polls: proposals, the tally, and a burst of taps.

    .venv/bin/python bench/bench_meetings.py

Figures go to bench/README.md. Everything runs on this machine; nothing leaves loopback.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import time
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.availability import Absence, Window
from bot.config import DatabaseSettings, Settings
from bot.db.models import Answer, Meeting, Member, Vote
from bot.proposals import Person, propose
from bot.services.meetings import poll_state, public_holidays
from bot.tally import winners
from bot.transports.console.script import ConsoleSession
from handlers import capabilities

BERLIN = ZoneInfo("Europe/Berlin")
RUNS = 50


def people(rng: random.Random, size: int = 60) -> list[Person]:
    """Members with one to four evening windows each, a few absences, some silent."""
    found = []
    for _ in range(size):
        if rng.random() < 0.15:
            found.append(Person(rng.random() < 0.5, ()))  # never said
            continue
        windows = tuple(
            Window(
                rng.randrange(7),
                start := rng.randrange(16, 20) * 60,
                start + 60 * rng.randrange(1, 4),
            )
            for _ in range(rng.randrange(1, 5))
        )
        gap = date(2026, 12, 1) + timedelta(days=rng.randrange(28))
        absences = (Absence(gap, gap + timedelta(days=3)),) if rng.random() < 0.2 else ()
        found.append(Person(rng.random() < 0.5, windows, absences))
    return found


def proposals_ms() -> list[float]:
    rng = random.Random(5)
    members = people(rng)
    window = [Window(day, 16 * 60, 21 * 60) for day in range(5)]
    first, last = date(2026, 11, 25), date(2026, 12, 22)  # 28 days
    holidays = public_holidays("NW", first, last)
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        propose(members, window, first_day=first, last_day=last, duration=120, tz=BERLIN,
                holidays=holidays, count=12)  # fmt: skip
        times.append((time.perf_counter() - started) * 1000)
    return times


async def tally_ms() -> list[float]:
    """The tally as the bot computes it: summed by SQLite over 1,000 voters x 12 slots."""
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(database=DatabaseSettings(url=f"sqlite+aiosqlite:///{folder}/t.db"))
        async with ConsoleSession(settings, capabilities(), lambda line: None) as session:
            session.set_now("2026-11-21 18:00")
            await session.say("anna", "plenum", "/setup Plenum")
            await session.say("anna", "plenum", "/meeting new Plenum")
            for hour in range(8, 15):
                await session.say("anna", "plenum", f"/meeting add 1.12.2026 {hour}:00")
            sessions, now = session.core.sessions, session.clock.now()
            async with sessions.begin() as db:
                meeting = await db.scalar(select(Meeting))
                assert meeting is not None and len(meeting.slots) == 12
                voters = [
                    Member(network_id=1, display_name=f"v{n}", name_key=f"v{n}", created_at=now)
                    for n in range(1000)
                ]
                db.add_all(voters)
                await db.flush()
                db.add_all(
                    Vote(
                        slot_id=slot.id,
                        member_id=voter.id,
                        answer=rng.choice(list(Answer)),
                        volunteer=rng.random() < 0.5,
                        answered_at=now,
                    )
                    for voter in voters
                    for slot in meeting.slots
                )
                await db.flush()
                # The counts the bot keeps with each vote, summed once here.
                for slot in meeting.slots:
                    for answer in Answer:
                        setattr(slot, answer.value, await _votes(db, slot.id, answer))
                    slot.volunteers = await _votes(db, slot.id, None)
                meeting.answered = len(voters)
            times = []
            async with sessions() as db:
                meeting = await db.scalar(select(Meeting))
                assert meeting is not None
                for _ in range(RUNS):
                    started = time.perf_counter()
                    state = await poll_state(db, meeting)
                    winners(state.counts)
                    times.append((time.perf_counter() - started) * 1000)
                assert state.answered == 1000
            return times


async def _votes(db: AsyncSession, slot_id: int, answer: Answer | None) -> int:
    """Votes for a slot with that answer; with None, volunteers' yes or if need be."""
    query = select(func.count()).select_from(Vote).where(Vote.slot_id == slot_id)
    if answer is None:
        query = query.where(Vote.volunteer, Vote.answer != Answer.NO)
    else:
        query = query.where(Vote.answer == answer)
    return await db.scalar(query) or 0


async def taps_per_second() -> tuple[float, int]:
    """200 people tap once each on one poll, through the dispatcher and the outbox."""
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(database=DatabaseSettings(url=f"sqlite+aiosqlite:///{folder}/b.db"))
        async with ConsoleSession(settings, capabilities(), lambda line: None) as session:
            session.set_now("2026-11-21 18:00")
            await session.say("anna", "plenum", "/setup Plenum")
            await session.say("anna", "plenum", "/meeting new Plenum")
            await session.tap("anna", "plenum", "Umfrage veröffentlichen")
            started = time.perf_counter()
            for number in range(200):
                await session.wait(timedelta(milliseconds=50))
                await session.tap(f"p{number}", "plenum", f"{number % 5 + 1}: ja")
            elapsed = time.perf_counter() - started
        return 200 / elapsed, 200


def report(name: str, times: list[float], target: float) -> None:
    times.sort()
    p99 = times[int(len(times) * 0.99) - 1]
    print(
        f"{name}: median {statistics.median(times):.2f} ms, p99 {p99:.2f} ms (target < {target} ms)"
    )


def main() -> None:
    report("proposals, 60 members, 28 days, 15-minute steps", proposals_ms(), 50)
    report("tally, 1,000 voters x 12 slots", asyncio.run(tally_ms()), 5)
    rate, _ = asyncio.run(taps_per_second())
    print(f"taps through the whole bot: {rate:.0f} per second (200 within 10 s needs 20)")


if __name__ == "__main__":
    main()
