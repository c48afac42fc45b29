"""One circle with a Telegram group and a Matrix room: one poll, shown in both, one tally.

The bot runs with both transports at once: Telegram against the fake Bot API, Matrix
against the real Synapse. The clock is a ManualClock, moved instead of waiting.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bot.app import open_core
from bot.clock import ManualClock
from bot.config import Settings
from bot.db.models import Vote
from bot.events import Event
from bot.transports.matrix.transport import MatrixTransport
from bot.transports.telegram.limits import SendLimits
from bot.transports.telegram.transport import TelegramTransport
from handlers import capabilities
from tests.matrix_running import bot_account, matrix_settings, person
from tests.synapse import Homeserver
from tests.telegram_fake import Sent
from tests.telegram_running import ANNA, Hours, fake_bot_api, telegram_settings

POLL = "org.matrix.msc3381.poll.start"
TEXT = "org.matrix.msc1767.text"


async def until(
    check: Callable[[], Awaitable[bool] | bool], what: str, timeout: float = 20
) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = check()
        if await result if isinstance(result, Awaitable) else result:
            return
        assert asyncio.get_running_loop().time() < deadline, f"not reached: {what}"
        await asyncio.sleep(0.02)


def keyboard_data(sent: Sent, label: str) -> str:
    rows = (sent.params.get("reply_markup") or {}).get("inline_keyboard", [])
    return next(b["callback_data"] for row in rows for b in row if b["text"] == label)


async def test_a_meeting_poll_across_telegram_and_matrix_has_one_tally(
    settings: Settings, synapse: Homeserver, tmp_path: Path
) -> None:
    clock = ManualClock(datetime(2026, 11, 21, 17, 0, tzinfo=UTC))
    anna_mx = await person(synapse, "anna", tmp_path / "people")
    ben_mx = await person(synapse, "ben", tmp_path / "people")
    bot_id = await bot_account(synapse)
    both = matrix_settings(settings, synapse, bot_id, tmp_path / "bot", anna_mx.user_id)
    network = replace(both.network, coordinators=(f"telegram:{ANNA}", f"matrix:{anna_mx.user_id}"))
    async with fake_bot_api() as fake:
        both = replace(both, network=network, telegram=telegram_settings(fake.base_url))
        telegram = TelegramTransport(both.telegram, poll_timeout=1, limits=SendLimits(Hours()))
        matrix = MatrixTransport(both.matrix, sync_timeout_ms=5000, retry_delay=0.05)
        core = await open_core(
            both, clock, {"telegram": telegram, "matrix": matrix}, capabilities()
        )

        async def handle(event: Event) -> None:
            await core.dispatcher.handle(event)
            await core.sender.drain()

        await telegram.start(handle, core.store)
        await matrix.start(handle, core.store)
        try:
            await _cycle(core, clock, fake, anna_mx, ben_mx, bot_id)
        finally:
            await telegram.stop()
            await matrix.stop()
            await core.close()
            await anna_mx.client.close()
            await ben_mx.client.close()


async def _cycle(
    core: Any, clock: ManualClock, fake: Any, anna_mx: Any, ben_mx: Any, bot_id: str
) -> None:
    group = fake.group(-700, "Plenum")
    anna_tg = fake.user(ANNA, "Anna", "anna", language="en")
    cem_tg = fake.user(5002, "Cem", "cem", language="en")

    def in_group(*words: str) -> list[Sent]:
        return [s for s in fake.sent if s.chat_id == -700 and all(w in s.text for w in words)]

    fake.message(anna_tg, group, "/setup Plenum")
    await until(lambda: bool(in_group("new circle")), "the Telegram group is set up")
    room = await anna_mx.create_room(invite=bot_id, name="Plenum")
    await anna_mx.client.room_invite(room, ben_mx.user_id)
    await ben_mx.client.join(room)
    await anna_mx.say(room, "/language en")
    await anna_mx.receive(room)
    await anna_mx.say(room, "/setup Plenum")
    (joined,) = await anna_mx.receive(room)
    assert "belongs to the circle" in joined["content"]["body"]
    fake.message(cem_tg, group, "/availability Mon-Fri 17-21")
    await until(lambda: bool(in_group("You can come")), "cem's availability")

    fake.message(anna_tg, group, "/meeting new Plenum 2h within 3 weeks")
    await until(lambda: bool(in_group("Proposed slots")), "the proposal")
    (draft,) = in_group("Proposed slots")
    fake.tap(anna_tg, draft, keyboard_data(draft, "Publish the poll"))

    # The poll and its tally, in both chats at once.
    await until(lambda: bool(in_group("Answers for")), "the poll in Telegram")
    (poll_tg,) = in_group("When can you come")
    (tally_tg,) = in_group("Answers for")

    async def in_room(kind: str, words: str) -> list[dict[str, Any]]:
        await ben_mx.sync()
        return [
            e
            for e in ben_mx.seen
            if e["type"] == kind and words in str(e["content"].get(POLL) or e["content"])
        ]

    async def poll_and_tally_in_room() -> bool:
        return bool(await in_room(POLL, "When can you come")) and bool(
            await in_room("m.room.message", "Answers for")
        )

    await until(poll_and_tally_in_room, "the poll and the tally in Matrix")
    (poll_mx,) = await in_room(POLL, "When can you come")

    # Cem answers on Telegram, Ben in Element: one tally.
    fake.tap(cem_tg, poll_tg, keyboard_data(poll_tg, "1: yes"))
    answers = {a[TEXT]: a["id"] for a in poll_mx["content"][POLL]["answers"]}
    vote = {
        "m.relates_to": {"rel_type": "m.reference", "event_id": poll_mx["event_id"]},
        "org.matrix.msc3381.poll.response": {"answers": [answers["1: yes"]]},
    }
    await ben_mx.send(room, vote, kind="org.matrix.msc3381.poll.response")
    await _tally_edit(core, clock, fake, tally_tg, "2 yes")

    # The edit reached the Matrix room too, as a replacement of the tally.
    async def replaced() -> bool:
        edits = await in_room("m.room.message", "m.new_content")
        return any("2 yes" in e["content"]["m.new_content"]["body"] for e in edits)

    await until(replaced, "the tally edited in Matrix")

    # Closing announces the meeting with its calendar file in both chats.
    await anna_mx.say(room, "/meeting close")
    await until(lambda: any(s.method == "sendDocument" for s in fake.sent), "the .ics on Telegram")
    document = next(s for s in fake.sent if s.method == "sendDocument")
    assert document.params["document_name"] == "meeting-1.ics"
    assert any("takes place on" in s.text for s in in_group())

    async def announced() -> bool:
        return bool(await in_room("m.room.message", "meeting-1.ics"))

    await until(announced, "the .ics in Matrix")


async def _tally_edit(core: Any, clock: ManualClock, fake: Any, tally: Sent, wanted: str) -> None:
    """Once both votes are in, move the clock past the 3-second batching and fire the
    due edit: the Telegram tally shows `wanted`."""

    async def both_votes() -> bool:
        async with core.sessions() as session:
            return await session.scalar(select(func.count()).select_from(Vote)) == 2

    await until(both_votes, "both votes recorded")
    clock.advance(timedelta(seconds=3))
    await core.due.fire_due()
    await core.sender.drain()
    await until(
        lambda: any(e.message_id == tally.message_id and wanted in e.text for e in fake.edits),
        f"the Telegram tally shows {wanted}",
    )
