"""Translations and locale-aware formatting, one Translator per (language, time zone).

Catalogs are compiled from the .po files in memory when the bot starts, so no
compiled .mo file is ever kept in git or goes stale.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

DOMAIN = "messages"


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated later, for its reader."""
    return message


def word_list(translated: str) -> set[str]:
    """The words of a translation that lists several ("Treffen, Sitzung"), case-folded."""
    return {w.strip().casefold() for w in translated.split(",") if w.strip()}


class Translator:
    """Everything one reader needs: their language and the network's time zone."""

    def __init__(self, code: str, translations: Translations, tz: ZoneInfo) -> None:
        self.code = code
        self.locale = Locale.parse(code)
        self.tz = tz
        self._translations = translations

    def __call__(self, message: str, **params: Any) -> str:
        text = self._translations.gettext(message)
        return text.format(**params) if params else text

    def plural(self, singular: str, plural: str, n: int, **params: Any) -> str:
        return self._translations.ngettext(singular, plural, n).format(n=n, **params)

    def datetime(self, when: dt.datetime) -> str:
        """A weekday, date and time in the reader's way of writing them."""
        local = when.astimezone(self.tz)
        day = format_skeleton("yMMMEd", local, locale=self.locale)
        time = format_time(local, format="short", locale=self.locale)
        return str(self.locale.datetime_formats["medium"]).format(time, day)

    def day(self, when: dt.date) -> str:
        """A weekday and a date, so that a misread date shows at once: "Fr., 27. Nov. 2026"."""
        return str(format_skeleton("yMMMEd", when, locale=self.locale))

    def weekday(self, number: int) -> str:
        """The name of weekday `number` (0 is Monday): "Freitag"."""
        return str(self.locale.days["format"]["wide"][number])

    def date(self, when: dt.date | dt.datetime) -> str:
        if isinstance(when, dt.datetime):
            when = when.astimezone(self.tz).date()
        return format_date(when, format="medium", locale=self.locale)

    def clock(self, minutes: int) -> str:
        """A wall-clock time of day, given in minutes after midnight."""
        return format_time(dt.time(minutes // 60, minutes % 60), format="short", locale=self.locale)

    def means(self, word: str, msgid: str) -> bool:
        """`word` is the English `msgid`, or its translation (which may list several)."""
        return word.casefold() in {msgid, *word_list(self(msgid))}

    def word(self, msgid: str) -> str:
        """The first word a translation lists: what the help shows."""
        return self(msgid).split(",")[0].strip()

    def listing(self, items: Iterable[str]) -> str:
        """Items joined the reader's way: "A, B und C"."""
        return format_list(list(items), locale=self.locale)

    def language_name(self, code: str) -> str:
        """The name of language `code` written in that language, e.g. Deutsch."""
        name = Locale.parse(code).get_display_name(code) or code
        return name[:1].upper() + name[1:]


class Catalogs:
    def __init__(self, translations: dict[str, Translations], default: str, tz: ZoneInfo) -> None:
        if default not in translations:
            raise ValueError(f"no catalog for the default language {default!r}")
        self._translations = translations
        self.default = default
        self.tz = tz
        self._translators: dict[str, Translator] = {}

    @classmethod
    def load(cls, directory: Path, default: str, tz: ZoneInfo) -> Catalogs:
        translations = {}
        for po_path in sorted(directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
            code = po_path.parent.parent.name
            translations[code] = compile_po(po_path, code)
        return cls(translations, default, tz)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(sorted(self._translations))

    def translator(self, code: str | None) -> Translator:
        code = code if code in self._translations else self.default
        assert code is not None
        translator = self._translators.get(code)
        if translator is None:
            translator = Translator(code, self._translations[code], self.tz)
            self._translators[code] = translator
        return translator

    def resolve(self, wanted: str) -> str | None:
        """The catalog for a language code as people write it (en, EN, en-US, en_GB)."""
        normalised = wanted.strip().replace("-", "_")
        by_lower = {code.lower(): code for code in self._translations}
        for code in (normalised.lower(), normalised.split("_")[0].lower()):
            if code in by_lower:
                return by_lower[code]
        return None

    def negotiate(self, candidates: Iterable[str | None]) -> str:
        """The first candidate we have a catalog for, else the default."""
        for candidate in candidates:
            if candidate and (code := self.resolve(candidate)):
                return code
        return self.default


def compile_po(path: Path, code: str) -> Translations:
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=code, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)
