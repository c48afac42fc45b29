"""What the bot sends to Telegram: long messages in parts, moved chats, edits, files."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.clock import ManualClock
from bot.config import Settings
from bot.db.models import Channel, OutboxMessage
from bot.messages import Attachment, Button, OutgoingMessage, RichText
from bot.transports.telegram.limits import SendLimits
from tests.telegram_running import Running, fake_bot_api, running, with_anna

NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


async def queue(bot: Running, chat_id: int, message: OutgoingMessage) -> None:
    """Queue `message` to a chat the bot knows, as a handler would."""
    async with bot.core.sessions.begin() as session:
        channel = await session.scalar(select(Channel).where(Channel.chat_id == str(chat_id)))
        assert channel is not None
        await bot.core.runtime.outbox.queue(session, channel, message)


async def only_row(bot: Running) -> OutboxMessage:
    async with bot.core.sessions() as session:
        rows = list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    return rows[-1]


def long_text() -> str:
    """Three Telegram messages' worth of numbered lines."""
    return "\n".join(f"Zeile {n:05d} " + "x" * 80 for n in range(120))


async def test_a_long_message_is_never_sent_twice_when_its_chat_reaches_a_limit(
    settings: Settings,
) -> None:
    clock = ManualClock(NOON)
    limits = SendLimits(lambda: clock.now().timestamp())
    async with fake_bot_api() as fake, running(with_anna(settings), fake, limits, clock) as bot:
        anna = fake.user(9001, "Anna")
        group = fake.group(-100, "Plenum")
        fake.message(anna, group, "/setup Plenum")
        await bot.sent(1)
        clock.advance(timedelta(seconds=5))
        await queue(bot, -100, OutgoingMessage.plain(long_text()))
        await bot.core.sender.drain()
        # One part went; the next would break the one-a-second rule: the outbox holds it.
        assert len(fake.sent) == 2
        assert (await only_row(bot)).parts_done == 1
        fake.retry_after.append(3)  # and Telegram says 429 to the second part, once
        clock.advance(timedelta(seconds=1.05))
        await bot.core.sender.drain()
        assert len(fake.sent) == 2 and (await only_row(bot)).parts_done == 1
        for _ in range(2):
            clock.advance(timedelta(seconds=3))
            await bot.core.sender.drain()
        parts = fake.sent[1:]
        assert len(parts) == 3
        assert "\n".join(part.text for part in parts) == long_text()
        row = await only_row(bot)
        assert row.sent_at is not None and row.platform_message_id == str(parts[-1].message_id)


async def test_a_message_to_a_group_that_became_a_supergroup_goes_to_the_new_chat(
    telegram: Running,
) -> None:
    fake = telegram.fake
    anna = fake.user(9001, "Anna")
    group = fake.group(-100, "Plenum")
    fake.message(anna, group, "/setup Plenum")
    await telegram.sent(1)
    fake.migrated[-100] = -1001234  # the bot has not heard of it yet
    await queue(telegram, -100, OutgoingMessage.plain("Bitte an das Treffen denken."))
    await telegram.core.sender.drain()
    reminder = (await telegram.sent(2))[1]
    assert reminder.chat_id == -1001234 and reminder.text == "Bitte an das Treffen denken."
    fake.message(anna, {**group, "id": -1001234, "type": "supergroup"}, "/members")
    members = (await telegram.sent(3))[2]
    assert members.text.startswith("Mitglieder von <b>Plenum</b> (1):")


async def test_a_sent_message_can_be_edited_stripped_of_its_buttons_and_deleted(
    telegram: Running,
) -> None:
    fake = telegram.fake
    ben = fake.user(7, "Ben")
    fake.message(ben, fake.private(ben), "/start")
    await telegram.sent(1)
    vote = (Button("Ja", "vote:1"), Button("Nein", "vote:0"))
    await queue(telegram, 7, OutgoingMessage.plain("Ja: 0, Nein: 0", buttons=(vote,)))
    await telegram.core.sender.drain()
    tally = (await telegram.sent(2))[1]
    replaces = str(tally.message_id)
    for text in ("Ja: 1, Nein: 0", "Ja: 1, Nein: 0"):  # the second changes nothing: fine
        edit = OutgoingMessage.plain(text, buttons=(vote,), replaces=replaces)
        await queue(telegram, 7, edit)
    await queue(telegram, 7, OutgoingMessage(RichText(), replaces=replaces, buttons=((vote[0],),)))
    await telegram.core.sender.drain()
    assert [e.text for e in fake.edits] == ["Ja: 1, Nein: 0", "Ja: 1, Nein: 0"]
    assert fake.sent[1].text == "Ja: 1, Nein: 0"
    assert fake.sent[1].params["reply_markup"] == {
        "inline_keyboard": [[{"text": "Ja", "callback_data": "vote:1"}]]
    }
    await queue(telegram, 7, OutgoingMessage.deletion(replaces))
    await telegram.core.sender.drain()
    assert fake.deleted == [(7, tally.message_id)] and len(fake.sent) == 1
    async with telegram.core.sessions() as session:
        rows = list(await session.scalars(select(OutboxMessage)))
    assert all(row.sent_at is not None and row.failed_at is None for row in rows)


async def test_someone_waiting_for_a_slow_answer_sees_typing(settings: Settings) -> None:
    async with fake_bot_api() as fake, running(settings, fake, typing_after=0) as bot:
        ben = fake.user(7, "Ben")
        fake.message(ben, fake.private(ben), "/start")
        await bot.sent(1)
        await bot.until(lambda: _true(fake.actions), "typing shown")
        assert fake.actions == [(7, "typing")]
        fake.message(ben, fake.group(-100, "Plenum"), "just chatting")  # nobody waits
        await bot.settled()
        assert fake.actions == [(7, "typing")]


async def _true(value: object) -> bool:
    return bool(value)


async def test_pictures_go_as_photos_and_odd_ones_as_files(telegram: Running) -> None:
    fake = telegram.fake
    ben = fake.user(7, "Ben")
    fake.message(ben, fake.private(ben), "/start")
    await telegram.sent(1)
    picture = Attachment("heatmap.png", "image/png", b"\x89PNG\r\n\x1a\n pixels")
    caption = "Wer kann <wann>?"
    await queue(telegram, 7, OutgoingMessage.plain(caption, attachments=(picture,)))
    await telegram.core.sender.drain()
    photo = (await telegram.sent(2))[1]
    assert photo.method == "sendPhoto" and photo.text == "Wer kann &lt;wann&gt;?"
    assert photo.params["photo_bytes"] == len(picture.data)
    fake.reject_photos = True
    await queue(telegram, 7, OutgoingMessage(RichText(), attachments=(picture,)))
    await telegram.core.sender.drain()
    assert (await telegram.sent(3))[2].method == "sendDocument"
