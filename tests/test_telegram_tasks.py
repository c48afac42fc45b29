"""Commitments on Telegram: @usernames not seen yet, tasks given by replying, long lists."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select

from bot.clock import ManualClock
from bot.config import Settings
from bot.db.models import Circle, Member, Task, TaskStatus
from bot.transports.telegram.render import MAX_TEXT, units
from tests.telegram_fake import as_shown
from tests.telegram_running import ANNA, Running, fake_bot_api, running, with_anna

MONDAY_MORNING = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))


@pytest.fixture
async def telegram(settings: Settings) -> AsyncIterator[Running]:
    """The bot on Telegram at a set time of day: requests are sent outside quiet hours."""
    clock = ManualClock(MONDAY_MORNING)
    async with fake_bot_api() as fake, running(with_anna(settings), fake, clock=clock) as bot:
        yield bot


async def _circle(telegram: Running) -> None:
    fake = telegram.fake
    anna = fake.user(ANNA, "Anna", "anna")
    fake.message(anna, fake.group(-100, "Plenum"), "/setup Plenum")
    await telegram.sent(1)


async def test_a_username_not_seen_yet_is_asked_once_that_person_starts_the_bot(
    telegram: Running,
) -> None:
    fake = telegram.fake
    await _circle(telegram)
    anna, group = fake.user(ANNA, "Anna", "anna"), fake.group(-100, "Plenum")
    fake.message(anna, group, "/task @Dora_K Kuchen backen bis 2099-12-31")
    (_, created) = await telegram.sent(2)
    assert "Aufgabe 1 für @Dora_K" in created.text
    assert "Noch nicht bei mir gemeldet: @Dora_K" in created.text
    await telegram.settled()
    assert len(fake.sent) == 2  # the request waits: Telegram lets nobody be written to first

    dora = fake.user(77, "Dora", "dora_k")
    fake.message(dora, fake.private(dora), "/start")
    await telegram.sent(4)
    to_dora = [s for s in fake.sent if s.chat_id == 77]
    request = next(s for s in to_dora if "Kuchen backen" in s.text)
    assert "Anna bittet Sie in Plenum, Aufgabe 1 zu übernehmen" in request.text
    keyboard = request.params["reply_markup"]["inline_keyboard"]
    fake.tap(dora, request, keyboard[0][0]["callback_data"])
    await telegram.sent(6)
    assert any(s.chat_id == ANNA and "Dora hat Aufgabe 1 übernommen" in s.text for s in fake.sent)
    async with telegram.core.sessions() as session:
        names = list(await session.scalars(select(Member.display_name).order_by(Member.id)))
        task = await session.get_one(Task, 1)
    assert names.count("Dora") == 1 and "@Dora_K" not in names  # one person, now named
    assert task.status is TaskStatus.ACCEPTED


async def test_a_task_given_by_replying_goes_to_whoever_wrote_the_message(
    telegram: Running,
) -> None:
    fake = telegram.fake
    await _circle(telegram)
    anna, group = fake.user(ANNA, "Anna", "anna"), fake.group(-100, "Plenum")
    ben = fake.user(7, "Ben")
    said = fake.message(ben, group, "Ich kann mich um den Raum kümmern.")
    fake.message(anna, group, "/task Raum buchen bis 2099-12-31", replying_to=(said, ben))
    fake.message(anna, group, "/task Kaffee kochen bis 2099-12-31")  # no reply, nobody named
    await telegram.sent(4)
    await telegram.settled()
    texts = [(s.chat_id, as_shown(s.text)) for s in fake.sent]
    assert (
        -100,
        "So geht es: /task @PERSON WAS [bis WANN | jeden REGEL] [Vertretung @PERSON]",
    ) in texts
    assert any(c == -100 and t.startswith("Aufgabe 1 für Ben: Raum buchen") for c, t in texts)
    assert any(c == 7 and "Anna bittet Sie in Plenum, Aufgabe 1" in t for c, t in texts)


async def test_two_thousand_open_tasks_come_in_several_messages_none_lost(
    telegram: Running,
) -> None:
    fake = telegram.fake
    await _circle(telegram)
    async with telegram.core.sessions.begin() as session:
        circle = await session.scalar(select(Circle))
        anna = await session.scalar(select(Member))
        assert circle is not None and anna is not None
        now = telegram.core.runtime.clock.now()
        rows = [
            {
                "circle_id": circle.id,
                "text": f"Aufgabe & <Nummer> {n} mit etwas mehr Text, damit die Zeile lang wird",
                "owner_id": anna.id,
                "creator_id": anna.id,
                "status": TaskStatus.ACCEPTED,
                "due_on": date(2099, 1, 1 + n % 28),
                "created_at": now,
                "reminders_sent": 0,
                "deputy_asked": False,
            }
            for n in range(2000)
        ]
        await session.execute(insert(Task), rows)
    fake.message(fake.user(ANNA, "Anna", "anna"), fake.group(-100, "Plenum"), "/tasks alle")
    await telegram.settled()
    parts = [s for s in fake.sent[1:] if s.chat_id == -100]
    assert len(parts) > 1
    shown = [as_shown(s.text) for s in parts]
    assert all(units(text) <= MAX_TEXT for text in shown)
    numbers = {int(n) for n in re.findall(r"^(\d+)\. Aufgabe", "\n".join(shown), re.MULTILINE)}
    assert numbers == set(range(1, 2001))
