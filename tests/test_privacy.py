"""DSGVO: a person gets everything stored about them, and can have it erased."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from bot.db.models import Base, Member, Reminder
from bot.events import ButtonEvent
from bot.services import privacy
from bot.services.privacy import PERSONAL_DATA, PersonalData
from tests.helpers import Chat, Recorder


def test_every_table_pointing_at_members_is_registered() -> None:
    registered = {(e.owner.class_.__table__.name, e.owner.key) for e in PERSONAL_DATA}
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column.table.name == "members" for fk in column.foreign_keys):
                assert (table.name, column.key) in registered, f"{table.name}.{column.key}"
    assert ("members", "id") in registered


async def test_mydata_sends_everything_privately_as_a_file(chat: Chat) -> None:
    await chat.ask("anna", "plenum", "/setup Plenum")
    await chat.ask("zoe", "plenum", "/language en")
    recorder = Recorder()
    chat.core.sender._transports = {"console": recorder}  # to read the file itself
    await chat.say("zoe", "plenum", "/mydata")
    (group, notice), (private, export) = sorted(recorder.sent, key=lambda s: s[0].kind)
    assert notice.text.plain == "I have written to you in our private chat."
    assert private.chat_id == "@zoe"
    (attachment,) = export.attachments
    data = json.loads(attachment.data)
    assert data["member"][0]["display_name"] == "zoe"
    assert data["member"][0]["language"] == "en"
    assert data["identities"][0]["user_id"] == "zoe"
    assert data["circle_memberships"][0]["role"] == "member"
    assert data["private_chats"][0]["chat_id"] == "@zoe"


async def remind(chat: Chat, name: str, kind: str) -> Member:
    """Give `name` a reminder row, as later capabilities will."""
    async with chat.core.sessions.begin() as session:
        member = await session.scalar(select(Member).where(Member.display_name == name))
        assert member is not None
        now = chat.clock.now()
        session.add(
            Reminder(kind=kind, due_at=now, member_id=member.id, payload={}, created_at=now)
        )
    return member


def _mentions(rows: dict[str, list[dict[str, Any]]], name: str, member_id: int) -> list[str]:
    found = []
    for table, records in rows.items():
        for record in records:
            for key, value in record.items():
                if isinstance(value, str) and name in value.lower():
                    found.append(f"{table}.{key}={value!r}")
                if key == "member_id" and value == member_id:
                    found.append(f"{table}.{key}")
                if table == "members" and key == "id" and value == member_id:
                    found.append("members.id")
    return found


async def test_after_forgetme_no_row_names_the_person(chat: Chat) -> None:
    await chat.ask("anna", "plenum", "/setup Plenum")
    await chat.ask("zoe", "plenum", "/start")
    await chat.ask("zoe", None, "/whoami")
    await chat.ask("anna", "plenum", "/coordinator add @zoe")
    zoe = await remind(chat, "zoe", "x")
    assert _mentions(await chat.rows(), "zoe", zoe.id)

    await chat.say("zoe", "plenum", "/forgetme")
    await chat.tap("zoe", None, "Ja, alles löschen")
    assert chat.said().endswith(
        "bot -> @zoe: Erledigt: Ich habe alles gelöscht, was ich über Sie gespeichert hatte. "
        "Auf Wiedersehen!"
    )
    assert _mentions(await chat.rows(), "zoe", zoe.id) == []
    assert "zoe" not in await chat.ask("anna", "plenum", "/members")


async def test_only_the_person_can_confirm_their_erasure(chat: Chat) -> None:
    await chat.ask("zoe", None, "/forgetme")
    async with chat.core.sessions() as session:
        zoe = await session.scalar(select(Member).where(Member.display_name == "zoe"))
    assert zoe is not None
    before = await chat.rows()
    forged = ButtonEvent(
        chat=chat.console.message("mallory", "plenum", "").chat,
        sender=chat.console.message("mallory", "plenum", "").sender,
        data=f"forget:{zoe.id}",
    )
    await chat.core.dispatcher.handle(forged)
    await chat.core.sender.drain()
    assert "Dieser Button ist für eine andere Person." in chat.said()
    after = await chat.rows()
    assert [m for m in after["members"] if m["id"] == zoe.id] == before["members"][:1]


async def test_keep_leaves_everything(chat: Chat) -> None:
    await chat.ask("zoe", None, "/forgetme")
    before = await chat.rows()
    assert "nichts gelöscht" in await chat.tap_and_read("zoe", None, "Nein, behalten")
    after = await chat.rows()
    del before["outbox"], after["outbox"]
    assert after == before


async def test_anonymise_keeps_the_row_without_the_person(chat: Chat) -> None:
    await chat.ask("zoe", None, "/start")
    zoe = await remind(chat, "zoe", "vote")
    entries = [
        *(e for e in PERSONAL_DATA if e.section != "reminders"),
        PersonalData("reminders", Reminder.member_id, "anonymise"),
    ]
    async with chat.core.sessions.begin() as session:
        zoe = await session.get_one(Member, zoe.id)
        await privacy.forget(session, zoe, entries)
    async with chat.core.sessions() as session:
        (kept,) = await session.scalars(select(Reminder))
        assert kept.kind == "vote" and kept.member_id is None
        assert await session.get(Member, zoe.id) is None
