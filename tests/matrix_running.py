"""Running the real bot core with the Matrix transport against a throwaway Synapse, and
people as real matrix-nio clients."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from nio import (
    AsyncClient,
    AsyncClientConfig,
    RoomCreateResponse,
    RoomMessagesResponse,
    RoomSendResponse,
    SyncResponse,
)

from bot.app import Core, open_core
from bot.clock import Clock, SystemClock
from bot.config import MatrixSettings, Settings
from bot.events import Event
from bot.transports.matrix.transport import MatrixTransport, keep_keys
from handlers import capabilities
from tests.synapse import Homeserver, register
from tests.telegram_fake import FakeBotAPI
from tests.telegram_running import ANNA

PASSWORD = "a-password-for-the-tests"
DEADLINE = 15.0  # seconds; only a broken test waits this long
WHOLE_TIMELINE = {"room": {"timeline": {"limit": 1000}}}


def unique(name: str) -> str:
    """One Synapse serves the whole session: every test gets accounts of its own."""
    return f"{name}-{uuid.uuid4().hex[:8]}"


@dataclass
class Person:
    """Someone on Element, as far as the tests need: a real matrix-nio client."""

    client: AsyncClient
    seen: list[dict[str, Any]] = field(default_factory=list)  # events from others, in order
    memberships: list[tuple[str, str, str]] = field(default_factory=list)  # room, user, what
    # The bot's hello when it joins a group: checked in a test of its own, left out elsewhere.
    greetings: set[str] = field(default_factory=set)

    @property
    def user_id(self) -> str:
        return str(self.client.user_id)

    async def create_room(
        self,
        invite: str,
        name: str | None = "Plenum",
        encrypted: bool = False,
        greeted: bool | None = None,
    ) -> str:
        """A room with the bot invited; a group (a named room) waits for the bot's hello,
        unless `greeted` is False."""
        options: dict[str, Any] = {"invite": [invite], "is_direct": name is None}
        if name:
            options["name"] = name
        if encrypted:
            options["initial_state"] = [
                {
                    "type": "m.room.encryption",
                    "state_key": "",
                    "content": {"algorithm": "m.megolm.v1.aes-sha2"},
                }
            ]
        created = await self.client.room_create(**options)
        assert isinstance(created, RoomCreateResponse), created
        deadline = time.monotonic() + DEADLINE
        while created.room_id not in self.client.rooms:  # nio sends only into rooms it knows
            assert time.monotonic() < deadline, "the new room never came in a sync"
            await self.sync()
        if greeted or (greeted is None and name is not None):
            (hello,) = await self.receive(created.room_id)
            self.seen.remove(hello)
            self.greetings.add(hello["event_id"])
        return created.room_id

    async def send(
        self, room_id: str, content: dict[str, Any], kind: str = "m.room.message"
    ) -> str:
        sent = await self.client.room_send(room_id, kind, content, ignore_unverified_devices=True)
        assert isinstance(sent, RoomSendResponse), sent
        return sent.event_id

    async def say(self, room_id: str, text: str) -> str:
        return await self.send(room_id, {"msgtype": "m.text", "body": text})

    async def receive(
        self, room_id: str, count: int = 1, timeout: float = DEADLINE
    ) -> list[dict[str, Any]]:
        """Until `count` more events from others (the bot) have arrived in the room."""

        def arrived() -> list[dict[str, Any]]:
            return [e for e in self.seen if e["room_id"] == room_id]

        wanted = len(arrived()) + count
        deadline = time.monotonic() + timeout
        while len(arrived()) < wanted:
            assert time.monotonic() < deadline, f"{len(arrived())} of {wanted} arrived"
            await self.sync()
        return arrived()[-count:]

    async def sync(self) -> SyncResponse:
        client = self.client
        # A long timeline: with Synapse's default of 10, a burst would arrive cut short.
        response = await client.sync(timeout=2000, sync_filter=WHOLE_TIMELINE)
        assert isinstance(response, SyncResponse), response
        await keep_keys(client)  # as Element does, so that encrypted rooms work both ways
        for room_id in response.rooms.invite:  # as a person taps "accept" in Element
            await client.join(room_id)
        for room_id, info in response.rooms.join.items():
            for event in info.timeline.events:
                source = event.source
                if source.get("type") == "m.room.member":
                    membership = (source.get("content") or {}).get("membership", "")
                    self.memberships.append((room_id, source.get("state_key", ""), membership))
                elif source.get("sender") != self.user_id and "state_key" not in source:
                    self.seen.append({**source, "room_id": room_id})
        return response

    async def history(self, room_id: str) -> list[dict[str, Any]]:
        """Everything others said in the room, oldest first, read back page by page (a
        sync after a burst may hold only its end)."""
        said: list[dict[str, Any]] = []
        start = (await self.client.sync(timeout=0, sync_filter=WHOLE_TIMELINE)).next_batch
        while True:
            page = await self.client.room_messages(room_id, start=start, limit=100)
            assert isinstance(page, RoomMessagesResponse), page
            said += [
                e.source
                for e in page.chunk
                if e.source.get("sender") != self.user_id
                and "state_key" not in e.source
                and e.source.get("event_id") not in self.greetings
            ]
            if not page.chunk or not page.end:
                return said[::-1]
            start = page.end

    async def until_member(self, room_id: str, user_id: str, membership: str) -> None:
        deadline = time.monotonic() + DEADLINE
        while (room_id, user_id, membership) not in self.memberships:
            assert time.monotonic() < deadline, f"{user_id} never reached {membership}"
            await self.sync()


async def person(homeserver: Homeserver, name: str, store_dir: Path) -> Person:
    account = await asyncio.to_thread(register, homeserver, unique(name), PASSWORD)
    store = store_dir / account.user_id
    store.mkdir(parents=True)
    config = AsyncClientConfig(encryption_enabled=True, store_sync_tokens=False)
    client = AsyncClient(homeserver.base_url, store_path=str(store), config=config)
    client.restore_login(account.user_id, account.device_id, account.access_token)
    someone = Person(client)
    await someone.sync()  # from now on
    return someone


@dataclass
class MatrixBot:
    core: Core
    transport: MatrixTransport
    user_id: str
    handled: list[Event]
    sender: asyncio.Task[None]  # the outbox's own loop, as in the app: held messages go

    async def until_handled(self, event_id: str) -> None:
        """Until the core has handled the Matrix event `event_id` and sent its answers."""
        deadline = time.monotonic() + DEADLINE
        while not any((e.raw or {}).get("event_id") == event_id for e in self.handled):
            assert time.monotonic() < deadline, f"{event_id} never handled"
            await asyncio.sleep(0.02)

    async def stop(self) -> None:
        await self.transport.stop()
        self.core.sender.stop()
        await self.sender
        await self.core.close()


async def bot_account(homeserver: Homeserver) -> str:
    account = await asyncio.to_thread(register, homeserver, unique("netzwerkbot"), PASSWORD)
    return account.user_id


def matrix_settings(
    settings: Settings, homeserver: Homeserver, bot_id: str, store_dir: Path, *allowed: str
) -> Settings:
    matrix = MatrixSettings(
        enabled=True,
        homeserver=homeserver.base_url,
        user_id=bot_id,
        password=PASSWORD,
        invite_allowlist=allowed,
        store_dir=str(store_dir),
    )
    return replace(settings, matrix=matrix)


async def start_bot(settings: Settings, clock: Clock | None = None, **options: Any) -> MatrixBot:
    transport = MatrixTransport(
        settings.matrix, **{"sync_timeout_ms": 5000, "retry_delay": 0.05, **options}
    )
    core = await open_core(settings, clock or SystemClock(), {"matrix": transport}, capabilities())
    handled: list[Event] = []

    async def handle(event: Event) -> None:
        try:
            await core.dispatcher.handle(event)
            await core.sender.drain()
        finally:
            handled.append(event)  # when the core is done with it: tests wait for that

    try:
        await transport.start(handle, core.store)
    except BaseException:
        await core.close()
        raise
    sender = asyncio.create_task(core.sender.run(idle_seconds=5))
    return MatrixBot(core, transport, settings.matrix.user_id, handled, sender)


@asynccontextmanager
async def running_bot(settings: Settings) -> AsyncIterator[MatrixBot]:
    bot = await start_bot(settings)
    try:
        yield bot
    finally:
        await bot.stop()


async def bridge_by_commands(
    fake: FakeBotAPI, anna: Person, bot_id: str, group_id: int
) -> tuple[dict[str, Any], str]:
    """Bridge a Telegram group and a Matrix room as a coordinator would: `/setup Plenum` in
    each, `/bridge on` in the group; each is told where its messages go. The Telegram group
    and the Matrix room's id."""
    anna_tg, group = fake.user(ANNA, "Anna", "anna"), fake.group(group_id, "Plenum TG")
    fake.message(anna_tg, group, "/setup Plenum")
    await fake.wait_sent(1)
    room = await anna.create_room(invite=bot_id, name="Plenum Matrix")
    await anna.say(room, "/setup Plenum")
    await anna.receive(room)
    fake.message(anna_tg, group, "/bridge on")
    (told_matrix,) = await anna.receive(room)
    assert "Plenum TG (Telegram)" in told_matrix["content"]["body"], told_matrix
    await fake.wait_sent(2)
    assert "Plenum Matrix (Matrix)" in fake.sent[-1].text
    return group, room
