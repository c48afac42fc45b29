"""Wiring: the database, the runtime, the dispatcher, the sender and the transports."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.config import Settings, redacted
from bot.db import migrate
from bot.db.engine import WriteTurns, create_engine, session_factory
from bot.db.models import Channel
from bot.dispatcher import Dispatcher
from bot.events import ChatAddress, Event, MessageEvent
from bot.i18n import Catalogs
from bot.inbox import TransportStore
from bot.outbox import Outbox, OutboxSender
from bot.paths import LOCALES_DIR
from bot.registry import Capability, Registry
from bot.runtime import Runtime
from bot.scheduler import DueRunner, Scheduler
from bot.services import bridge, members, reach
from bot.transports import EventHandler, Transport

log = logging.getLogger(__name__)

# How long stopping waits for the send in hand (one answer from the platform).
SENDER_STOP_SECONDS = 10.0


@dataclass(slots=True)
class Core:
    """Everything but the transports' own loops; a restart throws it away and builds anew."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    runtime: Runtime
    dispatcher: Dispatcher
    sender: OutboxSender
    due: DueRunner
    store: TransportStore

    async def close(self) -> None:
        await self.engine.dispose()


async def open_core(
    settings: Settings,
    clock: Clock,
    transports: Mapping[str, Transport],
    capabilities: Sequence[Capability],
) -> Core:
    engine = create_engine(settings.database.url)
    try:
        await migrate.upgrade(engine)
        sessions = session_factory(engine)
        catalogs = Catalogs.load(LOCALES_DIR, settings.network.language, settings.network.tz)
        async with sessions.begin() as session:
            network_id = await members.ensure_network(session, settings, clock.now())
    except BaseException:
        await engine.dispose()
        raise
    runtime = Runtime(
        settings=settings,
        clock=clock,
        catalogs=catalogs,
        registry=Registry(capabilities),
        outbox=Outbox(clock, catalogs),
        network_id=network_id,
    )
    log.info("database ready at %s", redacted(settings.database.url))

    async def ask_to_open_private_chat(channel_id: int) -> None:
        async with sessions.begin() as session:
            platform = await session.scalar(
                select(Channel.platform).where(Channel.id == channel_id)
            )
            transport = transports.get(platform or "")
            link = transport.private_link() if transport else None
            await reach.ask_to_open_private_chat(session, runtime, channel_id, link)

    async def move_chat(chat: ChatAddress, new_chat_id: str) -> None:
        async with sessions.begin() as session:
            await members.move_channel(session, chat, new_chat_id)

    async def tell_undelivered(row_id: int) -> None:
        async with sessions.begin() as session:
            await bridge.tell_undelivered(session, runtime, row_id)

    turns = WriteTurns(engine)
    return Core(
        engine=engine,
        sessions=sessions,
        runtime=runtime,
        dispatcher=Dispatcher(runtime, sessions, turns),
        sender=OutboxSender(
            engine, turns, transports, clock, ask_to_open_private_chat, move_chat, tell_undelivered
        ),
        due=DueRunner(runtime, sessions),
        store=TransportStore(sessions, clock),
    )


def command_menus(runtime: Runtime) -> dict[str, list[tuple[str, str]]]:
    """The commands everyone may use, by their name and with their help in each language
    ("" for readers whose language has no menu); a variant such as de@plain has none,
    platforms know languages by their two letters."""
    commands = runtime.registry.visible_commands(is_coordinator=False)
    catalogs = runtime.catalogs
    menus = {}
    for code in catalogs.languages:
        t = catalogs.translator(code)
        if code == t.language:
            menus[code] = [(c.name_in(t.language), t(c.help)) for c in commands]
    menus[""] = menus[catalogs.translator(catalogs.default).language]
    return menus


def event_handler(core: Core) -> EventHandler:
    """Each event handled in its unit of work, then its messages delivered."""

    async def handle(event: Event) -> None:
        await core.dispatcher.handle(event)
        if isinstance(event, MessageEvent) and not event.awaits_answer:
            # Chatter, relayed by the bridge: sent while the next update is handled, so a
            # send awaiting the platform's answer does not hold up the updates behind it.
            core.sender.wake()
            return
        try:
            await core.sender.drain()  # answered before the next update is taken up
        except Exception:
            log.exception("delivering after an event failed; the sender retries later")
            core.sender.wake()

    return handle


async def run(
    settings: Settings,
    clock: Clock,
    transports: Sequence[Transport],
    capabilities: Sequence[Capability],
    stop: asyncio.Event,
) -> None:
    """Run the live bot until `stop` is set."""
    by_platform = {transport.platform: transport for transport in transports}
    core = await open_core(settings, clock, by_platform, capabilities)
    scheduler = Scheduler(core.due, after_fire=core.sender.wake)
    core.dispatcher.after_event = scheduler.reschedule_soon

    core.sender.before_start()  # what waits from before is sent once its transport is up
    sender_task = asyncio.create_task(core.sender.run())
    started: list[Transport] = []
    try:
        await scheduler.start()
        for transport in transports:
            await transport.start(event_handler(core), core.store)
            started.append(transport)
            core.sender.started(transport.platform)
            await transport.publish_commands(command_menus(core.runtime))
            log.info("%s transport started", transport.platform)
        await stop.wait()
    finally:
        # The sender first, while the transports are open: the send in hand is recorded,
        # not cut off. What the last updates queued goes at the next start.
        core.sender.stop()
        with suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(sender_task), SENDER_STOP_SECONDS)
        for transport in reversed(started):
            await transport.stop()
        await scheduler.stop()
        sender_task.cancel()
        with suppress(asyncio.CancelledError):
            await sender_task
        await core.close()
        log.info("stopped")
