"""The Synapse harness: a real homeserver that the real matrix-nio client can talk to.

It uses no database fixture, so it runs once rather than once per database.
"""

from __future__ import annotations

import time

from nio import (
    AsyncClient,
    JoinResponse,
    LoginResponse,
    RoomCreateResponse,
    RoomMessageText,
    RoomSendResponse,
    SyncResponse,
)

from tests.synapse import Homeserver, register

# Long-polls return as soon as something arrives; this only bounds a broken test.
SYNC_TIMEOUT_MS = 5_000
DEADLINE_S = 15.0


async def _sync(client: AsyncClient) -> SyncResponse:
    response = await client.sync(timeout=SYNC_TIMEOUT_MS)
    assert isinstance(response, SyncResponse), response
    return response


async def _wait_for_invite(client: AsyncClient, room_id: str) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while room_id not in (await _sync(client)).rooms.invite:
        assert time.monotonic() < deadline, f"no invite to {room_id}"


async def _wait_for_text(client: AsyncClient, room_id: str) -> RoomMessageText:
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        joined = (await _sync(client)).rooms.join.get(room_id)
        for event in joined.timeline.events if joined else []:
            if isinstance(event, RoomMessageText):
                return event
    raise AssertionError(f"no text message arrived in {room_id}")


async def test_anna_writes_to_the_bot_through_a_real_synapse(synapse: Homeserver) -> None:
    bot_id, bot_token, bot_device = register(synapse, "bot", "bot-password")
    register(synapse, "anna", "anna-password")
    ben = register(synapse, "ben", "ben-password")
    assert ben.user_id == f"@ben:{synapse.server_name}"

    anna = AsyncClient(synapse.base_url, "anna")
    bot = AsyncClient(synapse.base_url)
    bot.restore_login(bot_id, bot_device, bot_token)
    try:
        # Anna logs in with her password, as a person's client would; the bot uses its token.
        assert isinstance(await anna.login("anna-password"), LoginResponse)
        created = await anna.room_create(name="Netzwerk", invite=[bot_id])
        assert isinstance(created, RoomCreateResponse), created

        await _wait_for_invite(bot, created.room_id)
        assert isinstance(await bot.join(created.room_id), JoinResponse)

        sent = await anna.room_send(
            created.room_id, "m.room.message", {"msgtype": "m.text", "body": "Hallo, Bot!"}
        )
        assert isinstance(sent, RoomSendResponse), sent

        message = await _wait_for_text(bot, created.room_id)
        assert (message.sender, message.body) == (anna.user_id, "Hallo, Bot!")
    finally:
        await anna.close()
        await bot.close()
