"""Minutes: versions with their SHA-256, decisions and action items read out, changes shown."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import select

from bot.db.models import Circle, Meeting, MeetingStatus
from bot.events import IncomingFile
from bot.minutes_items import decision_words, read_items
from tests.helpers import Chat

MINUTES = """# Protokoll Plenum

**Beschluss:** Wir mieten den Saal im Rathaus.
- Decision: the flyer goes to print
Beschlussvorlage: kein Beschluss, nur eine Vorlage

## Nächste Schritte
- [ ] @ben Flyer drucken bis Freitag
- [x] @cem Raum angefragt
* [ ] @ben @cem Saal buchen bis 12.12.
"""


def markdown(text: str, name: str = "protokoll.md") -> IncomingFile:
    return IncomingFile(name, "text/markdown", text.encode())


def test_decisions_and_open_action_items_are_read_in_any_catalog_language() -> None:
    items = read_items(MINUTES, decision_words([lambda msgid: "Beschluss"]))
    assert items.decisions == ("Wir mieten den Saal im Rathaus.", "the flyer goes to print")
    assert items.actions == ("@ben Flyer drucken bis Freitag", "@ben @cem Saal buchen bis 12.12.")


async def _circle_with_meeting(chat: Chat) -> None:
    chat.set_now("2026-11-23 10:00")
    await chat.say("ben", "plenum", "Hallo")
    await chat.ask("anna", "plenum", "/setup Plenum")
    async with chat.core.sessions.begin() as session:
        circle = await session.scalar(select(Circle))
        assert circle is not None
        session.add(
            Meeting(
                circle_id=circle.id,
                title="Plenum im November",
                language="de",
                duration_minutes=120,
                status=MeetingStatus.SCHEDULED,
                created_at=chat.clock.now(),
                starts_at=chat.clock.now() - timedelta(days=2),
                uid="test-meeting",
            )
        )


async def test_each_submission_is_a_version_with_its_hash_and_its_changes(chat: Chat) -> None:
    await _circle_with_meeting(chat)
    said = await chat.send_and_read("anna", "plenum", "/minutes", markdown(MINUTES))
    sha = hashlib.sha256(MINUTES.encode()).hexdigest()
    assert "Protokoll von Plenum im November am 21.11.2026, Version 1" in said
    assert f"SHA-256: {sha}" in said
    assert (
        "Beschlüsse (2):\n  1. Wir mieten den Saal im Rathaus.\n  2. the flyer goes to print"
        in said
    )
    assert "Aufgaben (2):\n  1. @ben Flyer drucken bis Freitag" in said
    second = MINUTES.replace("im Rathaus", "im Bürgerhaus")
    said = await chat.send_and_read("anna", "plenum", "/minutes", markdown(second))
    assert "Version 2" in said
    assert "Geändert seit Version 1: +1 −1 Zeilen." in said
    assert "- **Beschluss:** Wir mieten den Saal im Rathaus." in said
    assert "+ **Beschluss:** Wir mieten den Saal im Bürgerhaus." in said
    listing = await chat.ask("anna", "plenum", "/minutes")
    assert "1. Protokoll von Plenum im November am 21.11.2026: 2 Versionen, offen" in listing
    again = await chat.ask("ben", "plenum", "/minutes show 1")
    assert "Version 2, SHA-256:" in again and "<file: protokoll.md," in again


async def test_pasted_text_is_minutes_too(chat: Chat) -> None:
    await _circle_with_meeting(chat)
    said = await chat.ask("anna", "plenum", "/minutes Beschluss: Kuchen für alle")
    assert "Version 1" in said and "1. Kuchen für alle" in said


async def test_bad_minutes_are_explained_and_change_nothing(chat: Chat) -> None:
    await _circle_with_meeting(chat)
    await chat.send_and_read("anna", "plenum", "/minutes", markdown(MINUTES))
    before = {k: v for k, v in (await chat.rows()).items() if k.startswith("minutes")}
    for user, caption, files, expected in [
        ("anna", "/minutes", (markdown(MINUTES),), "dasselbe wie Version 1"),
        (
            "ben",
            "/minutes",
            (markdown("Beschluss: anders"),),
            "Nur wer beim Treffen Protokoll führt",
        ),
        ("anna", "/minutes", (markdown(""),), "Die Datei ist leer"),
        ("anna", "/minutes", (IncomingFile("p.doc", "application/msword", b"x"),), ".doc"),
        ("anna", "/minutes", (IncomingFile("p.docx", "", b"PK not a zip"),), "nicht lesen"),
        ("anna", "/minutes", (IncomingFile("p.md", "", None),), "zu groß"),
        ("anna", "/minutes", (markdown("a"), markdown("b")), "eine Datei"),
        ("anna", "/minutes show 9", (), "kein Protokoll 9"),
        ("anna", "/minutes show", (), "Welches Protokoll?"),
    ]:
        said = await chat.send_and_read(user, "plenum", caption, *files)
        assert expected in said, (caption, said)
    assert {k: v for k, v in (await chat.rows()).items() if k in before} == before
    assert "Bitte verwenden Sie /minutes im Gruppenchat" in await chat.ask("anna", None, "/minutes")
