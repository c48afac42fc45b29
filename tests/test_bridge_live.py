"""The bridge between a Telegram group (the real PTB client against the fake Bot API) and a
Matrix room (matrix-nio against the real Synapse), run by one bot."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from nio import MemoryDownloadResponse, UploadResponse
from sqlalchemy import func, select

from bot.app import Core, open_core
from bot.clock import Clock, ManualClock, SystemClock
from bot.config import Settings
from bot.db.models import OutboxMessage
from bot.events import Event
from bot.transports.matrix.transport import MatrixTransport
from bot.transports.telegram.limits import SendLimits
from bot.transports.telegram.transport import TelegramTransport
from handlers import capabilities
from tests.helpers import all_rows, held_until
from tests.matrix_running import (
    Person,
    bot_account,
    bridge_by_commands,
    matrix_settings,
    person,
    unique,
)
from tests.synapse import Homeserver, limit_messages, register
from tests.telegram_fake import BOT, FakeBotAPI
from tests.telegram_running import ANNA, Hours, fake_bot_api, telegram_settings

GROUP = -100


@dataclass
class Bridged:
    """A circle with a Telegram group and a Matrix room, bridged; both were told so."""

    fake: FakeBotAPI
    group: dict[str, Any]
    ben: dict[str, Any]  # on Telegram
    anna: Person  # on Matrix, in `room`
    room: str
    core: Core

    async def from_telegram(self, text: str, **options: Any) -> dict[str, Any]:
        """Ben writes on Telegram; returns the copy's Matrix event."""
        self.fake.message(self.ben, self.group, text, **options)
        (copy,) = await self.anna.receive(self.room)
        return copy

    async def from_matrix(self, content: dict[str, Any]) -> tuple[str, Any]:
        """Anna sends `content` on Matrix; returns her event's id and the Telegram copy."""
        count = len(self.fake.sent)
        event_id = await self.anna.send(self.room, content)
        await self.fake.wait_sent(count + 1)
        return event_id, self.fake.sent[-1]


@pytest.fixture
async def bridged(
    settings: Settings, synapse: Homeserver, tmp_path: Path
) -> AsyncIterator[Bridged]:
    async with bridge(settings, synapse, tmp_path, SystemClock()) as scene:
        yield scene


@asynccontextmanager
async def bridge(
    settings: Settings, synapse: Homeserver, tmp_path: Path, clock: Clock
) -> AsyncIterator[Bridged]:
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
        core = await open_core(settings, clock, transports, capabilities())

        async def handle(event: Event) -> None:
            await core.dispatcher.handle(event)
            await core.sender.drain()

        await telegram.start(handle, core.store)
        await matrix.start(handle, core.store)
        sender = asyncio.create_task(core.sender.run(idle_seconds=5))
        try:
            group, room = await bridge_by_commands(fake, anna, bot_id, GROUP)
            yield Bridged(fake, group, fake.user(7, "Ben"), anna, room, core)
        finally:
            await telegram.stop()
            await matrix.stop()
            core.sender.stop()
            await sender
            await core.close()
            await anna.client.close()


async def test_a_telegram_group_and_a_matrix_room_are_one_conversation(bridged: Bridged) -> None:
    copy = await bridged.from_telegram("Hallo aus Telegram <b>!</b>")
    content = copy["content"]
    assert content["body"].startswith("Ben #") and "Hallo aus Telegram <b>!</b>" in content["body"]
    assert "<b>Ben</b>" in content["formatted_body"]
    assert "&lt;b&gt;!&lt;/b&gt;" in content["formatted_body"]  # escaped, not bold

    _, last = await bridged.from_matrix({"msgtype": "m.text", "body": "Hallo aus Matrix"})
    assert last.chat_id == GROUP
    assert re.fullmatch(r"<b>anna-\w+</b> #\d+: Hallo aus Matrix", last.text), last.text

    await bridged.anna.say(bridged.room, "/bridge")  # a command: answered here, not relayed
    (status,) = await bridged.anna.receive(bridged.room)
    assert "ist an" in status["content"]["body"]
    await bridged.core.sender.drain()  # anything relayed is sent by now
    assert len(bridged.fake.sent) == 3


async def test_formatting_is_kept_both_ways(bridged: Bridged) -> None:
    bold = {"type": "bold", "offset": 0, "length": 4}
    code = {"type": "code", "offset": 12, "length": 5}  # counted in UTF-16: 🙂 is two
    copy = await bridged.from_telegram("fett 🙂 und a<b>c", entities=[bold, code])
    shown = copy["content"]["formatted_body"]
    assert shown.endswith(": <b>fett</b> 🙂 und <code>a&lt;b&gt;c</code>"), shown

    html = "<mx-reply><blockquote>alt</blockquote></mx-reply><em>schräg</em> &amp; <b>fett</b>"
    content = {"msgtype": "m.text", "body": "schräg & fett", "format": "org.matrix.custom.html"}
    _, sent = await bridged.from_matrix({**content, "formatted_body": html})
    assert sent.text.endswith(": <i>schräg</i> &amp; <b>fett</b>"), sent.text


async def test_replies_point_at_the_copy_on_the_other_side(bridged: Bridged) -> None:
    fake, anna, room = bridged.fake, bridged.anna, bridged.room
    question = fake.message(bridged.ben, bridged.group, "Wer kommt mit?")
    (question_copy,) = await anna.receive(room)

    # Anna answers the copy in Matrix: on Telegram, the answer answers Ben's message.
    answer_id, answer = await bridged.from_matrix(
        {
            "msgtype": "m.text",
            "body": "Ich",
            "m.relates_to": {"m.in_reply_to": {"event_id": question_copy["event_id"]}},
        }
    )
    assert answer.params["reply_parameters"]["message_id"] == question

    # Ben answers Anna's answer (the bot's copy) on Telegram: in Matrix, it answers hers.
    thanks = await bridged.from_telegram("Danke", replying_to=(answer.message_id, BOT))
    assert thanks["content"]["m.relates_to"]["m.in_reply_to"]["event_id"] == answer_id

    # Ben answers his own first message: in Matrix, the copy of it.
    again = await bridged.from_telegram("Noch jemand?", replying_to=(question, bridged.ben))
    replied = again["content"]["m.relates_to"]["m.in_reply_to"]["event_id"]
    assert replied == question_copy["event_id"]


async def test_edits_and_withdrawals_follow_the_original(bridged: Bridged) -> None:
    fake, anna, room = bridged.fake, bridged.anna, bridged.room
    said = fake.message(bridged.ben, bridged.group, "Treffen um 18 Uhr")
    (copy,) = await anna.receive(room)
    fake.edit(bridged.ben, bridged.group, said, "Treffen um 19 Uhr")
    (edit,) = await anna.receive(room)
    assert edit["content"]["m.relates_to"] == {
        "rel_type": "m.replace",
        "event_id": copy["event_id"],
    }
    assert edit["content"]["m.new_content"]["body"].endswith(": Treffen um 19 Uhr")

    original, sent = await bridged.from_matrix({"msgtype": "m.text", "body": "Ort: Rathaus"})
    edits = len(fake.edits)
    new = {"msgtype": "m.text", "body": "Ort: Markt 1"}
    relation = {"rel_type": "m.replace", "event_id": original}
    await anna.send(
        room, {**new, "body": "* Ort: Markt 1", "m.new_content": new, "m.relates_to": relation}
    )
    await _until(lambda: len(fake.edits) > edits)
    assert fake.edits[-1].message_id == sent.message_id
    assert fake.edits[-1].text.endswith(": Ort: Markt 1")

    await anna.client.room_redact(room, original)
    await _until(lambda: (GROUP, sent.message_id) in fake.deleted)


async def test_a_copy_that_cannot_be_delivered_is_reported_where_it_was_said(
    bridged: Bridged,
) -> None:
    bridged.fake.not_started.add(GROUP)  # Telegram refuses: the bot was removed, say
    said = await bridged.anna.say(bridged.room, "Hört mich jemand?")
    (note,) = await bridged.anna.receive(bridged.room)
    assert "Plenum TG (Telegram)" in note["content"]["body"]
    assert "nicht" in note["content"]["body"]
    assert note["content"]["m.relates_to"]["m.in_reply_to"]["event_id"] == said


async def test_no_relayed_text_is_kept_once_delivered(bridged: Bridged) -> None:
    await bridged.from_telegram("Geheimnis aus Telegram")
    await bridged.from_matrix({"msgtype": "m.text", "body": "Geheimnis aus Matrix"})
    await bridged.core.sender.drain()
    rows = await all_rows(bridged.core.sessions)
    assert "Geheimnis" not in repr(rows)
    assert len(rows["relayed_messages"]) == 2  # the map is kept: ids only


async def test_copies_held_back_by_the_homeservers_limit_go_merged_and_all_of_them(
    settings: Settings, synapse: Homeserver, tmp_path: Path
) -> None:
    admin = await asyncio.to_thread(register, synapse, unique("admin"), "admin-pass", True)
    clock = ManualClock(datetime.now(UTC))  # the hold passes when the test says so
    async with bridge(settings, synapse, tmp_path, clock) as bridged:
        bot_id = bridged.core.runtime.settings.matrix.user_id
        await asyncio.to_thread(limit_messages, synapse, admin, bot_id, 1)
        said = ["eins", "zwei", "drei", "vier"]
        for text in said:
            bridged.fake.message(bridged.ben, bridged.group, text)
        await _until_async(lambda: _waiting(bridged, clock), "never held back")
        await asyncio.to_thread(limit_messages, synapse, admin, bot_id, None)

        copies: list[str] = []
        while len(re.findall(r"eins|zwei|drei|vier", "\n".join(copies))) < len(said):
            if held := await held_until(bridged.core.sessions, clock):
                clock.set(max(held))  # Synapse may still limit the next one: held again
                bridged.core.sender.wake()
            await bridged.anna.sync()
            copies = [e["content"]["body"] for e in await bridged.anna.history(bridged.room)]
            copies = [body for body in copies if body.startswith("Ben #")]
        assert re.findall(r"eins|zwei|drei|vier", "\n".join(copies)) == said  # all, in order
        assert len(copies) < len(said)  # merged: the name once, then a line each
        assert re.fullmatch(r"Ben #\d+: (eins\n)?zwei\ndrei\nvier", copies[-1]), copies


async def _waiting(bridged: Bridged, clock: ManualClock) -> bool:
    """Whether the last three copies wait behind a held one."""
    async with bridged.core.sessions() as session:
        pending = await session.scalar(
            select(func.count()).where(
                OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None)
            )
        )
    return bool(pending and pending >= 3 and await held_until(bridged.core.sessions, clock))


async def _until_async(condition: Callable[[], Awaitable[bool]], failure: str) -> None:
    deadline = asyncio.get_running_loop().time() + 20
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, failure
        await asyncio.sleep(0.02)


async def _until(condition: Callable[[], bool], timeout: float = 20) -> None:
    """Until `condition` holds, woken by the event loop's other work (no fixed sleeps)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "never happened"
        await asyncio.sleep(0.02)


async def test_files_go_across_fetched_only_to_be_sent(bridged: Bridged) -> None:
    fake, anna, room = bridged.fake, bridged.anna, bridged.room
    picture = b"\xff\xd8\xff\xe0 a photo" * 50
    photo = fake.photo(bridged.ben, bridged.group, picture, caption="Vom Fest")
    text, image = await anna.receive(room, count=2)
    assert text["content"]["body"].endswith(": Vom Fest")
    assert image["content"]["msgtype"] == "m.image"
    assert await _download(anna, image["content"]["url"]) == picture
    sizes = {"photo": [{"file_id": "p", "file_unique_id": "u", "width": 1, "height": 1}]}
    fake.edit(bridged.ben, bridged.group, photo, "Vom Sommerfest", caption_of=sizes)
    (edit,) = await anna.receive(room)  # the text changes, the picture stays
    assert edit["content"]["m.relates_to"]["event_id"] == text["event_id"]
    assert edit["content"]["m.new_content"]["body"].endswith(": Vom Sommerfest")

    fake.voice(bridged.ben, bridged.group, b"OggS voice")
    _, voice = await anna.receive(room, count=2)
    assert voice["content"]["msgtype"] == "m.audio"
    assert await _download(anna, voice["content"]["url"]) == b"OggS voice"

    too_large = b"x" * (20 * 1024 * 1024 + 1)
    fake.document(bridged.ben, bridged.group, "Film.mov", too_large, mime_type="video/quicktime")
    (named,) = await anna.receive(room)
    assert "(Film.mov: zu groß zum Weiterleiten, höchstens 20 MB)" in named["content"]["body"]

    pdf = b"%PDF-1.4 Einladung"
    uploaded, _ = await anna.client.upload(
        io.BytesIO(pdf), content_type="application/pdf", filename="Einladung.pdf", filesize=len(pdf)
    )
    assert isinstance(uploaded, UploadResponse)
    content = {"msgtype": "m.file", "body": "Einladung.pdf", "url": uploaded.content_uri}
    content["info"] = {"mimetype": "application/pdf", "size": len(pdf)}
    count = len(fake.sent)
    await anna.send(room, content)
    await fake.wait_sent(count + 1)
    sent = fake.sent[-1]
    assert sent.method == "sendDocument" and sent.params["document_bytes"] == pdf
    assert sent.params["document_name"] == "Einladung.pdf"
    assert re.fullmatch(r"<b>anna-\w+</b> #\d+: ", sent.text), sent.text  # the caption

    # A caption changed in Matrix changes the caption in Telegram.
    picture_content = {
        "msgtype": "m.image",
        "body": "Bühne",
        "filename": "b.jpg",
        "url": uploaded.content_uri,
    }
    picture_content["info"] = {"mimetype": "image/jpeg", "size": len(pdf)}
    original, captioned = await bridged.from_matrix(picture_content)
    assert captioned.method == "sendPhoto" and captioned.text.endswith(": Bühne")
    new = {
        "msgtype": "m.image",
        "body": "Die Bühne",
        "filename": "b.jpg",
        "url": uploaded.content_uri,
    }
    relation = {"rel_type": "m.replace", "event_id": original}
    edits = len(fake.edits)
    await anna.send(
        room, {**new, "body": "* Die Bühne", "m.new_content": new, "m.relates_to": relation}
    )
    await _until(lambda: len(fake.edits) > edits)
    assert fake.edits[-1].message_id == captioned.message_id
    assert fake.edits[-1].text.endswith(": Die Bühne")


async def _download(person: Person, url: str) -> bytes:
    found = await person.client.download(url)
    assert isinstance(found, MemoryDownloadResponse), found
    return found.body
