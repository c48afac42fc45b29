"""Weekly availability as people write it, in their language or in English.

"Mo-Do 18-21", "Sa 10:00-13:00", "weekdays after 17", "Di 18-20, Do 18-20", and absences,
"not 24.12.-6.1.". Weekday names come from Babel for the reader's locale (and English), so
a new catalog language needs no word list here; the few keywords ("after", "not", …) are
translated in the catalogs. Times are wall-clock times in the network's time zone, so
daylight saving never moves them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from babel import Locale

from bot.i18n import N_, word_list
from bot.written import fold

DAY = 24 * 60
MAX_WINDOWS = 50
TIME = r"(\d{1,2})(?:[:.](\d{2}))?\s*(?:uhr|h)?"
DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})|(\d{1,2})\.(\d{1,2})\.?(\d{4}|\d{2})?")

# Translated lists of words, each with its English words always understood too.
# Translators: words people type, lower case; list alternatives and inflected forms with
# commas (the first is the one the bot shows). A phrase of two words is fine ("hafta içi").
AFTER = N_("after, from")
BEFORE = N_("before, until")
TO = N_("to")  # between two times: "18 to 21"
NOT = N_("not")
WEEKDAYS = N_("weekdays")
WEEKEND = N_("weekend")
AND = N_("and")
CLEAR = N_("clear, delete")
OVERVIEW = N_("overview")
# Translators: the ways people shorten weekday names beyond your language's usual ones
# (which the bot knows already), Monday to Sunday, one group each, separated by "|"; the
# ways of writing one day separated by commas (tr "pzt, pts | sl | çrş | prş | …").
WEEKDAY_FORMS = N_("mon | tue, tues | wed | thu, thur, thurs | fri | sat | sun")
ENGLISH = {
    AFTER: ("after", "from"),
    BEFORE: ("before", "until"),
    TO: ("to",),
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
    """The words one reader may use: their language's and English, folded (bot.written)."""

    def __init__(self, locale: Locale, translate: Callable[[str], str]) -> None:
        self._keywords = {
            msgid: {*map(fold, english), *word_list(translate(msgid))}
            for msgid, english in ENGLISH.items()
        }
        self._phrase_length = max(len(w.split()) for ws in self._keywords.values() for w in ws)
        self._days, self._full_names = _day_names(locale)
        for day, group in enumerate((WEEKDAY_FORMS + "|" + translate(WEEKDAY_FORMS)).split("|")):
            for written in word_list(group):
                self._days.setdefault(written.replace(" ", ""), day % 7)

    def means(self, word: str, msgid: str) -> bool:
        return fold(word).strip(".") in self._keywords[msgid]

    def phrase(self, tokens: Sequence[str], msgids: Iterable[str]) -> tuple[str, int] | None:
        """The keyword (one of `msgids`) that the longest run of `tokens` from the start
        spells ("hafta içi"), and how many tokens it takes."""
        for size in range(min(self._phrase_length, len(tokens)), 0, -1):
            spelled = " ".join(tokens[:size]).strip(".")
            for msgid in msgids:
                if spelled in self._keywords[msgid]:
                    return msgid, size
        return None

    def exact_day(self, word: str) -> int | None:
        """The weekday `word` names as it is written, or as an unambiguous start of it."""
        return self._days.get(fold(word).strip("."))

    def day(self, word: str) -> int | None:
        """The weekday `word` names: as Babel writes it or an unambiguous start of it
        ("Mitt"), or inflected: with a suffix (tr "cumaya", "pazartesiye") or a changed
        ending (ru "пятницы", "среду"; uk "пʼятниці")."""
        word = fold(word).strip(".")
        if (day := self._days.get(word)) is not None:
            return day
        suffixed = [name for name in self._full_names if word.startswith(name)]
        if suffixed:
            name = max(suffixed, key=len)
            return self._full_names[name] if len(word) - len(name) <= 4 else None
        stems = {
            day
            for name, day in self._full_names.items()
            if len(word) <= len(name) + 3
            and len(_common_start(word, name)) >= max(3, len(name) - 2)
        }
        return stems.pop() if len(stems) == 1 else None

    def days(self, word: str) -> tuple[int, ...] | None:
        word = fold(word).strip(".")
        if self.means(word, WEEKDAYS):
            return (0, 1, 2, 3, 4)
        if self.means(word, WEEKEND):
            return (5, 6)
        if "-" in word:
            first, _, last = word.partition("-")
            start, end = self.day(first), self.day(last)
            if start is None or end is None:
                return None
            return _day_range(start, end)
        day = self.day(word)
        return None if day is None else (day,)


def _common_start(one: str, other: str) -> str:
    size = 0
    while size < min(len(one), len(other)) and one[size] == other[size]:
        size += 1
    return one[:size]


def _day_range(start: int, end: int) -> tuple[int, ...]:
    return tuple((start + n) % 7 for n in range((end - start) % 7 + 1))


def parse(text: str, words: Words, today: date) -> Statement:
    windows: list[Window] = []
    absences: list[Absence] = []
    for piece in (p.strip() for p in re.split(r"[,;\n،؛]", text)):
        if not piece:
            continue
        folded = fold(piece).split()
        if folded and words.means(folded[0], NOT):
            absences.append(_absence(piece, " ".join(folded[1:]), today))
        elif folded and words.means(folded[-1], NOT):  # "24.12.-6.1. değil"
            absences.append(_absence(piece, " ".join(folded[:-1]), today))
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
    found = re.fullmatch(rf"\s*{TIME}\s*[-–]\s*{TIME}\s*", fold(text))
    if found is None:
        return None
    try:
        start, end = (_minutes(found[i], found[i + 1], text) for i in (1, 3))
    except Unreadable:
        return None
    if across_midnight and start > end:
        return start % DAY, end % DAY
    return (start, end) if start < end else None


_TOKEN = re.compile(r"\d{1,2}(?:[:.]\d{2})?|-|[^\s\d-]+")
_SPANS = (AFTER, BEFORE, TO, AND, WEEKDAYS, WEEKEND)


def _windows(piece: str, words: Words) -> list[Window]:
    """Weekdays and a span of hours, in either order, each written in any of the ways
    people do: "Mo-Do 18-21", "werktags ab 17", "17'den sonra", "دوشنبه تا پنجشنبه ۱۸ تا ۲۱"."""
    text = re.sub(r"\s*[–—]\s*", "-", fold(piece))
    text = re.sub(r"(\d)'[^\W\d]+", r"\1", text)  # tr "17'den": the number, not its case
    text = re.sub(r"(\d)\s*(?:uhr|h)\b", r"\1", text)  # "18 Uhr"
    text = re.sub(r"[/+&]", " ", text)  # "Tue/Thu"
    tokens = _TOKEN.findall(text)
    items: list[tuple[str, Any]] = []  # ("days", (0, 1)), ("time", 1080), (msgid, None), …
    while tokens:
        token = tokens[0]
        if token[0].isdecimal():
            hours, _, minutes = token.replace(".", ":").partition(":")
            items.append(("time", _minutes(hours, minutes or None, piece)))
            del tokens[0]
        elif token == "-":
            items.append((TO, None))
            del tokens[0]
        elif found := words.phrase(tokens, _SPANS):
            msgid, size = found
            if msgid in (WEEKDAYS, WEEKEND):
                items.append(("days", (0, 1, 2, 3, 4) if msgid == WEEKDAYS else (5, 6)))
            elif msgid != AND:
                items.append((msgid, None))
            del tokens[:size]
        elif (day := _joined_day(tokens, words)) is not None:
            items.append(("days", (day,)))  # fa "سه شنبه", typed with a space
            del tokens[:2]
        elif (day := words.day(token)) is not None:
            items.append(("days", (day,)))
            del tokens[0]
        else:
            raise Unreadable(piece)
    days = _named_days(items)
    span = _span([item for item in items if item[0] != "days"])
    if not days or span is None or span[1] <= span[0]:
        raise Unreadable(piece)
    return [Window(day, span[0], span[1]) for day in days]


def _joined_day(tokens: list[str], words: Words) -> int | None:
    """The weekday the first two words spell exactly when written as one, if they do."""
    return words.exact_day(tokens[0] + tokens[1]) if len(tokens) > 1 else None


def _named_days(items: list[tuple[str, Any]]) -> list[int]:
    """The days the items name; two single days with "-", "to" or "until" between them
    are a range ("Mo-Do", "Montag bis Donnerstag")."""
    days: list[int] = []
    index = 0
    while index < len(items):
        kind, value = items[index]
        if kind == "days":
            following = items[index + 1 : index + 3]
            if (
                len(following) == 2
                and following[0][0] in (TO, BEFORE)
                and following[1][0] == "days"
                and len(value) == len(following[1][1]) == 1
            ):
                days += _day_range(value[0], following[1][1][0])
                del items[index + 1 : index + 3]
            else:
                days += value
            items.pop(index)
            if index > 0 and items[index - 1][0] == AFTER:  # "from Monday": no time's "from"
                items.pop(index - 1)
                index -= 1
        else:
            index += 1
    return days


def _span(items: list[tuple[str, Any]]) -> tuple[int, int] | None:
    """The hours the items name: "18-21", "from 18 to 21", "after 17", "17 sonra", "bis 12"."""
    kinds = tuple(kind for kind, _ in items)
    times = [value for kind, value in items if kind == "time"]
    if kinds[-3:] in (("time", TO, "time"), ("time", BEFORE, "time")) and kinds[:-3] in (
        (),
        (AFTER,),
    ):
        return times[0], times[1]
    if kinds in (("time", "time", TO), ("time", "time", BEFORE)):  # tr "18'den 21'e kadar"
        return times[0], times[1]
    if kinds in ((AFTER, "time"), ("time", AFTER), (AFTER, "time", AFTER)):
        return times[0], DAY
    if kinds in ((BEFORE, "time"), ("time", BEFORE), (TO, "time")):
        return 0, times[0]
    return None


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


def _day_names(locale: Locale) -> tuple[dict[str, int], dict[str, int]]:
    """Every way of writing a weekday in `locale` and English, with unambiguous starts of
    the full names ("Di", "Mitt", "Thu"); and the full names alone. All folded."""
    names: dict[str, int] = {}
    full_names: dict[str, int] = {}
    for source in (Locale.parse("en"), locale):  # the reader's language wins a clash
        written = {
            fold(name).strip("."): day
            for context in ("format", "stand-alone")
            for width in ("wide", "abbreviated", "short")
            for day, name in source.days[context][width].items()
            if not any(char.isdecimal() for char in name)  # fa "۲ش": a number to us
        }
        full = {fold(name): day for day, name in source.days["format"]["wide"].items()}
        for name, day in full.items():
            for size in range(2, len(name)):
                owners = {d for n, d in full.items() if n.startswith(name[:size])}
                if owners == {day}:
                    names[name[:size]] = day
        names.update(written)
        full_names.update(full)
    return names, full_names
