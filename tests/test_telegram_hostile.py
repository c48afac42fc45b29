"""10,000 generated hostile strings through the real PTB client and the fake Bot API,
which parses Telegram HTML as strictly as Telegram: out escaped and intact, in intact."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import Core, open_core
from bot.clock import SystemClock
from bot.config import DatabaseSettings, Settings
from bot.events import ChatAddress, ChatKind, Event, MessageEvent
from bot.messages import OutgoingMessage, RichText, Span, Style
from bot.transports import Progress
from bot.transports.telegram.limits import SendLimits
from bot.transports.telegram.render import units
from bot.transports.telegram.transport import TelegramTransport
from handlers import capabilities
from tests.telegram_fake import FakeBotAPI, as_shown
from tests.telegram_running import Hours, fake_bot_api, telegram_settings

COUNT = 10_000
SEPARATOR = "\x1e"  # never generated: it marks where one string ends in a packed message
PIECES = [
    '<a href="javascript:alert(1)">',
    "</a>",
    "<b>",
    "</code>",
    "&amp;",
    "&lt;",
    "&",
    "<",
    ">",
    '"',
    "'",
    "*bold*",
    "_it_",
    "`code`",
    "```",
    "[x](tg://user?id=1)",
    "~~",
    "||spoiler||",
    "\\",
    "\n",
    "\u202e",  # right-to-left override
    "\u200f",  # right-to-left mark
    "\u200b",  # zero-width space
    "\u200d",  # zero-width joiner
    "\ufeff",
    "👩‍👩‍👧",
    "🏳️‍🌈",
    "ﷺ",
    "مرحبا",
    "Grüße",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
]


def hostile_strings(seed: int = 2026) -> list[str]:
    """COUNT strings; a few are longer than one Telegram message (4,097+ characters)."""
    rng = random.Random(seed)

    def character() -> str:
        while True:
            code = rng.choice([rng.randrange(0x20, 0x7F), rng.randrange(0xA0, 0xD800)])
            code = rng.choice([code, code, rng.randrange(0x1F300, 0x1FAFF)])
            if chr(code) != SEPARATOR:
                return chr(code)

    strings = []
    for n in range(COUNT):
        parts = [
            rng.choice(PIECES) if rng.random() < 0.6 else character()
            for _ in range(rng.randrange(1, 30))
        ]
        text = "".join(parts)
        if n % 500 == 0:
            text = (text + "x" * 4097 + "\n" + text * 50)[: 4097 + n % 5000]
        if text.strip():  # Telegram drops a message of blanks
            strings.append(text)
    return strings


def packed(strings: list[str], limit: int = 4096) -> list[list[str]]:
    """Strings joined into messages of at most `limit`; a longer one is a message alone."""
    messages: list[list[str]] = []
    size = limit + 1
    for text in strings:
        length = units(text) + 1
        if size + length > limit:
            messages.append([])
            size = 0
        messages[-1].append(text)
        size += length
    return messages


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    settings = Settings(database=DatabaseSettings(url=f"sqlite+aiosqlite:///{tmp_path}/h.db"))
    opened = await open_core(settings, SystemClock(), {}, capabilities())
    try:
        yield opened
    finally:
        await opened.close()


async def started(fake: FakeBotAPI, core: Core, received: list[Event]) -> TelegramTransport:
    """The transport alone, each event recorded in `received` and marked handled."""
    transport = TelegramTransport(
        telegram_settings(fake.base_url), poll_timeout=1, limits=SendLimits(Hours())
    )

    async def record(event: Event) -> None:
        received.append(event)
        assert event.receipt is not None
        await core.store.done(event.receipt)

    await transport.start(record, core.store)
    return transport


def test_the_fake_parses_html_as_strictly_as_telegram() -> None:
    assert as_shown("<b>a &lt;b&gt; &amp; &quot;</b>") == 'a <b> & "'
    for wrong in ('<a href="javascript:x">', "a < b", "AT&T", "<b>open", "<i>x</b>"):
        with pytest.raises(ValueError):
            as_shown(wrong)


async def test_hostile_strings_go_out_escaped_and_arrive_intact(core: Core) -> None:
    strings = hostile_strings()
    assert len(strings) > 9_900 and max(len(s) for s in strings) > 4096
    styles = list(Style)
    async with fake_bot_api() as fake:
        transport = await started(fake, core, [])
        try:
            chat = ChatAddress("telegram", "7", ChatKind.PRIVATE)
            for number, batch in enumerate(packed(strings)):
                spans = [
                    Span(text + SEPARATOR, styles[(number + i) % len(styles)])
                    for i, text in enumerate(batch)
                ]
                before = len(fake.sent)
                await transport.send(chat, OutgoingMessage(RichText(tuple(spans))), Progress())
                parts = [s.params["shown"] for s in fake.sent[before:]]
                assert all(units(part) <= 4096 for part in parts)
                got, expected = "".join(parts), "".join(text + SEPARATOR for text in batch)
                # A message cut in parts loses at most the line break at each cut.
                assert got.replace("\n", "") == expected.replace("\n", "")
                assert got.count("\n") >= expected.count("\n") - (len(parts) - 1)
        finally:
            await transport.stop()


async def test_hostile_strings_people_type_reach_the_core_unchanged(core: Core) -> None:
    strings = [s for s in hostile_strings() if units(s) < 4096]
    received: list[Event] = []
    async with fake_bot_api() as fake:
        eve = fake.user(8, "Eve")
        for batch in packed(strings, limit=4095):
            fake.message(eve, fake.private(eve), SEPARATOR.join(batch))
        transport = await started(fake, core, received)
        try:
            while fake.updates or await core.store.pending("telegram"):
                await asyncio.sleep(0.01)
        finally:
            await transport.stop()
    texts = [e.text for e in received if isinstance(e, MessageEvent)]
    assert SEPARATOR.join(texts).split(SEPARATOR) == strings
