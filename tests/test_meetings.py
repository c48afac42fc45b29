"""Meeting proposals, the tally, the calendar file, and the poll's rules against bad input."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar

from bot.availability import Absence, Window
from bot.calendar_file import CalendarEntry, ics
from bot.events import ButtonEvent
from bot.proposals import Person, propose
from bot.services.meetings import public_holidays
from bot.tally import Count, winners
from tests.helpers import Chat

BERLIN = ZoneInfo("Europe/Berlin")
EVENINGS = tuple(Window(day, 16 * 60, 21 * 60) for day in range(5))  # the network's window


def evening(*days: int, start: int = 18, end: int = 21) -> tuple[Window, ...]:
    return tuple(Window(day, start * 60, end * 60) for day in days)


def slots(people: list[Person], **options: object) -> list[datetime]:
    found = propose(
        people,
        EVENINGS,
        first_day=date(2026, 11, 23),  # a Monday
        last_day=date(2026, 12, 6),
        duration=120,
        tz=BERLIN,
        **options,  # type: ignore[arg-type]
    )
    return [c.starts_at for c in found]


def test_volunteers_come_first_then_everyone() -> None:
    staff = [Person(False, evening(0, 1, 2, start=16)) for _ in range(3)]  # Mon-Wed
    volunteer = [Person(True, evening(3))]  # only Thursday evenings
    first = slots(staff + volunteer, count=1)
    assert [(s.weekday(), s.hour) for s in first] == [(3, 18)]  # a Thursday, 18:00


def test_people_who_said_nothing_are_unknown_not_absent() -> None:
    found = propose(
        [Person(False, ()), Person(False, ()), Person(True, evening(1))],
        EVENINGS,
        first_day=date(2026, 11, 23),
        last_day=date(2026, 11, 29),
        duration=120,
        tz=BERLIN,
        count=1,
    )
    assert found[0].starts_at.weekday() == 1
    assert (found[0].can_come, found[0].unknown) == (1, 2)


def test_equal_slots_spread_over_weekdays_one_a_day() -> None:
    everyone = [Person(False, evening(0, 1, 2, 3, 4, start=16))]
    found = slots(everyone, count=5)
    assert len({s.weekday() for s in found}) == 5
    assert len({s.date() for s in found}) == 5


def test_holidays_absences_and_other_meetings_are_left_out() -> None:
    person = Person(True, evening(3), absences=(Absence(date(2026, 11, 26), date(2026, 11, 26)),))
    busy = [(datetime(2026, 12, 3, 17, tzinfo=BERLIN), datetime(2026, 12, 3, 19, tzinfo=BERLIN))]
    found = slots([person], count=3, busy=busy)
    assert date(2026, 11, 26) not in {s.date() for s in found}  # absent
    assert all(not (s.date() == date(2026, 12, 3) and s.hour < 19) for s in found)  # busy
    christmas = propose(
        [Person(True, evening(4))],
        EVENINGS,
        first_day=date(2026, 12, 21),
        last_day=date(2026, 12, 27),
        duration=60,
        tz=BERLIN,
        holidays=public_holidays("NW", date(2026, 12, 21), date(2026, 12, 27)),
    )
    assert date(2026, 12, 25) not in {c.starts_at.date() for c in christmas}  # a Friday


def test_holidays_of_the_networks_state() -> None:
    corpus_christi = date(2026, 6, 4)
    assert corpus_christi in public_holidays("NW", date(2026, 6, 1), date(2026, 6, 7))
    assert corpus_christi not in public_holidays("BE", date(2026, 6, 1), date(2026, 6, 7))


def test_nobody_able_to_come_means_no_slot_but_nobody_said_means_any() -> None:
    assert slots([Person(True, evening(5))]) == []  # only Saturdays, outside the window
    assert len(slots([Person(True, ())], count=3)) == 3


def test_the_tally_prefers_yes_then_if_need_be_then_volunteers() -> None:
    counts = {
        1: Count(yes=1),
        2: Count(yes=1, maybe=1, volunteers=1),
        3: Count(yes=1, maybe=1, no=1, volunteers=1),
        4: Count(),
    }
    assert winners(counts) == [2, 3]  # a tie: the same yes, yes + if need be, volunteers
    assert winners({1: Count(maybe=3), 2: Count(yes=1)}) == [2]
    assert winners({1: Count(yes=1, maybe=1), 2: Count(yes=1, maybe=2)}) == [2]
    assert winners({1: Count(yes=1, volunteers=1), 2: Count(yes=1)}) == [1]


async def test_changing_an_answer_moves_it_between_counts(chat: Chat) -> None:
    chat.set_now("2026-11-21 18:00")
    await _poll(chat, "ben")
    await chat.tap("ben", "plenum", "1: ja")
    await chat.tap("ben", "plenum", "1: nein")
    await chat.tap("ben", "plenum", "2: notfalls")
    slots = (await chat.rows())["meeting_slots"]
    first, second = sorted(slots, key=lambda slot: slot["starts_at"])[:2]
    assert (first["yes"], first["no"], second["maybe"]) == (0, 1, 1)
    assert [m["answered"] for m in (await chat.rows())["meetings"]] == [1]


def test_the_calendar_file_keeps_its_uid_and_counts_changes() -> None:
    entry = CalendarEntry(
        uid="abc@netzwerkbot",
        sequence=2,
        title="Plenum",
        starts_at=datetime(2026, 3, 31, 16, 0, tzinfo=ZoneInfo("UTC")),  # summer time
        duration_minutes=90,
        location="Rathaus",
    )
    event = Calendar.from_ical(ics(entry, BERLIN, datetime(2026, 3, 1, tzinfo=BERLIN))).walk(
        "VEVENT"
    )[0]
    assert str(event["UID"]) == "abc@netzwerkbot"
    assert int(event["SEQUENCE"]) == 2
    assert event["DTSTART"].dt == datetime(2026, 3, 31, 18, 0, tzinfo=BERLIN)
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert event["DTEND"].dt - event["DTSTART"].dt == timedelta(minutes=90)
    changed = replace(entry, sequence=3, cancelled=True)
    cancelled = Calendar.from_ical(ics(changed, BERLIN, datetime(2026, 3, 2, tzinfo=BERLIN)))
    assert str(cancelled["METHOD"]) == "CANCEL"
    assert str(cancelled.walk("VEVENT")[0]["STATUS"]) == "CANCELLED"
    assert str(cancelled.walk("VEVENT")[0]["UID"]) == "abc@netzwerkbot"


async def state(chat: Chat) -> dict[str, object]:
    """Every table but the outbox, where the explanations go."""
    rows = await chat.rows()
    return {table: content for table, content in rows.items() if table != "outbox"}


async def _poll(chat: Chat, *voters: str) -> None:
    await chat.say("anna", "plenum", "/setup Plenum")
    for name in voters:
        await chat.say(name, "plenum", "/availability werktags ab 16")
    await chat.say("anna", "plenum", "/meeting new Plenum 2h innerhalb 2 Wochen")
    await chat.tap("anna", "plenum", "Umfrage veröffentlichen")
    chat.said()


async def test_bad_input_is_explained_and_changes_nothing(chat: Chat) -> None:
    chat.set_now("2026-11-21 18:00")
    await chat.say("anna", "plenum", "/setup Plenum")
    await chat.say("anna", "plenum", "/meeting new Plenum")
    for _ in range(7):
        await chat.say("anna", "plenum", f"/meeting add 1.12.2026 {8 + _}:00")
    chat.said()
    before = await state(chat)
    cases = {
        "/meeting add 1.12.2026 20:00": "höchstens 12 Termine",
        "/meeting new " + "x" * 201: "schon ein Treffen",
        "/meeting remove 13": "Termin 13 gibt es nicht",
        "/meeting add 1.12.2026 25:00": "Datum und Uhrzeit",
        "/meeting move 3.12. 18:00": "kein Treffen an",
        "/meeting frobnicate": "/meeting [neu TITEL",
    }
    for command, expected in cases.items():
        assert expected in await chat.ask("anna", "plenum", command), command
    assert await state(chat) == before


async def test_titles_durations_and_past_slots_are_checked(chat: Chat) -> None:
    chat.set_now("2026-11-21 18:00")
    await chat.say("anna", "plenum", "/setup Plenum")
    chat.said()
    before = await state(chat)
    assert "zu lang (201 Zeichen" in await chat.ask("anna", "plenum", "/meeting new " + "x" * 201)
    assert "mehr als 0 Minuten" in await chat.ask("anna", "plenum", "/meeting new Plenum 0h")
    assert "höchstens 12 Stunden" in await chat.ask("anna", "plenum", "/meeting new Plenum 13h")
    assert "zwischen 1 und 26" in await chat.ask("anna", "plenum", "/meeting new P in 30 Wochen")
    assert await state(chat) == before
    await chat.say("anna", "plenum", "/meeting new Plenum")
    assert "schon vorbei" in await chat.ask("anna", "plenum", "/meeting add 20.11.2026 18:00")


async def test_votes_outside_the_circle_after_closing_and_twice_change_nothing(
    chat: Chat,
) -> None:
    chat.set_now("2026-11-21 18:00")
    await _poll(chat, "ben")
    await chat.tap("ben", "plenum", "1: ja")
    chat.said()
    before = await state(chat)
    assert "schon gegeben" in await chat.tap_and_read("ben", "plenum", "1: ja")
    await chat.say("anna", "plenum", "/coordinator add @ben")  # keep ben's membership row
    await chat.say("eve", "ag", "/setup AG")
    chat.said()
    # Eve is in another circle; the poll's button data reaches the bot from her chat.
    poll, data = next(
        (sent, button.data)
        for sent in chat.console._with_buttons
        for button in sent.buttons
        if sent.chat_id == "#plenum" and button.label == "1: ja"
    )
    tap = ButtonEvent(
        chat=chat.console.message("eve", "ag", "").chat,
        sender=chat.console.message("eve", "ag", "").sender,
        message_id=poll.message_id,
        data=data,
    )
    await chat.core.dispatcher.handle(tap)
    await chat.core.sender.drain()
    assert "Nur Mitglieder von Plenum" in chat.said()
    await chat.say("anna", "plenum", "/meeting close")
    chat.said()
    assert "beendet" in await chat.tap_and_read("ben", "plenum", "2: ja")
    after = await state(chat)
    assert after["votes"] == before["votes"]


async def test_two_hundred_taps_in_ten_seconds_all_count_and_edits_are_batched(
    chat: Chat,
) -> None:
    chat.set_now("2026-11-21 18:00")
    voters = [f"p{n}" for n in range(200)]
    await chat.say("anna", "plenum", "/setup Plenum")
    await chat.say("anna", "plenum", "/meeting new Plenum")
    await chat.tap("anna", "plenum", "Umfrage veröffentlichen")
    chat.said()
    edited_at: list[datetime] = []
    write = chat.console._write

    def noting_edits(line: str) -> None:
        if "(edits" in line:
            edited_at.append(chat.clock.now())
        write(line)

    chat.console._write = noting_edits
    for number, name in enumerate(voters):
        await chat.wait(timedelta(milliseconds=50))  # 200 taps in 10 seconds
        await chat.tap(name, "plenum", f"{number % 3 + 1}: ja")
    await chat.wait(timedelta(seconds=3))
    gaps = [later - earlier for earlier, later in zip(edited_at, edited_at[1:], strict=False)]
    assert len(edited_at) >= 3
    assert all(gap >= timedelta(seconds=3) for gap in gaps)
    last = next(line for line in reversed(chat.lines) if "(edits" in line)
    assert "Antworten für Plenum (200)" in last
    tally = chat.lines[chat.lines.index(last) : chat.lines.index(last) + 1][0]
    assert sum(int(n) for n in re.findall(r": (\d+) ja", tally)) == 200
