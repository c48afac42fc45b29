"""Commitments: reading dates as people write them, and the task cycle beyond the transcript."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.db.models import Circle, Task, TaskStatus
from bot.due_dates import AtNextMeeting, Clash, Due, Reader, Unreadable, following
from bot.i18n import Catalogs
from bot.paths import LOCALES_DIR
from bot.services.hours import next_within, outside_quiet
from bot.task_input import TaskRequest, read
from bot.task_messages import export
from tests.helpers import Chat

BERLIN = ZoneInfo("Europe/Berlin")
SATURDAY = datetime(2026, 11, 21, 18, 0, tzinfo=BERLIN)


@pytest.fixture(scope="module")
def catalogs() -> Catalogs:
    return Catalogs.load(LOCALES_DIR, "de", BERLIN)


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("de", "Freitag", Due(date(2026, 11, 27), None)),
        ("de", "12.12.", Due(date(2026, 12, 12), None)),
        ("de", "03.04.", Due(date(2027, 4, 3), None)),  # day first
        ("de", "3/4", Due(date(2027, 4, 3), None)),
        ("en", "3/4", Due(date(2027, 3, 4), None)),  # the way English writes it
        ("de", "in zwei Wochen", Due(date(2026, 12, 5), None)),
        ("de", "in einer Woche", Due(date(2026, 11, 28), None)),
        ("en", "in 2 months", Due(date(2027, 1, 21), None)),
        ("de", "Freitag 18:00", Due(date(2026, 11, 27), time(18, 0))),
        ("de", "Fr. um 9 Uhr", Due(date(2026, 11, 27), time(9, 0))),
        ("de", "morgen 17 Uhr", Due(date(2026, 11, 22), time(17, 0))),
        ("de", "Freitag, 27.11.", Due(date(2026, 11, 27), None)),
        ("en", "Friday 6 pm", Due(date(2026, 11, 27), time(18, 0))),
        ("en", "2026-12-12", Due(date(2026, 12, 12), None)),
        ("en", "Dec 12", Due(date(2026, 12, 12), None)),
        ("de", "12. Dezember 2026", Due(date(2026, 12, 12), None)),
        ("de", "20.11.", Due(date(2026, 11, 20), None)),  # just past: refused, not next year
        ("de", "28.3.2027 2:30", Due(date(2027, 3, 28), time(2, 30), Clash.SKIPPED)),
        ("de", "31.10.2027 02:30", Due(date(2027, 10, 31), time(2, 30), Clash.TWICE)),
        ("de", "zum nächsten Treffen", AtNextMeeting()),
        ("en", "the next meeting", AtNextMeeting()),
    ],
)
def test_dates_are_read_the_way_the_writer_writes_them(
    catalogs: Catalogs, language: str, text: str, expected: Due | AtNextMeeting
) -> None:
    t = catalogs.translator(language)
    assert Reader(t.locale, t).read(text, SATURDAY, BERLIN) == expected


@pytest.mark.parametrize(
    "text", ["irgendwann", "18", "25:00", "30.2.", "Donnerstag, 27.11.", "", "x" * 200]
)
def test_what_cannot_be_read_is_refused_not_guessed(catalogs: Catalogs, text: str) -> None:
    t = catalogs.translator("de")
    with pytest.raises(Unreadable):
        Reader(t.locale, t).read(text, SATURDAY, BERLIN)


def test_a_due_time_that_comes_twice_is_the_first_and_a_day_ends_at_midnight() -> None:
    twice = Due(date(2027, 10, 31), time(2, 30), Clash.TWICE)
    assert twice.instant(BERLIN).utcoffset() == timedelta(hours=2)  # still summer time
    assert Due(date(2026, 11, 27), None).instant(BERLIN) == datetime(2026, 11, 28, tzinfo=BERLIN)


def test_the_shape_of_a_task(catalogs: Catalogs) -> None:
    t = catalogs.translator("de")
    assert read("@ben @cem, Flyer drucken bis Freitag Vertretung @dora", t) == TaskRequest(
        ("@ben", "@cem"), "Flyer drucken", "Freitag", "@dora"
    )
    assert read("@ben Flyer in zwei Wochen", t) == TaskRequest(
        ("@ben",), "Flyer", "in zwei Wochen", None
    )
    assert read("@ben Protokoll", t) == TaskRequest(("@ben",), "Protokoll", None, None)
    assert read("Protokoll bis Freitag", t) is None  # nobody named
    assert read("@ben", t) is None  # nothing to do


def test_quiet_hours_across_midnight_hold_a_request_until_morning() -> None:
    quiet = (21 * 60, 8 * 60)
    late = datetime(2026, 11, 23, 22, 30, tzinfo=BERLIN)
    assert outside_quiet(quiet, late, BERLIN) == datetime(2026, 11, 24, 8, 0, tzinfo=BERLIN)
    early = datetime(2026, 11, 24, 6, 0, tzinfo=BERLIN)
    assert outside_quiet(quiet, early, BERLIN) == datetime(2026, 11, 24, 8, 0, tzinfo=BERLIN)
    noon = datetime(2026, 11, 24, 12, 0, tzinfo=BERLIN)
    assert outside_quiet(quiet, noon, BERLIN) == noon


def test_reminder_hours_keep_their_wall_clock_time_across_daylight_saving() -> None:
    before = datetime(2027, 3, 27, 19, 0, tzinfo=BERLIN)  # Saturday, winter time
    after = next_within((18 * 60, 20 * 60), before + timedelta(hours=2), BERLIN)
    assert after == datetime(2027, 3, 28, 18, 0, tzinfo=BERLIN)
    assert after.utcoffset() == timedelta(hours=2)  # summer time: still 18:00 on the wall


async def test_a_task_given_late_in_the_evening_is_asked_after_the_quiet_hours(
    chat: Chat,
) -> None:
    chat.set_now("2026-11-23 22:30")
    await chat.say("ben", "plenum", "Hallo")
    await chat.ask("anna", "plenum", "/setup Plenum")
    said = await chat.ask("anna", "plenum", "/task @ben Flyer drucken bis Freitag")
    assert "Aufgabe 1 für ben" in said and "@ben" not in said
    await chat.wait(timedelta(hours=10))
    assert "[2026-11-24 08:00] bot -> @ben: anna bittet Sie in Plenum" in chat.said()


async def test_a_week_overdue_the_deputy_is_asked_and_takes_over(chat: Chat) -> None:
    chat.set_now("2026-11-23 10:00")
    for name in ("ben", "cem"):
        await chat.say(name, "plenum", "Hallo")
    await chat.ask("anna", "plenum", "/setup Plenum")
    await chat.ask("anna", "plenum", "/task @ben Flyer drucken bis 24.11. Vertretung @cem")
    await chat.tap_and_read("ben", None, "Mache ich")
    await chat.wait(timedelta(days=9, hours=10))  # Wed 2 Dec, 20:00
    said = chat.said()
    assert "bot -> @cem: Sie sind die Vertretung für Aufgabe 1 in Plenum" in said
    assert said.count("bot -> @ben: Aufgabe 1 in Plenum war fällig") == 2  # Wed 25th, Wed 2nd
    await chat.tap_and_read("cem", None, "Mache ich")
    rows = await chat.rows()
    cem = next(m["id"] for m in rows["members"] if m["display_name"] == "cem")
    assert [(r["owner_id"], r["status"]) for r in rows["tasks"]] == [(cem, "accepted")]


async def test_bad_task_input_is_explained_and_changes_nothing(chat: Chat) -> None:
    chat.set_now("2026-11-23 10:00")
    await chat.say("ben", "plenum", "Hallo")
    await chat.ask("anna", "plenum", "/setup Plenum")
    await chat.ask("anna", "plenum", "/task @ben Flyer bis Freitag")
    before = {k: v for k, v in (await chat.rows()).items() if k in ("tasks", "reminders")}
    for text, expected in [
        ("/task @dora:example.org Kuchen bis Freitag", "Ich kenne @dora:example.org noch nicht"),
        ("/task @ben " + "x" * 501 + " bis Freitag", "Das ist zu lang"),
        ("/task @ben Protokoll bis 20.11.", "schon vorbei"),
        ("/task @ben Protokoll bis bald", "Das Datum „bald“ kann ich nicht lesen"),
        ("/task Protokoll bis Freitag", "/task @PERSON WAS"),
    ]:
        assert expected in await chat.ask("anna", "plenum", text), text
    assert "gehört nicht Ihnen" in await chat.ask("cem", "plenum", "/done 1")
    # A superscript two is a digit to str.isdigit, but no number to int().
    assert "So geht es: /done" in await chat.ask("ben", "plenum", "/done ²")
    # Beyond any row's number (PostgreSQL's integer): the same answer, not a failed query.
    assert "So geht es: /done" in await chat.ask("ben", "plenum", "/done 2200000000")
    assert "Welches Protokoll?" in await chat.ask("anna", "plenum", "/minutes show ²")
    assert "Nur wer Aufgabe 1 vergeben hat" in await chat.ask("ben", "plenum", "/drop 1")
    assert {k: v for k, v in (await chat.rows()).items() if k in before} == before
    await chat.ask("anna", "plenum", "/drop 1")
    assert "keine offene Aufgabe 1" in await chat.tap_and_read("ben", None, "Mache ich")


@pytest.mark.parametrize(
    ("language", "text", "days"),
    [
        ("de", "3t", 3),
        ("de", "3d", 3),
        ("de", "zwei Wochen", 14),
        ("de", "10 Tagen", 10),
        ("en", "1w", 7),
        ("en", "2 weeks", 14),
        ("en", "3", None),
        ("de", "3x", None),
    ],
)
def test_snooze_spans_are_read_in_the_writers_words(
    catalogs: Catalogs, language: str, text: str, days: int | None
) -> None:
    t = catalogs.translator(language)
    assert Reader(t.locale, t).days(text) == days


@pytest.mark.parametrize(
    ("language", "text", "code", "first"),
    [
        ("en", "month on the 1st", "month:1", Due(date(2026, 12, 1), None)),
        ("de", "Monat am 1.", "month:1", Due(date(2026, 12, 1), None)),
        ("de", "Monat am 31.", "month:31", Due(date(2026, 11, 30), None)),  # its last day
        ("en", "Friday", "week:4", Due(date(2026, 11, 27), None)),
        ("de", "Woche am Samstag 18:00", "week:5", Due(date(2026, 11, 28), time(18, 0))),
        ("de", "Samstag 19:00", "week:5", Due(date(2026, 11, 21), time(19, 0))),  # today still
        ("de", "Tag um 17 Uhr", "day", Due(date(2026, 11, 22), time(17, 0))),  # today's is past
    ],
)
def test_recurring_rules_are_read_with_their_first_due_date(
    catalogs: Catalogs, language: str, text: str, code: str, first: Due
) -> None:
    t = catalogs.translator(language)
    assert Reader(t.locale, t).repeat(text, SATURDAY, BERLIN) == (code, first)


@pytest.mark.parametrize("text", ["Monat", "Monat am 32.", "Woche", "Jahr am 1.", "irgendwann"])
def test_a_recurring_rule_that_cannot_be_read_is_refused(catalogs: Catalogs, text: str) -> None:
    t = catalogs.translator("de")
    with pytest.raises(Unreadable):
        Reader(t.locale, t).repeat(text, SATURDAY, BERLIN)


def test_the_next_time_of_a_rule() -> None:
    assert following("month:31", date(2027, 1, 31)) == date(2027, 2, 28)
    assert following("month:31", date(2027, 2, 28)) == date(2027, 3, 31)
    assert following("month:1", date(2026, 12, 1)) == date(2027, 1, 1)
    assert following("week:4", date(2026, 11, 27)) == date(2026, 12, 4)
    assert following("day", date(2026, 12, 31)) == date(2027, 1, 1)


def test_every_starts_a_rule_only_before_one(catalogs: Catalogs) -> None:
    t = catalogs.translator("en")
    assert read("@ben Send the newsletter every month on the 1st", t) == TaskRequest(
        ("@ben",), "Send the newsletter", None, None, "month on the 1st"
    )
    assert read("@ben Call every partner by Friday", t) == TaskRequest(
        ("@ben",), "Call every partner", "Friday", None
    )
    de = catalogs.translator("de")
    assert read("@ben Kasse prüfen jeden Freitag", de) == (
        TaskRequest(("@ben",), "Kasse prüfen", None, None, "Freitag")
    )
    assert read("Book the room by Friday", t) is None
    assert read("Book the room by Friday", t, replying=True) == TaskRequest(
        (), "Book the room", "Friday", None
    )


def test_the_export_is_a_csv_file_with_a_header(catalogs: Catalogs) -> None:
    t = catalogs.translator("de")
    circle = Circle(name="AG Wohnen", name_key="ag wohnen")
    task = Task(
        id=7,
        text='Flyer "A5", drucken',
        owner_id=1,
        creator_id=2,
        deputy_id=None,
        status=TaskStatus.DONE,
        due_on=date(2026, 12, 1),
        due_time=time(18, 0),
        repeat="month:1",
        created_at=datetime(2026, 11, 20, 9, 0, tzinfo=BERLIN),
        done_at=datetime(2026, 11, 30, 17, 30, tzinfo=BERLIN),
    )
    message = export(t, circle, [task], {1: "Ben", 2: "Anna"})
    (attachment,) = message.attachments
    assert attachment.filename == "tasks-ag-wohnen.csv" and attachment.mime_type == "text/csv"
    rows = list(csv.reader(io.StringIO(attachment.data.decode("utf-8"))))
    assert rows[0][:4] == ["Nummer", "Aufgabe", "zuständig", "Stand"]
    assert rows[1] == [
        "7",
        'Flyer "A5", drucken',
        "Ben",
        "erledigt",
        "2026-12-01",
        "18:00",
        "jeden Monat am 1.",
        "Anna",
        "",
        "2026-11-20 09:00",
        "2026-11-30 17:30",
    ]
