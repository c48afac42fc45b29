"""Every person in their language: every message in every catalog, plain German, right to
left, input in each language, command names, and chats with a language of their own."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from babel.messages.catalog import Catalog

from bot import catalogs
from bot.availability import Window, Words, parse
from bot.catalogs import placeholders
from bot.due_dates import AtNextMeeting, Due, Reader
from bot.i18n import FSI, LRI, PDI, Catalogs, Translator
from bot.paths import LOCALES_DIR
from bot.written import fold, without_direction_marks
from tests.helpers import Chat

BERLIN = ZoneInfo("Europe/Berlin")
SATURDAY = datetime(2026, 11, 21, 12, 0, tzinfo=BERLIN)
LANGUAGES = ("ar", "de", "de@plain", "en", "fa", "ru", "tr", "uk")
COUNTS = (0, 1, 2, 3, 5, 11, 21, 100, 101)


@pytest.fixture(scope="module")
def loaded() -> Catalogs:
    return Catalogs.load(LOCALES_DIR, "de", BERLIN)


@pytest.fixture(scope="module")
def template() -> Catalog:
    return catalogs.extract()


def test_the_catalogs_are_the_eight_languages(loaded: Catalogs) -> None:
    assert loaded.languages == LANGUAGES


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_message_renders_translated(loaded: Catalogs, template: Catalog, code: str) -> None:
    """Each message with sample values, each plural form: translated, and every value
    in the text (in an isolate, right to left)."""
    t = loaded.translator(code)
    compiled = t._translations._catalog  # what gettext will find
    for message in template:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            singular, plural = message.id
            names = placeholders(singular) | placeholders(plural)
            assert (singular, 0) in compiled, f"{code}: {singular!r} is not translated"
            for n in COUNTS:
                values = {name: f"<{name}>" for name in names - {"n"}}
                text = t.plural(singular, plural, n, **values)
                _assert_shows(t, text, values)
        else:
            assert message.id in compiled, f"{code}: {message.id!r} is not translated"
            values = {name: f"<{name}>" for name in placeholders(message.id)}
            _assert_shows(t, t(message.id, **values), values)


def _assert_shows(t: Translator, text: str, values: dict[str, str]) -> None:
    for value in values.values():
        if t.right_to_left:
            assert FSI + value + PDI in text, (t.code, text)
        else:
            assert value in text, (t.code, text)


def test_right_to_left_messages_isolate_names_dates_numbers_and_latin_words(
    loaded: Catalogs,
) -> None:
    for code in ("ar", "fa"):
        t = loaded.translator(code)
        due = t.datetime(datetime(2026, 12, 4, 17, 0, tzinfo=UTC))
        text = t(
            "Task {number} for {person}: {task}, due {due}.",
            number=7,
            person="Anna",
            task="Flyer",
            due=due,
        )
        for value in ("7", "Anna", "Flyer", due):
            assert f"\u2068{value}\u2069" in text, (code, text)
        # A command written in the text runs left to right as a whole.
        hint = t("How much later? For example: /snooze {number} 3d or 1w", number=7)
        assert LRI + "/snooze" in hint, (code, hint)
        # Words people type are found however the bot showed them.
        assert t.means(fold(t.word("on")), "on")
    plain = loaded.translator("de")("Task {number} for {person}: {task}, due {due}.")
    assert not set(plain) & {FSI, LRI, PDI}


def test_plain_german_writes_dates_out_and_names_itself(loaded: Catalogs) -> None:
    t = loaded.translator("de@plain")
    assert t.datetime(datetime(2026, 11, 26, 16, 0, tzinfo=UTC)).startswith(
        "Donnerstag, 26. November 2026"
    )
    assert t.short_weekday(3) == "Donnerstag"
    assert t.language_name("de@plain") == "Deutsch (Leichte Sprache)"
    assert loaded.translator("tr").language_name("de@plain") == "Deutsch (Leichte Sprache)"
    assert loaded.resolve("de-plain") == loaded.resolve("DE_plain") == "de@plain"
    assert loaded.negotiate(["de-AT"]) == "de"  # a platform's guess is never the variant


def test_arabic_has_six_plural_forms(loaded: Catalogs) -> None:
    t = loaded.translator("ar")
    forms = {t.plural("{n} member", "{n} members", n) for n in (0, 1, 2, 3, 11, 100)}
    assert len(forms) == 6


@pytest.mark.parametrize(
    ("code", "text", "days", "start", "end"),
    [
        ("tr", "Pzt-Prş 18-21", range(4), 18, 21),
        ("tr", "cumartesi 10:00-13:00", (5,), 10, 13),
        ("tr", "Çarşamba 17'den sonra", (2,), 17, 24),
        ("tr", "carsamba 18-20", (2,), 18, 20),
        ("ar", "الاثنين 18-21", (0,), 18, 21),
        ("ar", "الإثنين-الخميس ١٨-٢١", range(4), 18, 21),
        ("ru", "пн-чт 18-21", range(4), 18, 21),
        ("ru", "Пятница 17:30-20:00", (4,), 17.5, 20),
        ("uk", "пн-чт 18-21", range(4), 18, 21),
        ("uk", "п'ятниця 18-20", (4,), 18, 20),
        ("fa", "دوشنبه تا پنجشنبه ۱۸ تا ۲۱", range(4), 18, 21),
        ("fa", "سه شنبه ۱۸-۲۰", (1,), 18, 20),
        ("de", "Montag bis Donnerstag 18 bis 21", range(4), 18, 21),
        ("de@plain", "Montag bis Donnerstag 18 bis 21", range(4), 18, 21),
    ],
)
def test_availability_in_every_language(
    loaded: Catalogs, code: str, text: str, days: range | tuple[int, ...], start: float, end: int
) -> None:
    t = loaded.translator(code)
    statement = parse(text, Words(t.locale, t), SATURDAY.date())
    minutes = (int(start * 60), end * 60 if end < 24 else 24 * 60)
    assert statement.windows == tuple(Window(day, *minutes) for day in days)


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_availability_example_reads_in_every_language(loaded: Catalogs, code: str) -> None:
    t = loaded.translator(code)
    example = t("Mon-Thu 18-21; Sat 10:00-13:00; weekdays after 17; not 24.12.-6.1.")
    statement = parse(example, Words(t.locale, t), SATURDAY.date())
    assert Window(5, 10 * 60, 13 * 60) in statement.windows
    assert Window(4, 17 * 60, 24 * 60) in statement.windows  # the weekdays after 17
    assert statement.absences[0].first == date(2026, 12, 24)


@pytest.mark.parametrize(
    ("code", "text", "expected"),
    [
        ("ru", "пятницы", date(2026, 11, 27)),
        ("ru", "пятницу", date(2026, 11, 27)),
        ("uk", "пʼятниці", date(2026, 11, 27)),
        ("tr", "cumaya", date(2026, 11, 27)),
        ("tr", "pazartesiye", date(2026, 11, 23)),
        ("ar", "الجمعة", date(2026, 11, 27)),
        ("fa", "جمعه", date(2026, 11, 27)),
        ("fa", "سه شنبه", date(2026, 11, 24)),
        ("ar", "٤.١٢.", date(2026, 12, 4)),
    ],
)
def test_due_dates_in_every_language(
    loaded: Catalogs, code: str, text: str, expected: date
) -> None:
    t = loaded.translator(code)
    due = Reader(t.locale, t).read(text, SATURDAY, BERLIN)
    assert isinstance(due, Due) and due.day == expected


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_next_meeting_either_way_round(loaded: Catalogs, code: str) -> None:
    t = loaded.translator(code)
    reader = Reader(t.locale, t)
    nxt, meeting = t.word("next, coming"), t.word("meeting")
    assert reader.read(f"{nxt} {meeting}", SATURDAY, BERLIN) == AtNextMeeting()
    assert reader.read(f"{meeting} {nxt}", SATURDAY, BERLIN) == AtNextMeeting()


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_task_example_reads_in_every_language(loaded: Catalogs, code: str) -> None:
    from bot.task_input import read

    t = loaded.translator(code)
    request = read(without_direction_marks(t("@ben Print the flyers by Friday")), t)  # as typed
    assert request is not None and request.owners == ("@ben",) and request.what
    assert request.when is not None
    due = Reader(t.locale, t).read(request.when, SATURDAY, BERLIN)
    assert isinstance(due, Due) and due.day == date(2026, 11, 27)


async def test_sub_commands_in_the_readers_words(chat: Chat) -> None:
    await chat.ask("anna", "plenum", "/setup Plenum")
    assert "Punkt 1" in await chat.ask("anna", "plenum", "/agenda hinzufügen Haushalt")
    assert "Punkt 2" in await chat.ask("anna", "plenum", "/tagesordnung add Sommerfest")
    assert "genommen: Haushalt" in await chat.ask("anna", "plenum", "/agenda entfernen 1")
    assert "Sommerfest" in await chat.ask("anna", "plenum", "/agenda")


async def test_a_bilingual_chat_gets_its_posts_in_both_and_people_their_own(
    chat: Chat,
) -> None:
    await chat.ask("anna", "plenum", "/setup Plenum")
    await chat.ask("ben", "plenum", "/language en")
    assert "nur die Koordination" in await chat.ask("cem", "plenum", "/chatlanguage de en")
    said = await chat.ask("anna", "plenum", "/chatlanguage de en")
    assert "Deutsch und English" in said and "German and English" not in said
    assert "Deutsch and English" in said  # each half names them as its reader would
    await chat.ask("anna", "plenum", "/availability Mo-Fr 17-21")
    await chat.ask("anna", "plenum", "/meeting new Plenum 2h innerhalb 3 Wochen")
    poll = await chat.tap_and_read("anna", "plenum", "Umfrage veröffentlichen")
    assert "Wann können Sie zu Plenum kommen?" in poll and "When can you come to Plenum?" in poll
    assert "[1: ja / 1: yes]" in poll
    # What is said to one person is in that person's language only.
    answer = await chat.tap_and_read("ben", "plenum", "1: ja / 1: yes")
    assert "Wann" not in answer
    assert "nur die Koordination" in await chat.ask("cem", "plenum", "/chatlanguage")
    assert "Meine Beiträge in diesem Chat sind auf Deutsch und English" in await chat.ask(
        "anna", "plenum", "/chatlanguage"
    )
    assert "Die Sprache xx spreche ich nicht" in await chat.ask(
        "anna", "plenum", "/chatlanguage xx"
    )


async def test_an_example_copied_from_a_right_to_left_message_works(chat: Chat) -> None:
    """The isolates the bot puts around "/snooze 1 3d" come back when someone copies it."""
    await chat.ask("omar", None, "/language ar")
    said = await chat.ask("omar", None, f"{LRI}/availability{PDI} {FSI}الاثنين 18-21{PDI}")
    assert "الاثنين" in said and "18:00" not in said  # read: Arabic writes 6:00 م
    assert "6:00" in said
