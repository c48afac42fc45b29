"""Catalogs are complete and consistent; dates and numbers follow the reader's locale."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot import catalogs
from bot.i18n import Catalogs
from bot.paths import LOCALES_DIR

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(scope="module")
def loaded() -> Catalogs:
    return Catalogs.load(LOCALES_DIR, "de", BERLIN)


def test_every_message_is_translated_in_every_language() -> None:
    assert catalogs.problems() == []


def test_the_check_finds_a_dropped_placeholder_and_a_missing_message(tmp_path: Path) -> None:
    """And names the message and the language of each: also a missing plural form and a
    fuzzy translation."""
    broken = tmp_path / "locales"
    shutil.copytree(LOCALES_DIR, broken)
    po = broken / "de" / "LC_MESSAGES" / "messages.po"
    text = po.read_text(encoding="utf-8")
    text = text.replace(
        'msgstr "Ihre Sprache ist {language}.', 'msgstr "Ihre Sprache ist {sprache}.'
    )
    start = text.index('msgid "Show this list"')
    end = text.index("\n\n", start)
    po.write_text(text[:start] + text[end + 2 :], encoding="utf-8")
    arabic = broken / "ar" / "LC_MESSAGES" / "messages.po"
    text = arabic.read_text(encoding="utf-8")
    start = text.index('msgid "{n} member"')
    arabic.write_text(text[:start] + text[start:].replace('msgstr[5] "{n} عضو"\n', "", 1))
    turkish = broken / "tr" / "LC_MESSAGES" / "messages.po"
    text = turkish.read_text(encoding="utf-8")
    turkish.write_text(
        text.replace('\nmsgid "Show this list"', '\n#, fuzzy\nmsgid "Show this list"')
    )
    found = catalogs.problems(broken)
    assert "de: 'Show this list' is missing" in found
    assert any("Your language is" in p and "['sprache']" in p for p in found)
    assert "ar: '{n} member' is not translated" in found  # its sixth form is missing
    assert "tr: 'Show this list' is marked fuzzy" in found


def test_language_names_and_fallbacks(loaded: Catalogs) -> None:
    assert loaded.languages == ("ar", "de", "de@plain", "en", "fa", "ru", "tr", "uk")
    assert loaded.negotiate([None, "en-US"]) == "en"
    assert loaded.negotiate(["pt_BR"]) == "de"
    assert loaded.translator("de").language_name("en") == "English"
    assert loaded.translator("xx").code == "de"


def test_plural_forms(loaded: Catalogs) -> None:
    de, en = loaded.translator("de"), loaded.translator("en")
    assert de.plural("{n} member", "{n} members", 1) == "1 Mitglied"
    assert de.plural("{n} member", "{n} members", 5) == "5 Mitglieder"
    assert en.plural("{n} chat", "{n} chats", 1) == "1 chat"


def test_dates_in_the_readers_locale_and_the_networks_zone(loaded: Catalogs) -> None:
    winter = datetime(2026, 1, 5, 17, 30, tzinfo=UTC)
    summer = datetime(2026, 7, 6, 16, 30, tzinfo=UTC)
    assert loaded.translator("de").datetime(winter) == "Mo., 5. Jan. 2026, 18:30"
    assert loaded.translator("en").datetime(winter) == "Mon, Jan 5, 2026, 6:30\u202fPM"
    # Both are 18:30 on the wall clock: summer time is applied by the zone, not by hand.
    assert loaded.translator("de").datetime(summer).endswith("18:30")
    assert loaded.translator("de").date(summer) == "06.07.2026"
