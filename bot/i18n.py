"""Translations and locale-aware formatting, one Translator per (language, time zone).

Catalogs are compiled from the .po files in memory when the bot starts, so no
compiled .mo file is ever kept in git or goes stale.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from bot.written import fold

DOMAIN = "messages"


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated later, for its reader."""
    return message


# Translators: what the plain-language catalog (de@plain) calls itself, after the language's
# name: "Deutsch (Leichte Sprache)". Only that catalog's translation is shown.
PLAIN_LANGUAGE = N_("Plain language")


def NP_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a counted message's two forms for extraction (a UserError's, say)."""
    return singular, plural


def word_list(translated: str) -> set[str]:
    """The words of a translation that lists several ("Treffen, Sitzung"), folded."""
    return {fold(w).strip() for w in translated.split(",") if w.strip()}


class Translator:
    """Everything one reader needs: their language and the network's time zone."""

    def __init__(
        self, code: str, translations: Translations, tz: ZoneInfo, names: Mapping[str, str]
    ) -> None:
        self.code = code
        self.locale = Locale.parse(code)
        self.language = self.locale.language  # "de" for de@plain too
        self.plain_language = self.locale.modifier == "plain"
        self.right_to_left = self.locale.character_order == "right-to-left"
        self.tz = tz
        self._translations = translations
        self._names = names

    def __call__(self, message: str, **params: Any) -> str:
        text = self._translations.gettext(message)
        return text.format(**params) if params else text

    def plural(self, singular: str, plural: str, n: int, **params: Any) -> str:
        return self._translations.ngettext(singular, plural, n).format(n=n, **params)

    def datetime(self, when: dt.datetime) -> str:
        """A weekday, date and time in the reader's way of writing them."""
        local = when.astimezone(self.tz)
        day = self.day(local.date())
        time = format_time(local, format="short", locale=self.locale)
        return str(self.locale.datetime_formats["medium"]).format(time, day)

    def day(self, when: dt.date) -> str:
        """A weekday and a date, so that a misread date shows at once: "Fr., 27. Nov. 2026"."""
        if self.plain_language:  # which has no abbreviations: "Freitag, 27. November 2026"
            return format_date(when, format="full", locale=self.locale)
        return str(format_skeleton("yMMMEd", when, locale=self.locale))

    def weekday(self, number: int) -> str:
        """The name of weekday `number` (0 is Monday): "Freitag"."""
        return str(self.locale.days["format"]["wide"][number])

    def short_weekday(self, number: int) -> str:
        """ "Fr.", or "Freitag" in plain language, which has no abbreviations."""
        width = "wide" if self.plain_language else "abbreviated"
        return str(self.locale.days["format"][width][number])

    def date(self, when: dt.date | dt.datetime) -> str:
        if isinstance(when, dt.datetime):
            when = when.astimezone(self.tz).date()
        return format_date(
            when, format="long" if self.plain_language else "medium", locale=self.locale
        )

    def clock(self, minutes: int) -> str:
        """A wall-clock time of day, given in minutes after midnight."""
        return format_time(dt.time(minutes // 60, minutes % 60), format="short", locale=self.locale)

    def means(self, word: str, msgid: str) -> bool:
        """`word` is the English `msgid`, or its translation (which may list several)."""
        return fold(word) in {msgid, *word_list(self(msgid))}

    def word(self, msgid: str) -> str:
        """The first word a translation lists: what the help shows."""
        return self(msgid).split(",")[0].strip()

    def listing(self, items: Iterable[str]) -> str:
        """Items joined the reader's way: "A, B und C"."""
        return format_list(list(items), locale=self.locale)

    def language_name(self, code: str) -> str:
        """The name of language `code` written in that language, e.g. Deutsch."""
        return self._names.get(code) or endonym(code, None)


class Catalogs:
    def __init__(self, translations: dict[str, Translations], default: str, tz: ZoneInfo) -> None:
        if default not in translations:
            raise ValueError(f"no catalog for the default language {default!r}")
        self._translations = translations
        self.default = default
        self.tz = tz
        self._translators: dict[str, Translator] = {}
        self._names = {code: endonym(code, found) for code, found in translations.items()}

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
            translator = Translator(code, self._translations[code], self.tz, self._names)
            self._translators[code] = translator
        return translator

    def resolve(self, wanted: str) -> str | None:
        """The catalog for a language code as people write it (en, EN, en-US, en_GB,
        de-plain for de@plain)."""
        normalised = re.sub(r"[-_@]", "_", wanted.strip().lower())
        by_lower = {code.lower().replace("@", "_"): code for code in self._translations}
        for code in (normalised, normalised.split("_")[0]):
            if code in by_lower:
                return by_lower[code]
        return None

    def negotiate(self, candidates: Iterable[str | None]) -> str:
        """The first candidate we have a catalog for, else the default."""
        for candidate in candidates:
            if candidate and (code := self.resolve(candidate)):
                return code
        return self.default


def endonym(code: str, translations: Translations | None) -> str:
    """What language `code` calls itself: "Deutsch", "Deutsch (Leichte Sprache)"."""
    locale = Locale.parse(code)
    name = Locale(locale.language, locale.territory).get_display_name(locale) or code
    name = name[:1].upper() + name[1:]
    if locale.modifier == "plain" and translations is not None:
        name = f"{name} ({translations.gettext(PLAIN_LANGUAGE)})"
    return name


# Unicode's bidi isolates: first strong, left to right, and their end.
FSI, LRI, PDI = "\u2068", "\u2066", "\u2069"
_PLACEHOLDER = r"\{\w*\}"
_LATIN_WORD = r"[/@#]?[A-Za-z0-9](?:[A-Za-z0-9_./:@#+'-]*[A-Za-z0-9])?"
_RUN = re.compile(rf"(?:{_PLACEHOLDER}|{_LATIN_WORD})(?: (?:{_PLACEHOLDER}|{_LATIN_WORD}))*")


def isolated(template: str) -> str:
    """A right-to-left template with every placeholder and every run of Latin words and
    digits ("/meeting add", "SHA-256") in an isolate, so that inserted names, dates and
    numbers neither jump to the other end of the line nor turn it around."""

    def wrap(found: re.Match[str]) -> str:
        run = found.group()
        if re.fullmatch(_PLACEHOLDER, run):
            return FSI + run + PDI  # a name may be in either script: its first letter decides
        return LRI + re.sub(_PLACEHOLDER, lambda p: FSI + p.group() + PDI, run) + PDI

    return _RUN.sub(wrap, template)


def compile_po(path: Path, code: str) -> Translations:
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=code, domain=DOMAIN)
    if Locale.parse(code).character_order == "right-to-left":
        for message in catalog:
            if message.id and message.string:
                message.string = (
                    isolated(message.string)
                    if isinstance(message.string, str)
                    else tuple(isolated(form) for form in message.string)
                )
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)
