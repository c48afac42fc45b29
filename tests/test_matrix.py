"""The bot in Matrix: the real matrix-nio client on both sides of a real Synapse."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from nio import RoomRedactResponse, UploadResponse
from sqlalchemy import select

from bot.clock import ManualClock
from bot.config import DatabaseSettings, Settings
from bot.db.models import Channel
from bot.events import MessageEvent, Reaction, Retracted
from bot.transports import StartupError
from tests.helpers import held_until
from tests.matrix_running import (
    DEADLINE,
    MatrixBot,
    Person,
    bot_account,
    matrix_settings,
    person,
    running_bot,
    start_bot,
    unique,
)
from tests.synapse import Homeserver, limit_messages, register


@dataclass
class Scene:
    settings: Settings
    bot: MatrixBot
    anna: Person  # allowed to invite the bot
    ben: Person  # not


@pytest.fixture
async def scene(settings: Settings, synapse: Homeserver, tmp_path: Path) -> AsyncIterator[Scene]:
    anna = await person(synapse, "anna", tmp_path / "people")
    ben = await person(synapse, "ben", tmp_path / "people")
    bot_id = await bot_account(synapse)
    with_matrix = matrix_settings(settings, synapse, bot_id, tmp_path / "bot", anna.user_id)
    try:
        async with running_bot(with_matrix) as bot:
            yield Scene(with_matrix, bot, anna, ben)
    finally:
        await anna.client.close()
        await ben.client.close()


async def test_invited_to_a_room_the_bot_joins_says_hello_and_answers_in_html(
    scene: Scene,
) -> None:
    anna = scene.anna
    room = await anna.create_room(invite=scene.bot.user_id, greeted=False)
    (hello,) = await anna.receive(room)
    # In the language of who invited the bot.
    assert hello["content"]["body"].startswith(
        "Hallo! Ich bin der Assistent von Inklusionsnetz Musterstadt."
    )
    await anna.say(room, "/start")
    (reply,) = await anna.receive(room)
    content = reply["content"]
    assert reply["type"] == "m.room.message" and content["msgtype"] == "m.notice"
    assert content["body"].startswith("Hallo ") and "Inklusionsnetz Musterstadt" in content["body"]
    assert content["formatted_body"].count("<b>") == 1
    assert content["m.relates_to"]["m.in_reply_to"]["event_id"]  # answers the command


async def test_an_invitation_from_someone_not_allowed_is_declined(scene: Scene) -> None:
    ben = scene.ben
    room = await ben.create_room(invite=scene.bot.user_id, greeted=False)
    await ben.until_member(room, scene.bot.user_id, "leave")
    assert (room, scene.bot.user_id, "join") not in ben.memberships


async def test_a_direct_chat_is_the_private_chat(scene: Scene) -> None:
    anna = scene.anna
    room = await anna.create_room(invite=scene.bot.user_id, name=None)
    await anna.say(room, "hello")
    (reply,) = await anna.receive(room)
    assert reply["content"]["body"] == (
        "Ich reagiere nur auf Befehle. Senden Sie /help, dann sehen Sie, was ich kann."
    )
    async with scene.bot.core.sessions() as session:
        channel = await session.scalar(select(Channel).where(Channel.kind == "private"))
    # One private chat per person, whichever direct room they use.
    assert channel is not None and channel.chat_id == f"direct:{anna.user_id}"


async def test_buttons_are_a_poll_and_a_vote_is_a_tap(scene: Scene) -> None:
    anna = scene.anna
    room = await anna.create_room(invite=scene.bot.user_id)
    await anna.say(room, "/language")
    (poll,) = await anna.receive(room)
    assert poll["type"] == "org.matrix.msc3381.poll.start"
    start = poll["content"]["org.matrix.msc3381.poll.start"]
    labels = {a["org.matrix.msc1767.text"]: a["id"] for a in start["answers"]}
    assert len(labels) == 8 and {"Deutsch", "English", "العربية"} <= set(labels)
    vote = {
        "m.relates_to": {"rel_type": "m.reference", "event_id": poll["event_id"]},
        "org.matrix.msc3381.poll.response": {"answers": [labels["English"]]},
    }
    await anna.send(room, vote, kind="org.matrix.msc3381.poll.response")
    (answer,) = await anna.receive(room)
    assert answer["content"]["body"] == "From now on I write to you in English."


async def test_where_polls_show_as_a_numbered_list_a_number_is_a_tap(scene: Scene) -> None:
    """Some clients show a poll as its fallback text: people answer with a number reaction
    (Element offers 1️⃣…🔟) or reply with the number. Encrypted, so the bot must decrypt its
    own poll to know the answers."""
    anna = scene.anna
    room = await anna.create_room(invite=scene.bot.user_id, encrypted=True)
    await anna.say(room, "/language")
    (poll,) = await anna.receive(room)
    assert poll["content"]["org.matrix.msc1767.text"].splitlines()[1:] == [
        "1. Deutsch",
        "2. Deutsch (Leichte Sprache)",
        "3. العربية",
        "4. English",
        "5. فارسی",
        "6. Русский",
        "7. Türkçe",
        "8. Українська",
    ]
    relation = {"rel_type": "m.annotation", "event_id": poll["event_id"], "key": "4️⃣"}
    await anna.send(room, {"m.relates_to": relation}, kind="m.reaction")
    (answer,) = await anna.receive(room)
    assert answer["content"]["body"] == "From now on I write to you in English."
    reply = {"m.in_reply_to": {"event_id": poll["event_id"]}}
    await anna.send(room, {"msgtype": "m.text", "body": "1", "m.relates_to": reply})
    (answer,) = await anna.receive(room)
    assert answer["content"]["body"] == "Ab jetzt schreibe ich Ihnen auf Deutsch."


async def test_reactions_and_redactions_reach_the_bot_as_events(scene: Scene) -> None:
    anna = scene.anna
    room = await anna.create_room(invite=scene.bot.user_id)
    said = await anna.say(room, "Protokoll anbei")
    relation = {"rel_type": "m.annotation", "event_id": said, "key": "👍"}
    await anna.send(room, {"m.relates_to": relation}, kind="m.reaction")
    redacted = await anna.client.room_redact(room, said)
    assert isinstance(redacted, RoomRedactResponse), redacted
    await anna.say(room, "/whoami")
    await anna.receive(room)  # handled in order: the two before it are done
    reaction, retracted = [e for e in scene.bot.handled if isinstance(e, Reaction | Retracted)]
    assert isinstance(reaction, Reaction) and isinstance(retracted, Retracted)
    assert (reaction.message_id, reaction.key, retracted.message_id) == (said, "👍", said)
    assert reaction.sender.user_id == retracted.sender.user_id == anna.user_id


async def upload(person: Person, data: bytes, encrypt: bool) -> dict[str, Any]:
    """What a file message names the file by: an mxc url, or with the keys if encrypted."""
    uploaded, keys = await person.client.upload(
        io.BytesIO(data), content_type="application/pdf", filesize=len(data), encrypt=encrypt
    )
    assert isinstance(uploaded, UploadResponse), uploaded
    if encrypt:
        return {"file": {"url": uploaded.content_uri, **(keys or {})}}
    return {"url": uploaded.content_uri}


async def test_files_sent_to_the_bot_are_fetched_and_others_are_left_alone(
    scene: Scene,
) -> None:
    anna = scene.anna
    minutes = b"%PDF-1.7 Protokoll vom 2. M\xc3\xa4rz"
    private = await anna.create_room(invite=scene.bot.user_id, name=None, encrypted=True)
    group = await anna.create_room(invite=scene.bot.user_id)
    info = {"mimetype": "application/pdf", "size": len(minutes)}
    # A caption (MSC2530): a body that differs from the file name.
    captioned = {"msgtype": "m.file", "filename": "Protokoll.pdf", "body": "/help", "info": info}
    await anna.send(private, {**captioned, **await upload(anna, minutes, encrypt=True)})
    await anna.receive(private)
    chatter = {"msgtype": "m.file", "body": "Urlaub.pdf", "info": info}
    await anna.send(group, {**chatter, **await upload(anna, b"not for the bot", encrypt=False)})
    too_large = {**captioned, "info": {**info, "size": 20 * 1024 * 1024 + 1}}
    sent = await anna.send(group, {**too_large, **await upload(anna, minutes, encrypt=False)})
    (refused,) = await anna.receive(group)
    await scene.bot.until_handled(sent)  # the answer can arrive before the handler returns
    assert refused["content"]["body"].startswith("Diese Datei ist mir zu groß zum Öffnen.")
    document, chat, large = [e for e in scene.bot.handled if isinstance(e, MessageEvent)]
    assert document.text == "/help" and chat.text == "" and large.text == "/help"
    (received,) = document.files
    assert (received.filename, received.mime_type, received.data) == (
        "Protokoll.pdf",
        "application/pdf",
        minutes,  # decrypted
    )
    (unfetched,) = chat.files  # not meant for the bot: a reference, for the bridge
    assert unfetched.data is None and unfetched.ref
    assert large.files[0].data is None


async def test_a_restart_keeps_the_login_and_its_device(scene: Scene) -> None:
    client = scene.bot.transport.client
    device = client.device_id
    before = sorted(d.id for d in (await client.devices()).devices)  # type: ignore[union-attr]
    await scene.bot.stop()
    restarted = await start_bot(scene.settings)
    try:
        client = restarted.transport.client
        assert client.device_id == device and device in before
        after = sorted(d.id for d in (await client.devices()).devices)  # type: ignore[union-attr]
        assert after == before  # no new device, so no new keys for people to trust
        room = await scene.anna.create_room(invite=scene.bot.user_id)
        await scene.anna.say(room, "/whoami")
        (reply,) = await scene.anna.receive(room)
        assert reply["content"]["body"].startswith("Sie sind ")
    finally:
        await restarted.stop()
        scene.bot = restarted  # stopped already; the fixture's stop is harmless


async def test_a_wrong_password_or_no_homeserver_stops_start_up_with_a_clear_line(
    settings: Settings, synapse: Homeserver, tmp_path: Path
) -> None:
    bot_id = await bot_account(synapse)
    wrong = matrix_settings(settings, synapse, bot_id, tmp_path)
    wrong = replace(wrong, matrix=replace(wrong.matrix, password="not-the-password"))
    with pytest.raises(StartupError, match=f"Matrix refused the login for {bot_id}"):
        await start_bot(wrong)
    nowhere = replace(wrong, matrix=replace(wrong.matrix, homeserver="http://127.0.0.1:9"))
    with pytest.raises(StartupError, match="cannot reach the Matrix homeserver"):
        await asyncio.wait_for(start_bot(nowhere), 30)


async def test_an_encrypted_room_works_both_ways(scene: Scene) -> None:
    anna, bot_id = scene.anna, scene.bot.user_id
    room = await anna.create_room(invite=bot_id, encrypted=True)
    await anna.until_member(room, bot_id, "join")  # so her room key goes to the bot too
    await anna.say(room, "/whoami")
    (reply,) = await anna.receive(room)
    assert reply["type"] == "m.room.message"  # decrypted by her client: it was encrypted
    assert reply["content"]["body"].startswith("Sie sind ")
    async with scene.bot.core.sessions() as session:
        rows = await session.scalars(select(Channel.chat_id))
        assert room in list(rows)


async def test_a_message_the_bot_cannot_decrypt_is_reported_once(scene: Scene) -> None:
    anna, bot_id = scene.anna, scene.bot.user_id
    room = await anna.create_room(invite=bot_id)
    await anna.until_member(room, bot_id, "join")
    # Encrypted with a room key the bot never received (as from a device it does not know).
    garbled = {
        "algorithm": "m.megolm.v1.aes-sha2",
        "ciphertext": "AwgAEnBTpt6BYbJHsXvsoLYZ5Wc2tqIlPCt3qwqATn7Vg4ozoSmBGXtlq9E",
        "device_id": "ELSEWHERE",
        "sender_key": "3sMpnbKhzqNV5Bh/LfrXKJ3i1gZzJpPLxCxFiRsVdAY",
        "session_id": "X7R+mQa94zx0Y+jGY1dnkDTW/V2GzkAqGmvj4+bRZbA",
    }
    for _ in range(2):
        await anna.send(room, garbled, kind="m.room.encrypted")
    await anna.say(room, "/whoami")
    report, whoami = await anna.receive(room, 2)
    assert report["content"]["body"] == (
        "Ich konnte Ihre letzte Nachricht nicht lesen: Sie war verschlüsselt, ohne Schlüssel "
        "für mich. Bitte senden Sie sie noch einmal."
    )
    assert whoami["content"]["body"].startswith("Sie sind ")  # one report for both


async def test_a_restart_amid_200_messages_answers_each_exactly_once(scene: Scene) -> None:
    anna, bot_id = scene.anna, scene.bot.user_id
    room = await anna.create_room(invite=bot_id)
    await anna.until_member(room, bot_id, "join")
    commands = [await anna.say(room, f"/start {n}") for n in range(100)]
    await anna.receive(room, 30)
    await scene.bot.stop()  # mid-burst
    commands += [await anna.say(room, f"/start {n}") for n in range(100, 200)]
    # A sync holds 5 events a room here, so the restart must fetch the rest page by page.
    scene.bot = await start_bot(scene.settings, timeline_limit=5)
    deadline = time.monotonic() + 90  # Synapse takes 50-100 ms a message here

    async def answered() -> list[str]:
        replies = await anna.history(room)
        return [e["content"]["m.relates_to"]["m.in_reply_to"]["event_id"] for e in replies]

    while len(await answered()) < len(commands):
        assert time.monotonic() < deadline, f"{len(await answered())} answers"
        await anna.sync()  # a long poll: back as soon as the bot has said more
    await scene.bot.core.sender.drain()  # anything doubled would be out now
    assert sorted(await answered()) == sorted(commands)  # every one, none twice


async def test_the_bots_own_messages_coming_back_are_neither_recorded_nor_read_again(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every message the bot sends comes back in its next sync. That sync has nothing to
    record: its token stays in memory (no commit), and the inbox is not read again."""
    anna, bot = scene.anna, scene.bot
    room = await anna.create_room(invite=bot.user_id)
    reads = 0
    pending = bot.core.store.pending

    async def counted(platform: str) -> list[tuple[int, dict[str, Any]]]:
        nonlocal reads
        reads += 1
        return await pending(platform)

    monkeypatch.setattr(bot.core.store, "pending", counted)
    await anna.say(room, "/start")
    await anna.receive(room)  # the answer, sent after the sync that brought /start
    saved, reads_then = await bot.core.store.state("matrix", "since"), reads
    deadline = time.monotonic() + DEADLINE
    while bot.transport._since == saved:  # until the sync with the answer's echo is back
        assert time.monotonic() < deadline, "the answer never came back to the bot"
        await asyncio.sleep(0.02)
    assert await bot.core.store.state("matrix", "since") == saved
    assert reads == reads_then
    await anna.say(room, "/whoami")  # something to record: the token is saved with it
    await anna.receive(room)
    assert await bot.core.store.state("matrix", "since") not in (saved, None)


async def test_after_an_outage_people_keep_their_names(scene: Scene) -> None:
    """Events fetched after an outage come without their authors' names (lazy loading):
    the bot asks the homeserver, rather than call Ben by his user id."""
    anna, ben, bot_id = scene.anna, scene.ben, scene.bot.user_id
    room = await anna.create_room(invite=bot_id)
    await anna.client.room_invite(room, ben.user_id)
    while room not in ben.client.rooms:
        await ben.sync()  # he accepts
    await scene.bot.stop()
    await ben.say(room, "/whoami")
    for n in range(6):  # more than the bot's sync holds: Ben's command is in the gap
        await anna.say(room, f"Nachtrag {n}")
    scene.bot = await start_bot(scene.settings, timeline_limit=5)
    deadline = time.monotonic() + DEADLINE
    while not (replies := [e for e in ben.seen if e["content"].get("m.relates_to")]):
        assert time.monotonic() < deadline, "no answer"
        await ben.sync()
    name = ben.user_id.removeprefix("@").split(":")[0]  # Synapse's default display name
    assert replies[0]["content"]["body"].startswith(f"Sie sind {name}.")


async def test_the_bot_opens_a_private_chat_when_it_must_write_privately(scene: Scene) -> None:
    anna = scene.anna
    room = await anna.create_room(invite=scene.bot.user_id)
    await anna.say(room, "/mydata")
    deadline = time.monotonic() + 30
    while len(anna.seen) < 3:  # the note, the text and the file; she accepts the invitation
        assert time.monotonic() < deadline, anna.seen
        await anna.sync()
    by_room = {(e["room_id"], e["content"].get("msgtype")): e for e in anna.seen}
    assert by_room[room, "m.notice"]["content"]["body"] == (
        "Ich habe Ihnen in unserem privaten Chat geschrieben."
    )
    (private,) = {r for r, _ in by_room} - {room}
    assert by_room[private, "m.notice"]["content"]["body"] == (
        "Hier ist alles, was ich über Sie speichere."
    )
    assert by_room[private, "m.file"]["content"]["body"] == "netzwerkbot-mydata.json"
    assert anna.client.rooms[private].encrypted  # read by her client: it had the key


async def test_a_private_chat_goes_on_after_a_restart(scene: Scene) -> None:
    anna = scene.anna
    room = await anna.create_room(invite=scene.bot.user_id, name=None)
    await anna.say(room, "/start")
    await anna.receive(room)
    await scene.bot.stop()
    await anna.say(room, "/whoami")  # while the bot is away
    scene.bot = await start_bot(scene.settings)
    (reply,) = await anna.receive(room, timeout=30)
    assert reply["content"]["body"].startswith("Sie sind ")


async def test_m_limit_exceeded_holds_the_room_and_loses_or_doubles_nothing(
    settings: Settings, synapse: Homeserver, tmp_path: Path
) -> None:
    anna = await person(synapse, "anna", tmp_path / "people")
    admin = await asyncio.to_thread(register, synapse, unique("admin"), "admin-pass", True)
    bot_id = await bot_account(synapse)
    clock = ManualClock(datetime.now(UTC))
    with_matrix = matrix_settings(settings, synapse, bot_id, tmp_path / "bot", anna.user_id)
    bot = await start_bot(with_matrix, clock)
    try:
        room = await anna.create_room(invite=bot_id)
        await asyncio.to_thread(limit_messages, synapse, admin, bot_id, 1)
        commands = [await anna.say(room, f"/start {n}") for n in range(3)]
        deadline = time.monotonic() + 60
        while not (held := await held_until(bot.core.sessions, clock)):
            assert time.monotonic() < deadline, "the homeserver never said M_LIMIT_EXCEEDED"
            await asyncio.sleep(0.05)
        # Held for the time Synapse names (about a second here), on the bot's clock: the
        # outbox does not try again before it moves.
        assert clock.now() < held[0] <= clock.now() + timedelta(seconds=2)
        await asyncio.to_thread(limit_messages, synapse, admin, bot_id, None)
        while len([e for e in anna.seen if e["room_id"] == room]) < len(commands):
            assert time.monotonic() < deadline, "held answers never went out"
            if held := await held_until(bot.core.sessions, clock):
                clock.set(max(held))  # Synapse may still limit the next one: hold again
                bot.core.sender.wake()
            await anna.sync()
        await bot.core.sender.drain()  # anything doubled would be out now
        replies = await anna.history(room)
        answered = [e["content"]["m.relates_to"]["m.in_reply_to"]["event_id"] for e in replies]
        assert answered == commands  # each once, in order
    finally:
        await bot.stop()
        await anna.client.close()


async def test_a_fresh_database_on_the_same_access_token_loses_no_message(
    settings: Settings, synapse: Homeserver, tmp_path: Path
) -> None:
    """The homeserver remembers transaction ids per device; a new database numbers its
    outbox from 1 again, and with the same token its first answers must not pass for the
    old ones (Synapse would answer with the old event and send nothing)."""
    anna = await person(synapse, "anna", tmp_path / "people")
    account = await asyncio.to_thread(register, synapse, unique("netzwerkbot"), "pw-for-bot")
    fresh = DatabaseSettings(url=f"sqlite+aiosqlite:///{tmp_path}/fresh.db")
    room: str | None = None
    try:
        for database in (settings.database, fresh):
            configured = matrix_settings(
                replace(settings, database=database),
                synapse,
                account.user_id,
                tmp_path / "keys",
                anna.user_id,
            )
            token = replace(configured.matrix, password=None, access_token=account.access_token)
            async with running_bot(replace(configured, matrix=token)):
                room = room or await anna.create_room(invite=account.user_id)
                await anna.say(room, "/whoami")
                (reply,) = await anna.receive(room)
                assert reply["content"]["body"].startswith("Sie sind ")
    finally:
        await anna.client.close()
