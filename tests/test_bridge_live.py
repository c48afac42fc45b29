"""The bridge between a Telegram group (the real PTB client against the fake Bot API) and a
Matrix room (matrix-nio against the real Synapse), run by one bot."""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from pathlib import Path

from bot.app import open_core
from bot.clock import SystemClock
from bot.config import Settings
from bot.events import Event
from bot.transports.matrix.transport import MatrixTransport
from bot.transports.telegram.limits import SendLimits
from bot.transports.telegram.transport import TelegramTransport
from handlers import capabilities
from tests.matrix_running import bot_account, matrix_settings, person
from tests.synapse import Homeserver
from tests.telegram_running import ANNA, Hours, fake_bot_api, telegram_settings

GROUP = -100


async def test_a_telegram_group_and_a_matrix_room_are_one_conversation(
    settings: Settings, synapse: Homeserver, tmp_path: Path
) -> None:
    anna = await person(synapse, "anna", tmp_path / "people")
    bot_id = await bot_account(synapse)
    settings = matrix_settings(settings, synapse, bot_id, tmp_path / "bot", anna.user_id)
    coordinators = (f"telegram:{ANNA}", f"matrix:{anna.user_id}")
    settings = replace(settings, network=replace(settings.network, coordinators=coordinators))
    async with fake_bot_api() as fake:
        telegram = TelegramTransport(
            telegram_settings(fake.base_url), poll_timeout=1, limits=SendLimits(Hours())
        )
        matrix = MatrixTransport(settings.matrix, sync_timeout_ms=5000, retry_delay=0.05)
        transports = {"telegram": telegram, "matrix": matrix}
        core = await open_core(settings, SystemClock(), transports, capabilities())

        async def handle(event: Event) -> None:
            await core.dispatcher.handle(event)
            await core.sender.drain()

        await telegram.start(handle, core.store)
        await matrix.start(handle, core.store)
        sender = asyncio.create_task(core.sender.run(idle_seconds=5))
        try:
            anna_tg, group = fake.user(ANNA, "Anna", "anna"), fake.group(GROUP, "Plenum TG")
            fake.message(anna_tg, group, "/setup Plenum")
            await fake.wait_sent(1)
            room = await anna.create_room(invite=bot_id, name="Plenum Matrix")
            await anna.say(room, "/setup Plenum")
            await anna.receive(room)

            fake.message(anna_tg, group, "/bridge on")
            (told_matrix,) = await anna.receive(room)
            assert "Plenum TG (Telegram)" in told_matrix["content"]["body"]
            await fake.wait_sent(2)
            assert "Plenum Matrix (Matrix)" in fake.sent[-1].text

            fake.message(fake.user(7, "Ben"), group, "Hallo aus Telegram <b>!</b>")
            (copy,) = await anna.receive(room)
            content = copy["content"]
            assert (
                content["body"].startswith("Ben #")
                and "Hallo aus Telegram <b>!</b>" in (content["body"])
            )
            assert "<b>Ben</b>" in content["formatted_body"]
            assert "&lt;b&gt;!&lt;/b&gt;" in content["formatted_body"]  # escaped, not bold

            await anna.say(room, "Hallo aus Matrix")
            await fake.wait_sent(3)
            last = fake.sent[-1]
            assert last.chat_id == GROUP and "Hallo aus Matrix" in last.text
            assert re.fullmatch(r"<b>anna-\w+</b> #\d+: Hallo aus Matrix", last.text), last.text

            await anna.say(room, "/bridge")  # a command: answered here, not relayed
            (status,) = await anna.receive(room)
            assert "ist an" in status["content"]["body"]
            await core.sender.drain()  # anything relayed is sent by now
            assert len(fake.sent) == 3
        finally:
            await telegram.stop()
            await matrix.stop()
            core.sender.stop()
            await sender
            await core.close()
            await anna.client.close()
