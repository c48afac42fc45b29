"""Running the real bot core with the Telegram transport against the fake Bot API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select

from bot.app import Core, open_core
from bot.clock import Clock, SystemClock
from bot.config import Settings, TelegramSettings
from bot.db.models import OutboxMessage
from bot.events import Event
from bot.transports.telegram.limits import SendLimits
from bot.transports.telegram.transport import TelegramTransport
from handlers import capabilities
from tests.telegram_fake import TOKEN, FakeBotAPI, Sent

ANNA = 9001  # a network coordinator: telegram:9001 in the settings below


@dataclass
class Running:
    fake: FakeBotAPI
    core: Core
    transport: TelegramTransport
    handled: list[Event]  # every event the core was given, in order, failed tries included
    faults: list[Exception]  # raised, one per event, in place of handling it

    async def sent(self, count: int, timeout: float = 10) -> list[Sent]:
        """Wait until the bot has sent `count` messages in all (a real peer's round trip)."""

        async def enough() -> bool:
            return len(self.fake.sent) >= count

        await self.until(enough, f"{count} messages sent", timeout)
        return self.fake.sent

    async def until(
        self, check: Callable[[], Awaitable[bool]], what: str, timeout: float = 10
    ) -> None:
        """Poll `check` while the bot and the fake server talk over HTTP."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not await check():
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"not reached in {timeout} s: {what}")
            await asyncio.sleep(0.01)

    async def waiting(self) -> list[OutboxMessage]:
        """Outbox rows not delivered, not given up and not parked."""
        async with self.core.sessions() as session:
            rows = await session.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.sent_at.is_(None),
                    OutboxMessage.failed_at.is_(None),
                    OutboxMessage.parked_at.is_(None),
                )
            )
            return list(rows)

    async def settled(self) -> None:
        """Every update taken and handled, every due answer delivered: counts are final."""

        async def quiet() -> bool:
            now = self.core.runtime.clock.now()
            return (
                not self.fake.updates
                and not await self.core.store.pending("telegram")
                and all(row.not_before > now for row in await self.waiting())
            )

        await self.until(quiet, "the bot has nothing left to do")

    async def stop(self) -> None:
        await self.transport.stop()
        await self.core.close()


def telegram_settings(base_url: str, token: str = TOKEN) -> TelegramSettings:
    return TelegramSettings(
        enabled=True,
        token=token,
        base_url=base_url,
        base_file_url=base_url.replace("/bot", "/file/bot"),
    )


class Hours:
    """A clock for the flood limits on which an hour passes between any two sends."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 3600
        return self.now


def with_anna(settings: Settings) -> Settings:
    """The test settings with Anna's Telegram account as the network coordinator."""
    network = replace(settings.network, coordinators=(f"telegram:{ANNA}",))
    return replace(settings, network=network)


@asynccontextmanager
async def fake_bot_api(**options: Any) -> AsyncIterator[FakeBotAPI]:
    fake = FakeBotAPI(**options)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


async def start(
    settings: Settings,
    fake: FakeBotAPI,
    limits: SendLimits | None = None,
    clock: Clock | None = None,
    telegram: TelegramSettings | None = None,
    **options: Any,
) -> Running:
    """The bot's core and its Telegram transport, talking to `fake`."""
    transport = TelegramTransport(
        telegram or telegram_settings(fake.base_url),
        poll_timeout=1,
        limits=limits or SendLimits(Hours()),
        **options,
    )
    core = await open_core(
        settings, clock or SystemClock(), {"telegram": transport}, capabilities()
    )

    handled: list[Event] = []
    faults: list[Exception] = []

    async def handle(event: Event) -> None:
        handled.append(event)
        if faults:
            raise faults.pop(0)
        await core.dispatcher.handle(event)
        await core.sender.drain()

    try:
        await transport.start(handle, core.store)
    except BaseException:
        await core.close()
        raise
    return Running(fake, core, transport, handled, faults)


@asynccontextmanager
async def running(
    settings: Settings,
    fake: FakeBotAPI,
    limits: SendLimits | None = None,
    clock: Clock | None = None,
    telegram: TelegramSettings | None = None,
    **options: Any,
) -> AsyncIterator[Running]:
    """start(), and stop on the way out."""
    bot = await start(settings, fake, limits, clock, telegram, **options)
    try:
        yield bot
    finally:
        await bot.stop()
