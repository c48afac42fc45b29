"""Weekly windows and absences as people write them (bot/availability.py)."""

from __future__ import annotations

import io
from datetime import date

import pytest
from babel import Locale
from PIL import Image

from bot.availability import DAY, Absence, Unreadable, Window, Words, parse
from bot.heatmap import heat_map_png
from bot.i18n import Catalogs
from bot.paths import LOCALES_DIR
from tests.helpers import Chat

TODAY = date(2026, 11, 21)


def words(code: str) -> Words:
    catalogs = Catalogs.load(LOCALES_DIR, "de", "Europe/Berlin")
    return Words(Locale.parse(code), catalogs.translator(code))


def windows(days: range | tuple[int, ...], start: int, end: int) -> tuple[Window, ...]:
    return tuple(Window(day, start * 60, end * 60 if end < 24 else DAY) for day in days)


@pytest.mark.parametrize(
    ("code", "text", "expected"),
    [
        ("de", "Mo-Do 18-21", windows(range(4), 18, 21)),
        ("de", "Sa 10:00-13:00", windows((5,), 10, 13)),
        ("de", "werktags ab 17 Uhr", windows(range(5), 17, 24)),
        ("de", "Di 18-20, Do 18-20", windows((1, 3), 18, 20)),
        ("de", "Mittwoch 18 bis 20; Di und Do 18–20", windows((1, 2, 3), 18, 20)),
        ("de", "Sonntag-Dienstag 9-12", windows((0, 1, 6), 9, 12)),  # over the week's end
        ("de", "Fr bis 12", windows((4,), 0, 12)),
        ("en", "weekdays after 17", windows(range(5), 17, 24)),
        ("en", "Tue/Thu 18-20", windows((1, 3), 18, 20)),
        ("en", "Saturday 10-12, Sat 11-14", windows((5,), 10, 14)),  # joined
        ("de", "weekdays after 17", windows(range(5), 17, 24)),  # English works for all
    ],
)
def test_windows_in_plain_forms(code: str, text: str, expected: tuple[Window, ...]) -> None:
    statement = parse(text, words(code), TODAY)
    assert statement.windows == expected and statement.absences == ()


def test_absences_take_the_next_such_days_without_a_year() -> None:
    (absence,) = parse("nicht 24.12.-6.1.", words("de"), TODAY).absences
    assert absence == Absence(date(2026, 12, 24), date(2027, 1, 6))
    (absence,) = parse("not 3.2.", words("en"), TODAY).absences  # already past this year
    assert absence == Absence(date(2027, 2, 3), date(2027, 2, 3))
    (absence,) = parse("not 2026-12-24 - 2027-01-06", words("en"), TODAY).absences
    assert absence == Absence(date(2026, 12, 24), date(2027, 1, 6))


@pytest.mark.parametrize(
    "text",
    [
        "Mo 21-18",  # ends before it starts
        "Mo 18-25",
        "Xy 18-20",
        "18-20",  # no day
        "Montag bis Freitag",  # no time
        "nicht 30.2.",
        "nicht 6.1.2027-24.12.2026",
        "nicht morgen",
        "",
    ],
)
def test_what_cannot_be_read_names_the_piece(text: str) -> None:
    with pytest.raises(Unreadable):
        parse(text, words("de"), TODAY)


def test_an_english_reader_has_english_days_only() -> None:
    with pytest.raises(Unreadable) as raised:
        parse("Mo-Do 18-21, Sa 10-12", words("en"), TODAY)
    assert raised.value.piece == "Mo-Do 18-21"  # "Do" is no English day


async def test_the_overview_counts_who_can_come_each_hour(chat: Chat) -> None:
    await chat.ask("anna", "plenum", "/setup Plenum")
    await chat.ask("ben", "plenum", "/availability Mo-Do 18-21")
    assert "[ehrenamtlich]" in await chat.ask("ben", "plenum", "/participation")
    assert "ben arbeitet ehrenamtlich mit" in await chat.tap_and_read(
        "ben", "plenum", "ehrenamtlich"
    )
    await chat.ask("cem", "plenum", "/availability Di 17:30-20, Sa 10-12")
    await chat.ask("dana", "plenum", "Hallo")  # a member who said nothing
    assert "nur eine Koordinatorin" in await chat.ask("ben", "plenum", "/availability übersicht")
    before = (await chat.rows())["availability_windows"]
    said = await chat.ask("anna", "plenum", "/availability overview")
    assert said.splitlines()[1:] == [
        "  Mo. 18:00–21:00: 1 (1)",  # one person, a volunteer
        "  Di. 18:00–20:00: 2 (1), 20:00–21:00: 1 (1)",  # 17:30 is not the whole hour from 17
        "  Mi. 18:00–21:00: 1 (1)",
        "  Do. 18:00–21:00: 1 (1)",
        "  Fr. keine",
        "  Sa. 10:00–12:00: 1 (0)",
        "  So. keine",
        said.splitlines()[-1],
    ]
    assert "(2 von 4 haben es gesagt)" in said
    assert said.splitlines()[-1].startswith("  <file: availability.png")
    assert (await chat.rows())["availability_windows"] == before  # only read
    assert "Chat eines Gremiums" in await chat.ask("anna", None, "/availability overview")
    assert "in keinem Gremium" in await chat.ask("erik", None, "/participation")


def test_the_heat_map_is_a_picture_of_the_counts() -> None:
    png = heat_map_png(["Mo.", "Di.", "سه‌شنبه"], [17, 18], {(0, 18): 3, (2, 17): 1})
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG" and image.size == (56 + 2 * 30, 20 + 3 * 24)
        darkest = image.getpixel((56 + 30 + 5, 20 + 5))  # Monday, 18:00: the most people
        empty = image.getpixel((56 + 5, 20 + 5))  # Monday, 17:00: nobody
    assert sum(darkest) < sum(empty)
