"""Minutes on their way to approval: circulated, answered, reminded, decided by each rule,
recorded and frozen."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import select

from bot.db.models import Decision, Minutes, MinutesStatus, MinutesVersion, Task
from tests.helpers import Chat
from tests.test_minutes import MINUTES, _circle_with_meeting, markdown

CORRECTED = MINUTES.replace("im Rathaus", "im Bürgerhaus")


async def _plenum(chat: Chat, rule: str | None = None) -> None:
    """Plenum with anna (coordinator), ben and cem, a meeting two days ago; Monday 10:00."""
    await _circle_with_meeting(chat)
    for person in ("ben", "cem"):
        await chat.say(person, "plenum", "Hallo")
    if rule is not None:
        assert "Ab dem nächsten Protokoll" in await chat.ask(
            "anna", "plenum", f"/minutes regel {rule}"
        )
    chat.said()


async def _minutes(chat: Chat) -> list[Minutes]:
    async with chat.core.sessions() as session:
        return list(await session.scalars(select(Minutes).order_by(Minutes.id)))


async def _version_ids(chat: Chat) -> list[int]:
    async with chat.core.sessions() as session:
        return list(await session.scalars(select(MinutesVersion.id).order_by(MinutesVersion.id)))


async def test_minutes_go_to_the_chats_and_privately_to_each_member(chat: Chat) -> None:
    await _plenum(chat)
    said = await chat.send_and_read("anna", "plenum", "/minutes", markdown(MINUTES))
    group, *private = said.split("\n[2026-11-23 10:00] ")
    assert group.startswith("[2026-11-23 10:00] bot -> #plenum: Protokoll von Plenum")
    assert "So wird es freigegeben: alle müssen zustimmen." in group
    assert "<file: protokoll.md," in group
    assert [line.split(":")[0] for line in private] == [
        "bot -> @ben",
        "bot -> @cem",
    ]  # not to anna: who sends the minutes stands behind them
    assert "[Zustimmen] [Änderungen erbitten]\n  [Datei schicken]" in private[0]
    assert "Antworten bis: Mo., 30. Nov. 2026, 10:00" in private[0]
    file = await chat.tap_and_read("ben", None, "Datei schicken")
    assert "Version 1, SHA-256:" in file and "<file: protokoll.md, 278 bytes>" in file


async def test_a_change_request_then_a_new_version_that_everyone_approves(chat: Chat) -> None:
    await _plenum(chat)
    await chat.send_and_read("anna", "plenum", "/minutes", markdown(MINUTES))
    assert "zugestimmt" in await chat.tap_and_read("ben", None, "Zustimmen")
    asked = await chat.tap_and_read("cem", None, "Änderungen erbitten")
    assert "Was soll sich an Version 1 ändern?" in asked
    said = await chat.ask("cem", None, "Es war das Bürgerhaus, nicht das Rathaus.")
    assert "bot -> @anna: cem bittet um Änderungen an Protokoll von Plenum" in said
    assert "„Es war das Bürgerhaus, nicht das Rathaus.“" in said
    assert "Danke, ich habe das an anna weitergegeben." in said

    said = await chat.send_and_read("anna", "plenum", "/minutes", markdown(CORRECTED))
    assert "Version 2" in said and "Geändert seit Version 1: +1 −1 Zeilen." in said
    assert "bot -> @ben: Bitte lesen Sie" in said  # ben's answer was to version 1
    v1, v2 = await _version_ids(chat)
    stale = await chat.press_and_read("ben", None, f"pok:{v1}")
    assert "Version 1 ist durch Version 2 ersetzt" in stale
    await chat.tap_and_read("ben", None, "Zustimmen")
    assert (await _minutes(chat))[0].status is MinutesStatus.OPEN  # cem has not answered
    said = await chat.tap_and_read("cem", None, "Zustimmen")
    sha = hashlib.sha256(CORRECTED.encode()).hexdigest()
    record = said[said.index("bot -> #plenum") :]
    assert "Version 2: freigegeben." in record
    assert "Regel: alle müssen zustimmen." in record
    assert f"SHA-256: {sha}" in record
    assert "- anna: freigegeben\n  - ben: freigegeben\n  - cem: freigegeben" in record
    assert "2 Beschlüsse stehen jetzt im Beschlussbuch: /decisions" in record
    assert "Aus den Aufgaben im Protokoll wurden die Aufgaben 1, 2, 3;" in record
    assert "bot -> @ben: anna bittet Sie in Plenum, Aufgabe 1 zu übernehmen." in said
    log = await chat.ask("cem", "plenum", "/decisions")
    assert log.endswith(
        "Mo., 23. Nov. 2026: Wir mieten den Saal im Bürgerhaus.\n"
        "  Mo., 23. Nov. 2026: the flyer goes to print"
    )
    async with chat.core.sessions() as session:
        decisions = list(await session.scalars(select(Decision)))
        tasks = list(await session.scalars(select(Task).order_by(Task.id)))
    assert {d.version_id for d in decisions} == {v2}
    assert [(t.text, t.due_on.isoformat()) for t in tasks] == [
        ("Flyer drucken", "2026-11-27"),
        ("Saal buchen", "2026-12-12"),
        ("Saal buchen", "2026-12-12"),
    ]


async def test_bad_answers_are_explained_and_change_nothing(chat: Chat) -> None:
    await _plenum(chat)
    await chat.say("dora", None, "Hallo")  # knows the bot, is no member of Plenum
    await chat.send_and_read("anna", "plenum", "/minutes", markdown(MINUTES))
    await chat.tap_and_read("ben", None, "Zustimmen")
    (version,) = await _version_ids(chat)
    before = await chat.rows()
    del before["outbox"]  # the replies
    for user, channel, data, expected in [
        ("ben", None, f"pok:{version}", "Sie haben Version 1 schon zugestimmt."),
        ("dora", None, f"pok:{version}", "Nur Mitglieder von Plenum antworten"),
        ("dora", None, f"pfile:{version}", "Nur Mitglieder des Gremiums"),
        ("cem", None, "pok:999", "Dieses Protokoll gibt es nicht mehr."),
        ("cem", None, "pok:1:2", "Diese Schaltfläche funktioniert nicht mehr."),
        ("cem", None, "pchg:x", "Diese Schaltfläche funktioniert nicht mehr."),
    ]:
        said = await chat.press_and_read(user, channel, data)
        assert expected in said, (data, said)
    for user, text, expected in [
        ("anna", "/minutes freigeben", "nicht bei einem Treffen: /minutes regel"),
        ("ben", "/minutes regel mehrheit", "Das kann nur die Koordination"),
        ("anna", "/minutes regel irgendwie", "So geht es: /minutes regel alle | mehrheit"),
    ]:
        said = await chat.ask(user, "plenum", text)
        assert expected in said, (text, said)
    after = await chat.rows()
    del after["outbox"]
    assert after == before


async def test_a_majority_approves_at_once(chat: Chat) -> None:
    await _plenum(chat, "mehrheit")
    await chat.send_and_read("anna", "plenum", "/minutes", markdown(MINUTES))
    said = await chat.tap_and_read("ben", None, "Zustimmen")  # with anna: 2 of 3
    assert "Version 1: freigegeben." in said and "- cem: keine Antwort" in said
    after = await chat.tap_and_read("cem", None, "Zustimmen")
    assert "Dieses Protokoll ist schon freigegeben" in after


async def test_silence_approves_at_the_deadline_without_change_requests(chat: Chat) -> None:
    await _plenum(chat, "umlauf")
    await chat.send_and_read("anna", "plenum", "/minutes", markdown(MINUTES))
    await chat.wait(timedelta(days=7) - timedelta(minutes=1))
    assert "freigegeben." not in chat.said()
    await chat.wait(timedelta(minutes=1))
    said = chat.said()
    assert "[2026-11-30 10:00] bot -> #plenum: Protokoll von Plenum" in said
    assert "Version 1: freigegeben." in said and "- ben: keine Antwort" in said


async def test_silence_is_broken_by_a_change_request(chat: Chat) -> None:
    await _plenum(chat, "umlauf")
    await chat.send_and_read("anna", "plenum", "/minutes", markdown(MINUTES))
    await chat.tap_and_read("cem", None, "Änderungen erbitten")
    await chat.ask("cem", None, "Der Saal stimmt nicht.")
    await chat.wait(timedelta(days=7))
    said = chat.said()
    assert "Version 1: nicht freigegeben." in said
    assert "- cem: bittet um Änderungen: „Der Saal stimmt nicht.“" in said
    assert "Eine korrigierte Fassung kann mit /minutes geschickt werden." in said
    async with chat.core.sessions() as session:
        assert await session.scalar(select(Decision)) is None
        assert await session.scalar(select(Task)) is None


async def test_at_the_meeting_the_coordinator_records_the_vote(chat: Chat) -> None:
    await _plenum(chat, "sitzung")
    said = await chat.send_and_read("anna", "plenum", "/minutes", markdown(MINUTES))
    assert "Wird beim nächsten Treffen freigegeben." in said
    assert "1. Protokoll des letzten Treffens freigeben" in await chat.ask(
        "ben", "plenum", "/agenda"
    )
    assert "Das kann nur die Koordination" in await chat.ask("ben", "plenum", "/minutes freigeben")
    said = await chat.ask("anna", "plenum", "/minutes freigeben")
    assert "Version 1: freigegeben." in said
    assert "Regel: beim nächsten Treffen, festgehalten von der Koordination." in said
    assert "Festgehalten von anna am Mo., 23. Nov. 2026, 10:00." in said
    again = await chat.ask("anna", "plenum", "/minutes ablehnen")
    assert "Hier wartet kein Protokoll auf Freigabe." in again


async def test_who_has_not_answered_is_reminded_once_in_their_evening(chat: Chat) -> None:
    await _plenum(chat)
    await chat.ask("cem", None, "/reminders 19-20")
    await chat.send_and_read("anna", "plenum", "/minutes", markdown(MINUTES))
    await chat.wait(timedelta(days=6, hours=7))  # Sunday 17:00, the eve of the deadline
    said = chat.said()
    assert said.startswith("[2026-11-29 17:00] bot -> @ben: Erinnerung: Bitte antworten Sie")
    assert "[Zustimmen] [Änderungen erbitten]" in said and "@cem" not in said
    await chat.tap_and_read("cem", None, "Zustimmen")  # before his hours: no reminder then
    await chat.wait(timedelta(hours=17))
    said = chat.said()
    assert "Erinnerung" not in said
    assert "[2026-11-30 10:00] bot -> #plenum" in said and "Version 1: nicht freigegeben." in said
    assert "- ben: keine Antwort" in said


async def test_minutes_sent_at_night_reach_phones_in_the_morning(chat: Chat) -> None:
    await _plenum(chat)
    chat.set_now("2026-11-23 22:30")
    said = await chat.send_and_read("anna", "plenum", "/minutes", markdown(MINUTES))
    assert "bot -> #plenum" in said and "bot -> @ben" not in said
    await chat.wait(timedelta(hours=9, minutes=30))
    said = chat.said()
    assert "[2026-11-24 08:00] bot -> @ben: Bitte lesen Sie das Protokoll" in said
    assert "[2026-11-24 08:00] bot -> @cem: Bitte lesen Sie das Protokoll" in said


async def test_approved_minutes_stay_as_they_are_and_a_correction_is_approved_anew(
    chat: Chat,
) -> None:
    await _plenum(chat, "mehrheit")
    await chat.send_and_read("anna", "plenum", "/minutes", markdown(MINUTES))
    await chat.tap_and_read("ben", None, "Zustimmen")
    async with chat.core.sessions() as session:
        frozen = await session.scalar(select(MinutesVersion))
        assert frozen is not None
        sha, data = frozen.sha256, frozen.data
    said = await chat.send_and_read("anna", "plenum", "/minutes", markdown(CORRECTED))
    assert "Version 2" in said and "Geändert seit Version 1" in said
    first, second = await _minutes(chat)
    assert (first.status, second.status) == (MinutesStatus.APPROVED, MinutesStatus.OPEN)
    async with chat.core.sessions() as session:
        frozen = await session.get_one(MinutesVersion, frozen.id)
        assert (frozen.sha256, frozen.data) == (sha, data)
    listing = await chat.ask("anna", "plenum", "/minutes")
    assert "2. Protokoll von Plenum im November am 21.11.2026: 1 Version, offen" in listing
    assert "1. Protokoll von Plenum im November am 21.11.2026: 1 Version, freigegeben" in listing


async def test_the_rule_is_shown_to_everyone(chat: Chat) -> None:
    await _plenum(chat)
    said = await chat.ask("ben", "plenum", "/minutes regel")
    assert "Protokolle werden hier so freigegeben: alle müssen zustimmen." in said
    assert "/minutes regel alle | mehrheit | umlauf | Treffen" in said
    assert "Noch keine Beschlüsse." in await chat.ask("ben", "plenum", "/decisions")


async def test_who_joins_while_the_minutes_circulate_is_not_waited_for(chat: Chat) -> None:
    await _plenum(chat)
    await chat.send_and_read("anna", "plenum", "/minutes", markdown(MINUTES))
    await chat.wait(timedelta(minutes=5))
    await chat.say("dora", "plenum", "Hallo, ich bin neu hier.")
    await chat.tap_and_read("ben", None, "Zustimmen")
    said = await chat.tap_and_read("cem", None, "Zustimmen")
    assert "Version 1: freigegeben." in said and "dora" not in said
