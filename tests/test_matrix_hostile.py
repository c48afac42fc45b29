"""10,000 generated hostile strings through a real Synapse, both ways: the bot's HTML is
escaped and shows each string intact; what people type reaches the core unchanged."""

from __future__ import annotations

import html
import re
import time
from pathlib import Path

from bot.config import DatabaseSettings, Settings
from bot.events import ChatAddress, ChatKind, MessageEvent
from bot.messages import OutgoingMessage, RichText, Span, Style
from bot.transports import Progress
from tests.matrix_running import bot_account, matrix_settings, person, running_bot
from tests.synapse import Homeserver
from tests.test_telegram_hostile import SEPARATOR, hostile_strings, packed


def shown(formatted: str) -> str:
    """What Element shows of the bot's HTML: our tags gone, line breaks, entities decoded."""
    assert "<a" not in formatted and "<script" not in formatted
    return html.unescape(re.sub(r"</?(b|i|code)>", "", formatted.replace("<br>", "\n")))


async def test_hostile_strings_both_ways(synapse: Homeserver, tmp_path: Path) -> None:
    strings = hostile_strings()
    settings = Settings(database=DatabaseSettings(url=f"sqlite+aiosqlite:///{tmp_path}/h.db"))
    anna = await person(synapse, "anna", tmp_path / "people")
    bot_id = await bot_account(synapse)
    with_matrix = matrix_settings(settings, synapse, bot_id, tmp_path / "bot", anna.user_id)
    try:
        async with running_bot(with_matrix) as bot:
            room = await anna.create_room(invite=bot_id)
            await anna.until_member(room, bot_id, "join")
            while room not in bot.transport.client.rooms:  # the bot's own sync knows it
                await anna.sync()
            chat = ChatAddress("matrix", room, ChatKind.GROUP)
            batches = packed(strings, limit=8000)  # Matrix has no 4,096 limit
            styles = list(Style)
            for number, batch in enumerate(batches):
                spans = tuple(
                    Span(text + SEPARATOR, styles[(number + i) % len(styles)])
                    for i, text in enumerate(batch)
                )
                await bot.transport.send(chat, OutgoingMessage(RichText(spans)), Progress())
            said = [e["content"] for e in await anna.history(room)]
            assert len(said) == len(batches)
            for content, batch in zip(said, batches, strict=True):
                expected = "".join(text + SEPARATOR for text in batch)
                assert content["body"] == expected
                assert shown(content["formatted_body"]) == expected

            for batch in packed(strings, limit=8000):
                await anna.say(room, SEPARATOR.join(batch))
            deadline = time.monotonic() + 60
            while sum(isinstance(e, MessageEvent) for e in bot.handled) < len(batches):
                assert time.monotonic() < deadline, "not all messages reached the bot"
                await anna.sync()
            texts = [e.text for e in bot.handled if isinstance(e, MessageEvent)]
            assert SEPARATOR.join(texts).split(SEPARATOR) == strings
    finally:
        await anna.client.close()
