"""Weekly availability as people write it, in their language or in English.

"Mo-Do 18-21", "Sa 10:00-13:00", "weekdays after 17", "Di 18-20, Do 18-20", and absences,
"not 24.12.-6.1.". Weekday names come from Babel for the reader's locale (and English), so
a new catalog language needs no word list here; the few keywords ("after", "not", …) are
translated in the catalogs. Times are wall-clock times in the network's time zone, so
daylight saving never moves them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from babel import Locale

from bot.i18n import N_, word_list

DAY = 24 * 60
MAX_WINDOWS = 50
TIME = r"(\d{1,2})(?:[:.](\d{2}))?\s*(?:uhr|h)?"
_RANGE = re.compile(rf"^(?P<days>.*?)\s*{TIME}\s*(?:-|bis|to)\s*{TIME}$")
_OPEN = re.compile(rf"^(?P<days>.*)\s(?P<word>\S+)\s+{TIME}$")  # "weekdays after 17"
DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})|(\d{1,2})\.(\d{1,2})\.?(\d{4}|\d{2})?")

# Translated lists of words, each with its English words always understood too.
AFTER = N_("after, from")
BEFORE = N_("before, until")
NOT = N_("not")
WEEKDAYS = N_("weekdays")
WEEKEND = N_("weekend")
AND = N_("and")
CLEAR = N_("clear, delete")
OVERVIEW = N_("overview")
ENGLISH = {
    AFTER: ("after", "from"),
    BEFORE: ("before", "until"),
    NOT: ("not",),
    WEEKDAYS: ("weekdays",),
    WEEKEND: ("weekend",),
    AND: ("and",),
    CLEAR: ("clear", "delete"),
    OVERVIEW: ("overview",),
}


@dataclass(frozen=True, order=True, slots=True)
class Window:
    weekday: int  # 0 is Monday
    start: int  # minutes after midnight
    end: int  # exclusive; DAY is midnight at the end of the day


@dataclass(frozen=True, order=True, slots=True)
class Absence:
    first: date
    last: date


@dataclass(frozen=True, slots=True)
class Statement:
    """What one /availability message says: windows (replacing the old ones, if any
    are given) and absences (added)."""

    windows: tuple[Window, ...]
    absences: tuple[Absence, ...]


class Unreadable(ValueError):
    """A piece of the text that is neither a window nor an absence."""

    def __init__(self, piece: str) -> None:
        super().__init__(piece)
        self.piece = piece


class Words:
    """The words one reader may use: their language's and English."""

    def __init__(self, locale: Locale, translate: Callable[[str], str]) -> None:
        self._keywords = {
            msgid: {*ENGLISH[msgid], *word_list(translate(msgid))} for msgid in ENGLISH
        }
        self._days = _day_names(locale)

    def means(self, word: str, msgid: str) -> bool:
        return word.casefold().strip(".") in self._keywords[msgid]

    def days(self, word: str) -> tuple[int, ...] | None:
        word = word.casefold().strip(".")
        if self.means(word, WEEKDAYS):
            return (0, 1, 2, 3, 4)
        if self.means(word, WEEKEND):
            return (5, 6)
        if "-" in word:
            first, _, last = word.partition("-")
            start, end = self._days.get(first), self._days.get(last)
            if start is None or end is None:
                return None
            return tuple((start + n) % 7 for n in range((end - start) % 7 + 1))
        day = self._days.get(word)
        return None if day is None else (day,)


def parse(text: str, words: Words, today: date) -> Statement:
    windows: list[Window] = []
    absences: list[Absence] = []
    for piece in (p.strip() for p in re.split(r"[,;\n]", text)):
        if not piece:
            continue
        first, _, rest = piece.partition(" ")
        if words.means(first, NOT):
            absences.append(_absence(piece, rest, today))
        else:
            windows += _windows(piece, words)
    if not windows and not absences:
        raise Unreadable(text.strip())
    if len(windows) > MAX_WINDOWS:
        raise Unreadable(text.strip()[:40] + "…")
    return Statement(tuple(merged(windows)), tuple(absences))


def english_windows(text: str) -> list[Window]:
    """Windows written in English, as in the configuration ("Mon-Fri 16-21")."""
    statement = parse(text, Words(Locale.parse("en"), lambda msgid: ""), date.min)
    if statement.absences:
        raise Unreadable(text)
    return list(statement.windows)


def hours(text: str, across_midnight: bool = False) -> tuple[int, int] | None:
    """A daily span of hours such as "17-20" or "17:30-20:00", in minutes; None if unread.
    With `across_midnight`, "21-8" is read too (the start after the end)."""
    found = re.fullmatch(rf"\s*{TIME}\s*[-–]\s*{TIME}\s*", text.casefold())
    if found is None:
        return None
    try:
        start, end = (_minutes(found[i], found[i + 1], text) for i in (1, 3))
    except Unreadable:
        return None
    if across_midnight and start > end:
        return start % DAY, end % DAY
    return (start, end) if start < end else None


def _windows(piece: str, words: Words) -> list[Window]:
    text = re.sub(r"\s*[–—-]\s*", "-", piece.casefold())
    text = re.sub(r"\s+(?:uhr|h)\b", "", text)  # "18 Uhr"
    if found := _RANGE.match(text):
        days_text = found["days"]
        start = _minutes(found[2], found[3], piece)
        end = _minutes(found[4], found[5], piece)
    else:
        found = _OPEN.match(text)
        if found is None:
            raise Unreadable(piece)
        days_text = found["days"]
        minutes = _minutes(found[3], found[4], piece)
        if words.means(found["word"], AFTER):
            start, end = minutes, DAY
        elif words.means(found["word"], BEFORE):
            start, end = 0, minutes
        else:
            raise Unreadable(piece)
    if end <= start:
        raise Unreadable(piece)
    days: list[int] = []
    for word in re.split(r"[\s/+&]+", days_text.strip()):
        if not word or words.means(word, AND):
            continue
        named = words.days(word)
        if named is None:
            raise Unreadable(piece)
        days += named
    if not days:
        raise Unreadable(piece)
    return [Window(day, start, end) for day in days]


def _minutes(hours: str, minutes: str | None, piece: str) -> int:
    value = int(hours) * 60 + int(minutes or 0)
    if int(hours) > 24 or int(minutes or 0) > 59 or value > DAY:
        raise Unreadable(piece)
    return value


def _absence(piece: str, rest: str, today: date) -> Absence:
    dates = list(DATE.finditer(rest))
    leftover = DATE.sub("", rest).replace("-", "").replace("–", "").strip()
    if not 1 <= len(dates) <= 2 or leftover:
        raise Unreadable(piece)
    try:
        first = written_date(dates[0], today)
        last = written_date(dates[-1], first)
    except ValueError:  # 30.2., say
        raise Unreadable(piece) from None
    if last < first:
        raise Unreadable(piece)
    return Absence(first, last)


def written_date(found: re.Match[str], not_before: date) -> date:
    """A written date; without a year, the first such day from `not_before` on."""
    if found[1]:
        return date(int(found[1]), int(found[2]), int(found[3]))
    day, month, year = int(found[4]), int(found[5]), found[6]
    if year:
        return date(int(year) + (2000 if len(year) == 2 else 0), month, day)
    candidate = date(not_before.year, month, day)
    return candidate if candidate >= not_before else date(not_before.year + 1, month, day)


def merged(windows: Iterable[Window]) -> list[Window]:
    """Sorted, with overlapping or touching windows of one day joined."""
    result: list[Window] = []
    for window in sorted(set(windows)):
        last = result[-1] if result else None
        if last and last.weekday == window.weekday and window.start <= last.end:
            result[-1] = Window(last.weekday, last.start, max(last.end, window.end))
        else:
            result.append(window)
    return result


def _day_names(locale: Locale) -> dict[str, int]:
    """Every way of writing a weekday in `locale` and English, and unambiguous prefixes of
    the full names ("Di", "Mitt", "Thu")."""
    names: dict[str, int] = {}
    for source in (Locale.parse("en"), locale):  # the reader's language wins a clash
        written = {
            name.casefold().strip("."): day
            for context in ("format", "stand-alone")
            for width in ("wide", "abbreviated", "short")
            for day, name in source.days[context][width].items()
        }
        full = {name.casefold(): day for day, name in source.days["format"]["wide"].items()}
        for name, day in full.items():
            for size in range(2, len(name)):
                owners = {d for n, d in full.items() if n.startswith(name[:size])}
                if owners == {day}:
                    names[name[:size]] = day
        names.update(written)
    return names
