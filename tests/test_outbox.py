"""The outbox: queued with its cause, delivered in order, retried, blanked, never lost."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select

from bot.app import Core, open_core
from bot.clock import ManualClock
from bot.config import Settings
from bot.db.models import Channel, OutboxFile, OutboxMessage, RelayedMessage
from bot.events import ButtonEvent, Retracted
from bot.messages import Attachment, OutgoingMessage
from bot.outbox import MAX_ATTEMPTS
from bot.transports import PermanentFailure, RetryLater
from bot.transports.console.transport import ConsoleTransport
from handlers import capabilities
from tests.helpers import Recorder


@dataclass
class Rig:
    core: Core
    clock: ManualClock
    recorder: Recorder
    people: ConsoleTransport  # only builds events

    async def say(self, user: str, channel: str | None, text: str) -> None:
        await self.core.dispatcher.handle(self.people.message(user, channel, text))

    async def rows(self) -> list[OutboxMessage]:
        async with self.core.sessions() as session:
            return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


@pytest.fixture
async def rig(settings: Settings) -> AsyncIterator[Rig]:
    clock = ManualClock(datetime(2026, 3, 2, 17, 0, tzinfo=UTC))
    recorder = Recorder()
    core = await open_core(settings, clock, {"console": recorder}, capabilities())
    try:
        yield Rig(core, clock, recorder, ConsoleTransport(clock, settings.network.tz, print))
    finally:
        await core.close()


async def test_group_replies_answer_the_command_and_private_ones_do_not(rig: Rig) -> None:
    await rig.say("anna", "plenum", "/start")
    await rig.say("anna", None, "/start")
    assert await rig.core.sender.drain() == 2
    (group_chat, group_reply), (private_chat, private_reply) = rig.recorder.sent
    assert group_chat.chat_id == "#plenum" and group_reply.reply_to == "m1"
    assert private_chat.chat_id == "@anna" and private_reply.reply_to is None


async def test_a_delivered_message_keeps_its_id_but_not_its_text(rig: Rig) -> None:
    await rig.say("anna", "plenum", "/start")
    (pending,) = await rig.rows()
    assert pending.payload is not None and pending.sent_at is None
    await rig.core.sender.drain()
    (sent,) = await rig.rows()
    assert sent.payload is None
    assert sent.sent_at == rig.clock.now()
    assert sent.platform_message_id == "sent-1"


async def test_a_rate_limit_holds_back_the_whole_chat_in_order(rig: Rig) -> None:
    await rig.say("anna", "plenum", "/start")
    await rig.say("anna", "plenum", "/whoami")
    rig.recorder.failures.append(RetryLater(30))
    assert await rig.core.sender.drain() == 0
    rig.clock.advance(timedelta(seconds=29))
    assert await rig.core.sender.drain() == 0
    rig.clock.advance(timedelta(seconds=1))
    assert await rig.core.sender.drain() == 2
    texts = [message.text.plain for _, message in rig.recorder.sent]
    assert texts[0].startswith("Hallo anna!") and texts[1].startswith("Sie sind anna.")


async def test_what_is_queued_while_a_chat_is_held_waits_behind_it(rig: Rig) -> None:
    await rig.say("anna", "plenum", "/start")
    rig.recorder.failures.append(RetryLater(30))
    assert await rig.core.sender.drain() == 0
    await rig.say("anna", "plenum", "/whoami")  # after the hold: must not overtake
    await rig.say("ben", "ag", "/whoami")  # another chat goes on
    assert await rig.core.sender.drain() == 1
    assert await rig.core.sender.next_wake(60) == 30  # when the held one may go, not now
    rig.clock.advance(timedelta(seconds=30))
    assert await rig.core.sender.drain() == 2
    texts = [message.text.plain for _, message in rig.recorder.sent]
    assert texts[0].startswith("Sie sind ben.")
    assert texts[1].startswith("Hallo anna!") and texts[2].startswith("Sie sind anna.")


async def test_a_failing_send_is_retried_with_backoff_then_given_up(rig: Rig) -> None:
    await rig.say("anna", "plenum", "/start")
    rig.recorder.failures.extend(ConnectionError("down") for _ in range(MAX_ATTEMPTS))
    for _ in range(MAX_ATTEMPTS):
        assert await rig.core.sender.drain() == 0
        rig.clock.advance(timedelta(hours=2))
    (row,) = await rig.rows()
    assert row.attempts == MAX_ATTEMPTS
    assert row.failed_at is not None and row.payload is None
    assert row.last_error == "ConnectionError: down"


async def test_a_retry_waits_its_backoff(rig: Rig) -> None:
    await rig.say("anna", "plenum", "/start")
    rig.recorder.failures.append(ConnectionError("blip"))
    await rig.core.sender.drain()
    (row,) = await rig.rows()
    assert row.not_before == rig.clock.now() + timedelta(seconds=20)
    assert await rig.core.sender.drain() == 0
    rig.clock.advance(timedelta(seconds=20))
    assert await rig.core.sender.drain() == 1


async def test_a_permanent_failure_is_not_retried(rig: Rig) -> None:
    await rig.say("anna", "plenum", "/start")
    rig.recorder.failures.append(PermanentFailure("chat not found"))
    assert await rig.core.sender.drain() == 0
    (row,) = await rig.rows()
    assert row.failed_at is not None and row.attempts == 0
    assert await rig.core.sender.drain() == 0


async def test_a_queued_message_survives_a_restart(rig: Rig, settings: Settings) -> None:
    await rig.say("anna", "plenum", "/start")  # queued, not yet delivered: then a "crash"
    await rig.core.close()
    rig.core = await open_core(settings, rig.clock, {"console": rig.recorder}, capabilities())
    assert await rig.core.sender.drain() == 1
    assert rig.recorder.sent[0][1].text.plain.startswith("Hallo anna!")


async def test_after_a_failed_send_the_next_message_does_not_overtake(rig: Rig) -> None:
    await rig.say("anna", "plenum", "/start")
    await rig.say("anna", "plenum", "/whoami")
    rig.recorder.failures.append(ConnectionError("blip"))
    assert await rig.core.sender.drain() == 0
    assert await rig.core.sender.drain() == 0  # /whoami's answer waits for /start's
    rig.clock.advance(timedelta(seconds=20))
    assert await rig.core.sender.drain() == 2
    assert rig.recorder.sent[0][1].text.plain.startswith("Hallo anna!")


async def test_an_unreadable_row_fails_alone_and_blocks_nothing(rig: Rig) -> None:
    await rig.say("anna", "plenum", "/start")
    await rig.say("anna", "plenum", "/whoami")
    async with rig.core.sessions.begin() as session:
        first = await session.scalar(select(OutboxMessage).order_by(OutboxMessage.id))
        assert first is not None
        first.payload = {"text": [["x", "blinking"]]}  # a style no version knows
    assert await rig.core.sender.drain() == 1
    rows = await rig.rows()
    assert rows[0].failed_at is not None and rows[0].last_error.startswith("unreadable payload")
    assert rows[1].sent_at is not None


async def test_messages_after_a_goodbye_are_not_sent_into_an_erased_chat(rig: Rig) -> None:
    await rig.say("dana", None, "/start")
    await rig.core.sender.drain()
    await rig.say("dana", None, "/forgetme")
    await rig.core.sender.drain()
    confirm = rig.recorder.sent[-1][1].buttons[0][0]
    event = rig.people.message("dana", None, "")
    tap = ButtonEvent(chat=event.chat, sender=event.sender, data=confirm.data)
    await rig.core.dispatcher.handle(tap)
    await rig.say("dana", None, "/start")  # back at once: a new person, the same chat
    assert await rig.core.sender.drain() == 2
    goodbye, welcome = (message.text.plain for _, message in rig.recorder.sent[-2:])
    assert goodbye.startswith("Erledigt") and welcome.startswith("Hallo dana!")
    async with rig.core.sessions() as session:
        chat = await session.scalar(select(Channel).where(Channel.chat_id == "@dana"))
    assert chat is not None and chat.member_id is not None  # the chat is the new dana's


async def test_the_sender_wakes_when_the_earliest_held_message_may_go(rig: Rig) -> None:
    assert await rig.core.sender.next_wake(30) == 30  # nothing pending: the idle poll
    await rig.say("anna", "plenum", "/start")
    rig.recorder.failures.append(RetryLater(1.5))
    await rig.core.sender.drain()
    assert await rig.core.sender.next_wake(30) == 1.5
    rig.clock.advance(timedelta(seconds=2))
    assert await rig.core.sender.next_wake(30) == 0  # fell due since: at once
    drained_at = rig.clock.now()
    assert await rig.core.sender.next_wake(30, drained_at) == 0.05  # left by a drain: soon


async def test_a_stopped_sender_finishes_without_being_cancelled_and_sends_no_more(
    rig: Rig,
) -> None:
    sender = rig.core.sender
    running = asyncio.create_task(sender.run(idle_seconds=30))
    sender.stop()
    await asyncio.wait_for(running, timeout=5)  # returns by itself, not by cancellation
    await rig.say("anna", None, "/start")
    assert await sender.drain() == 0  # what comes after the stop waits for the next start
    (row,) = await rig.rows()
    assert row.sent_at is None and rig.recorder.sent == []


async def test_a_chat_held_while_handling_an_event_goes_when_due_not_at_the_idle_poll(
    rig: Rig,
) -> None:
    sender = rig.core.sender
    running = asyncio.create_task(sender.run(idle_seconds=30))
    try:
        await asyncio.sleep(0)  # run() drained (nothing) and waits its 30 s
        await rig.say("anna", "plenum", "/start")
        rig.recorder.failures.append(RetryLater(1))
        assert await sender.drain() == 0  # as after an event: held for a second
        rig.clock.advance(timedelta(seconds=1))
        deadline = asyncio.get_running_loop().time() + 5
        while not rig.recorder.sent:
            assert asyncio.get_running_loop().time() < deadline, "sent only at the idle poll"
            await asyncio.sleep(0.01)
    finally:
        sender.stop()
        await running


async def test_nothing_is_sent_to_a_platform_before_its_transport_started(rig: Rig) -> None:
    """At a restart, what waited from before must not go to a transport still starting."""
    rig.core.sender.before_start()
    await rig.say("anna", "plenum", "/start")
    assert await rig.core.sender.drain() == 0
    rig.core.sender.started("console")
    assert await rig.core.sender.drain() == 1


MINUTES = Attachment("protokoll.md", "text/markdown", b"Beschluss: Sommerfest\n" * 500)


async def _chats(rig: Rig, *chat_ids: str) -> list[Channel]:
    async with rig.core.sessions() as session:
        found = await session.scalars(select(Channel).where(Channel.chat_id.in_(chat_ids)))
        return sorted(found, key=lambda chat: chat_ids.index(chat.chat_id))


async def _files(rig: Rig) -> list[OutboxFile]:
    async with rig.core.sessions() as session:
        return list(await session.scalars(select(OutboxFile)))


async def test_a_file_for_many_chats_is_kept_once_until_the_last_chat_has_it(rig: Rig) -> None:
    for user, room in (("anna", "plenum"), ("ben", "ag"), ("cem", "vorstand")):
        await rig.say(user, room, "/start")
    await rig.core.sender.drain()
    plenum, ag, board = await _chats(rig, "#plenum", "#ag", "#vorstand")
    message = OutgoingMessage.plain("Das Protokoll", attachments=(MINUTES,))
    async with rig.core.sessions.begin() as session:
        for chat in (plenum, ag, board):
            await rig.core.runtime.outbox.queue(session, chat, message)
    (kept,) = await _files(rig)
    assert kept.data == MINUTES.data
    queued = (await rig.rows())[-3:]
    assert {row.file_id for row in queued} == {kept.id}
    assert all(row.payload["attachments"] == [["protokoll.md", "text/markdown", None]]
               for row in queued if row.payload)  # fmt: skip
    async with rig.core.sessions.begin() as session:  # the board's chat goes meanwhile
        await session.execute(delete(Channel).where(Channel.id == board.id))
    rig.recorder.failures.append(ConnectionError("blip"))  # the plenum's send fails once
    assert await rig.core.sender.drain() == 1
    assert [file.id for file in await _files(rig)] == [kept.id]  # the plenum still waits
    rig.clock.advance(timedelta(seconds=20))
    assert await rig.core.sender.drain() == 1
    delivered = rig.recorder.sent[-2:]
    assert [chat.chat_id for chat, _ in delivered] == ["#ag", "#plenum"]
    assert all(sent.attachments == (MINUTES,) for _, sent in delivered)
    assert await _files(rig) == []


async def test_a_rolled_back_transaction_leaves_no_file_for_the_next_one(rig: Rig) -> None:
    await rig.say("anna", "plenum", "/start")
    (plenum,) = await _chats(rig, "#plenum")
    message = OutgoingMessage.plain("Das Protokoll", attachments=(MINUTES,))
    outbox = rig.core.runtime.outbox
    async with rig.core.sessions() as session:
        await session.begin()
        await outbox.queue(session, plenum, message)
        await session.rollback()
        await session.begin()
        await outbox.queue(session, plenum, message)  # keeps the file anew
        await session.commit()
    (kept,) = await _files(rig)
    assert (await rig.rows())[-1].file_id == kept.id
    assert await rig.core.sender.drain() == 2
    assert rig.recorder.sent[-1][1].attachments == (MINUTES,)


async def test_a_row_whose_file_is_gone_fails_alone(rig: Rig) -> None:
    await rig.say("anna", "plenum", "/start")
    (plenum,) = await _chats(rig, "#plenum")
    message = OutgoingMessage.plain("Das Protokoll", attachments=(MINUTES,))
    async with rig.core.sessions.begin() as session:
        await rig.core.runtime.outbox.queue(session, plenum, message)
        await session.execute(delete(OutboxFile))
    assert await rig.core.sender.drain() == 1  # the answer to /start
    row = (await rig.rows())[-1]
    assert row.failed_at is not None and row.last_error.startswith("unreadable payload")


async def _bridged(rig: Rig) -> None:
    """Circle Plenum with group chats #plenum and #ag, bridged; what the bot said is sent."""
    await rig.say("anna", "plenum", "/setup Plenum")
    await rig.say("anna", "ag", "/setup Plenum")
    await rig.say("anna", "plenum", "/bridge on")
    await rig.core.sender.drain()
    rig.recorder.sent.clear()
    rig.recorder.keys.clear()


async def _texts(rig: Rig) -> list[str]:
    return [message.text.plain for _, message in rig.recorder.sent]


async def test_copies_held_back_by_a_rate_limit_go_merged_per_sender_in_order(rig: Rig) -> None:
    await _bridged(rig)
    await rig.say("ben", "plenum", "eins")
    rig.recorder.failures.append(RetryLater(30))
    assert await rig.core.sender.drain() == 0
    for user, text in [("ben", "zwei"), ("ben", "drei"), ("cem", "vier"), ("ben", "fünf")]:
        await rig.say(user, "plenum", text)
    rig.clock.advance(timedelta(seconds=30))
    assert await rig.core.sender.drain() == 5  # nothing dropped
    merged, cem, last = await _texts(rig)
    assert re.fullmatch(r"ben #\d+: eins\nzwei\ndrei", merged), merged
    assert re.fullmatch(r"cem #\d+: vier", cem) and re.fullmatch(r"ben #\d+: fünf", last)
    copies = [row.platform_message_id for row in await rig.rows()][-5:]
    assert copies == ["sent-1", "sent-1", "sent-1", "sent-2", "sent-3"]

    # An answer to the merged message answers the first of them where it was said.
    await rig.say("cem", "ag", "Gut")
    async with rig.core.sessions() as session:
        first = await session.scalar(select(RelayedMessage).order_by(RelayedMessage.id))
    assert first is not None
    await rig.core.dispatcher.handle(
        replace(rig.people.message("cem", "ag", "Gut"), reply_to="sent-1")
    )
    await rig.core.sender.drain()
    assert rig.recorder.sent[-1][1].reply_to == first.source_message_id


async def test_a_message_that_may_have_reached_the_platform_goes_again_as_it_was(
    rig: Rig,
) -> None:
    """A send that failed without an answer (or a crash after it) may have been taken: the
    message goes again with the same rows under the same key, so that a platform that
    knows the key (Matrix) takes it once. A rate limit's refusal took nothing: what waits
    by then is merged anew (the test above)."""
    await _bridged(rig)
    await rig.say("ben", "plenum", "eins")
    rig.recorder.failures.append(RetryLater(30))
    await rig.core.sender.drain()
    await rig.say("ben", "plenum", "zwei")
    rig.clock.advance(timedelta(seconds=30))
    rig.recorder.failures.append(ConnectionResetError("no answer"))
    assert await rig.core.sender.drain() == 0
    await rig.say("ben", "plenum", "drei")  # not part of the message already tried
    rig.clock.advance(timedelta(minutes=1))  # the retry's backoff
    assert await rig.core.sender.drain() == 3
    merged, alone = await _texts(rig)
    assert merged.endswith(": eins\nzwei") and alone.endswith(": drei")
    first_key, *others = rig.recorder.keys
    assert re.fullmatch(r"copy\.#plenum\.m\d+\.to\.\d+", str(first_key)), first_key
    assert others[:2] == [first_key, first_key] and others[2] != first_key


async def test_a_change_to_a_merged_copy_answers_it_and_a_deletion_is_reported(
    rig: Rig,
) -> None:
    await _bridged(rig)
    await rig.say("ben", "plenum", "eins")
    rig.recorder.failures.append(RetryLater(30))
    await rig.core.sender.drain()
    second = rig.people.message("ben", "plenum", "zwei")
    await rig.core.dispatcher.handle(second)
    rig.clock.advance(timedelta(seconds=30))
    assert await rig.core.sender.drain() == 2

    await rig.core.dispatcher.handle(replace(second, text="zwei!", edited=True))
    await rig.core.sender.drain()
    chat, change = rig.recorder.sent[-1]
    assert chat.chat_id == "#ag" and change.replaces is None and change.reply_to == "sent-1"
    assert change.text.plain.endswith(": zwei!")

    gone = Retracted(chat=second.chat, sender=second.sender, message_id=second.message_id)
    await rig.core.dispatcher.handle(gone)
    await rig.core.sender.drain()
    await rig.core.sender.drain()  # the note the failure queued
    chat, note = rig.recorder.sent[-1]
    assert chat.chat_id == "#plenum" and note.reply_to == second.message_id
    assert "nicht löschen" in note.text.plain
