"""When a commitment is due, as people write it after "by": "Freitag", "12.12.", "in zwei
Wochen", "next meeting", "Friday 18:00", "2026-12-12", "um 9 Uhr".

Read by hand with a few anchored patterns over a short text, so reading never blocks the
bot (a general date library took over a second on one German phrase). Dates with dots
are day-first everywhere; dates with slashes follow the writer's locale (3/4 is the 4th of
March in English, the 3rd of April in German). Weekday and month names come from Babel
for the writer's language and English; the few other words are translated in the
catalogs. What cannot be read is refused, never guessed.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from babel import Locale

from bot.availability import Words
from bot.i18n import N_, word_list
from bot.written import fold

MAX_LENGTH = 80  # longer than any date; what is longer is not one
_ANY_ZONE = ZoneInfo("UTC")

TODAY = N_("today")
TOMORROW = N_("tomorrow")
DAY_AFTER_TOMORROW = N_("day after tomorrow")
IN = N_("in")
DAYS = N_("days, day")
WEEKS = N_("weeks, week")
MONTHS = N_("months, month")
NEXT = N_("next, coming")
AT = N_("at")
FILLER = N_("the, on")
MEETING = N_("meeting")
EVERY = N_("every")
# Number words, one group per number from 1 to 12, the ways of writing one number joined
# with commas: "one, a, an | two | three | …".
NUMBERS = N_(
    "one, a, an | two | three | four | five | six | seven | eight | nine | ten | eleven | twelve"
)
ENGLISH = {
    TODAY: ("today",),
    TOMORROW: ("tomorrow",),
    DAY_AFTER_TOMORROW: ("day after tomorrow",),
    IN: ("in",),
    DAYS: ("days", "day"),
    WEEKS: ("weeks", "week"),
    MONTHS: ("months", "month"),
    NEXT: ("next", "coming"),
    AT: ("at",),
    FILLER: ("the", "on"),
    MEETING: ("meeting",),
    EVERY: ("every",),
}

_CLOCK = re.compile(
    r"(?:^|\s)(?P<at>\S+\s+)?(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?\s*(?P<unit>uhr|h|am|pm)?$"
)
_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})?$")
_SLASHED = re.compile(r"^(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_ORDINAL = re.compile(r"^(\d{1,2})(?:\.|st|nd|rd|th)?$")


class Unreadable(ValueError):
    pass


class Clash(StrEnum):
    """A wall-clock time that a daylight-saving change skips or repeats on that day."""

    SKIPPED = "skipped"  # spring: the clocks jump over it
    TWICE = "twice"  # autumn: it comes round again an hour later


@dataclass(frozen=True, slots=True)
class Due:
    day: date
    at: time | None  # wall-clock time in the network's zone; None: some time that day
    clash: Clash | None = None

    def instant(self, tz: ZoneInfo) -> datetime:
        """When it is due: the time given (the first, if it comes twice), else the day's end."""
        if self.at is None:
            return datetime.combine(self.day + timedelta(days=1), time(), tz)
        return datetime.combine(self.day, self.at, tz)


@dataclass(frozen=True, slots=True)
class AtNextMeeting:
    """ "by the next meeting": whenever the circle meets next."""


class Reader:
    """The date words of one writer: their language's and English."""

    def __init__(self, locale: Locale, translate: Callable[[str], str]) -> None:
        self.locale = locale
        self._words = Words(locale, translate)
        self._keywords = {
            msgid: {*english, *word_list(translate(msgid))} for msgid, english in ENGLISH.items()
        }
        numbers = translate(NUMBERS)
        self._numbers = _numbers(numbers)
        # A number word of the reader's is no filler, whatever English says (tr "on": ten).
        self._fillers = self._keywords[FILLER] - set(_numbers(numbers, english=False))
        self._months = _month_names(locale)
        self._month_first = str(locale.date_formats["short"].pattern).lstrip("'").startswith("M")

    def means(self, words: str, msgid: str) -> bool:
        return words in self._keywords[msgid]

    def read(self, text: str, now: datetime, tz: ZoneInfo) -> Due | AtNextMeeting:
        """The due date in `text` (what follows "by", or comes before it), seen from `now`."""
        cleaned = _cleaned(text)
        if not cleaned or len(cleaned) > MAX_LENGTH:
            raise Unreadable(text)
        today = now.astimezone(tz).date()
        rest = " ".join(word for word in cleaned.split(" ") if word not in self._fillers)
        if self._next_meeting(rest):
            return AtNextMeeting()
        day_text, at = self._clock(rest)
        day = self._day(day_text, today) if day_text else today
        if day is None or (at is None and not day_text):
            raise Unreadable(text)
        return _due(day, at, tz)

    def reads(self, text: str) -> bool:
        """Whether `text` is a date as people write it (whether or not it is still to come)."""
        try:
            self.read(text, datetime(2026, 1, 1, tzinfo=UTC), _ANY_ZONE)
        except Unreadable:
            return False
        return True

    def starts_repeat(self, word: str) -> bool:
        """Whether `word`, after "every", begins a rule: "day", "week", "month", a weekday."""
        word = fold(word).strip(",.")
        units = (DAYS, WEEKS, MONTHS)
        return any(self.means(word, unit) for unit in units) or bool(self._words.days(word))

    def repeat(self, text: str, now: datetime, tz: ZoneInfo) -> tuple[str, Due]:
        """A rule as written after "every" ("month on the 1st", "Monat am 1.", "Friday",
        "week on Friday", "day at 18:00"): its code (see Task.repeat) and the first due date."""
        cleaned = _cleaned(text)
        if not cleaned or len(cleaned) > MAX_LENGTH:
            raise Unreadable(text)
        rest, at = self._clock(cleaned)
        words = [w for w in rest.replace(",", " ").split() if w not in self._fillers]
        code = self._rule(words)
        if code is None:
            raise Unreadable(text)
        today = now.astimezone(tz).date()
        due = _due(following(code, today - timedelta(days=1)), at, tz)
        if due.instant(tz) <= now:  # today's time has passed: the next one
            due = _due(following(code, due.day), at, tz)
        return code, due

    def _rule(self, words: list[str]) -> str | None:
        if len(words) == 1 and self.means(words[0], DAYS):
            return "day"
        if len(words) == 2 and self.means(words[0], WEEKS):
            words = words[1:]
        if len(words) == 1 and len(weekday := self._words.days(words[0]) or ()) == 1:
            return f"week:{weekday[0]}"
        if len(words) == 2 and self.means(words[0], MONTHS):
            found = _ORDINAL.match(words[1])
            if found and 1 <= int(found[1]) <= 31:
                return f"month:{int(found[1])}"
        return None

    def _next_meeting(self, text: str) -> bool:
        """ "next meeting", or the other way round (fa "جلسه بعد", ar "الاجتماع القادم")."""
        words = text.split(" ")
        if len(words) != 2:
            return False
        first, second = words
        return (self.means(first, NEXT) and self.means(second, MEETING)) or (
            self.means(first, MEETING) and self.means(second, NEXT)
        )

    def _clock(self, text: str) -> tuple[str, time | None]:
        """The date part and the time of day at the end, if one is written as a time:
        with minutes ("18:00"), a unit ("17 Uhr", "6 pm") or after "at" ("um 9")."""
        found = _CLOCK.search(text)
        if found is None:
            return text, None
        at = (found["at"] or "").strip()
        if at and not self.means(at, AT):
            at = ""
        start = found.start("at") if at else found.start("h")
        hour, minute = int(found["h"]), int(found["m"] or 0)
        if not (found["m"] or found["unit"] or at):
            return text, None  # a bare number
        dotted = "." in text[found.start("h") :] and not (found["unit"] or at)
        if dotted and (hour > 23 or not text[:start].strip()):
            return text, None  # "12.12": a date, not a time
        if found["unit"] in ("am", "pm"):
            if not 1 <= hour <= 12:
                raise Unreadable(text)
            hour = hour % 12 + (12 if found["unit"] == "pm" else 0)
        if hour > 23 or minute > 59:
            raise Unreadable(text)
        return text[:start].strip(" ,"), time(hour, minute)

    def _day(self, text: str, today: date) -> date | None:
        words = text.replace(",", " ").split()
        joined = " ".join(words)
        if self.means(joined, TODAY):
            return today
        if self.means(joined, TOMORROW):
            return today + timedelta(days=1)
        if self.means(joined, DAY_AFTER_TOMORROW):
            return today + timedelta(days=2)
        if words and self.means(words[0], IN):
            return self._later(words[1:], today)
        if len(words) > 1 and self.means(words[-1], IN):  # tr "2 hafta sonra", fa "۲ هفته دیگر"
            later = self._later(words[:-1], today)
            if later is not None or not self.means(words[-1], NEXT):  # fa "جمعه بعد": next
                return later
        if words and self.means(words[0], NEXT):
            words = words[1:]
        elif len(words) == 2 and self.means(words[1], NEXT):  # "cuma gelecek"
            words = words[:1]
        if len(words) > 1 and self._words.exact_day(words[0] + words[1]) is not None:
            words = [words[0] + words[1], *words[2:]]  # fa "سه شنبه", typed with a space
        weekday = self._words.days(words[0]) if words else None
        if weekday is not None and len(weekday) == 1:
            if len(words) == 1:
                return today + timedelta(days=(weekday[0] - today.weekday() - 1) % 7 + 1)
            day = self._date(words[1:], today)
            return day if day is not None and day.weekday() == weekday[0] else None
        return self._date(words, today)

    def days(self, text: str) -> int | None:
        """A span in days as people write it after /snooze N: "3d", "1w", "3 Tage", "zwei
        Wochen"; a unit may be cut down to its first letters ("3t", "2wo")."""
        found = re.fullmatch(r"(\w+?)\s*([^\W\d]+)", fold(text).strip())
        if found is None:
            return None
        number, unit = found.groups()
        count = int(number) if number.isdecimal() else self._numbers.get(number)
        per = {
            size
            for msgid, size in ((DAYS, 1), (WEEKS, 7))
            for word in self._keywords[msgid]
            if word.startswith(unit)
        }
        if count is None or len(per) != 1:
            return None
        return count * per.pop()

    def _later(self, words: list[str], today: date) -> date | None:
        """ "3 weeks", "zwei Wochen", or a unit alone for one of it (ru "через неделю")."""
        if len(words) == 1:
            words = ["1", *words]
        if len(words) != 2:
            return None
        count = int(words[0]) if words[0].isdecimal() else self._numbers.get(words[0])
        if count is None or not 0 < count <= 366:
            return None
        if self.means(words[1], DAYS):
            return today + timedelta(days=count)
        if self.means(words[1], WEEKS):
            return today + timedelta(weeks=count)
        if self.means(words[1], MONTHS):
            month = today.month - 1 + count
            year, month = today.year + month // 12, month % 12 + 1
            for last in (31, 30, 29, 28):  # the 31st of January, in a month: its last day
                try:
                    return date(year, month, min(today.day, last))
                except ValueError:
                    continue
        return None

    def _date(self, words: list[str], today: date) -> date | None:
        """A calendar date: 12.12., 12.12.2026, 2026-12-12, 12/3, 12 December, Dec 12 2026."""
        try:
            if len(words) == 1:
                word = words[0]
                if found := _ISO.match(word):
                    return date(int(found[1]), int(found[2]), int(found[3]))
                if found := _DOTTED.match(word if word.count(".") == 2 else word + "."):
                    return _next(today, int(found[2]), int(found[1]), found[3])
                if found := _SLASHED.match(word):
                    first, second = int(found[1]), int(found[2])
                    month, day = (first, second) if self._month_first else (second, first)
                    return _next(today, month, day, found[3])
                return None
            return self._named_month(words, today)
        except ValueError:  # the 30th of February, say
            return None

    def _named_month(self, words: list[str], today: date) -> date | None:
        year = words.pop() if len(words) == 3 and words[-1].isdecimal() else None
        if len(words) != 2 or (year is not None and len(year) != 4):
            return None
        first, second = (w.strip(".,") for w in words)
        if first.isdecimal() and second in self._months:
            return _next(today, self._months[second], int(first), year)
        if second.isdecimal() and first in self._months:
            return _next(today, self._months[first], int(second), year)
        return None


def _next(today: date, month: int, day: int, year: str | None) -> date:
    """The date; without a year, the nearest such day: one up to half a year ago stays in
    the past (and is refused as such) rather than becoming next year's."""
    if year:
        return date(int(year) + (2000 if len(year) == 2 else 0), month, day)
    candidate = date(today.year, month, day)
    if candidate >= today or (today - candidate).days <= 183:
        return candidate
    return date(today.year + 1, month, day)


def following(code: str, after: date) -> date:
    """The first day after `after` that the rule `code` (see Task.repeat) falls on; the
    31st, in a shorter month, is its last day."""
    unit, _, value = code.partition(":")
    if unit == "day":
        return after + timedelta(days=1)
    if unit == "week":
        return after + timedelta(days=(int(value) - after.weekday() - 1) % 7 + 1)
    year, month = after.year, after.month
    while True:
        last = calendar.monthrange(year, month)[1]
        day = date(year, month, min(int(value), last))
        if day > after:
            return day
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _due(day: date, at: time | None, tz: ZoneInfo) -> Due:
    if at is None:
        return Due(day, None)
    first = datetime.combine(day, at, tz)
    if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != first.replace(tzinfo=None):
        return Due(day, at, Clash.SKIPPED)
    if first.utcoffset() != first.replace(fold=1).utcoffset():
        return Due(day, at, Clash.TWICE)
    return Due(day, at)


def _cleaned(text: str) -> str:
    """Folded, one space between words, no punctuation at either end; the case ending of a
    number dropped (tr "18'de": 18)."""
    folded = re.sub(r"(\d)'[^\W\d]+", r"\1", fold(text))
    return re.sub(r"\s+", " ", folded).strip(" ,;!?")


def _numbers(translated: str, english: bool = True) -> dict[str, int]:
    numbers: dict[str, int] = {}
    for source in (NUMBERS, translated) if english else (translated,):
        for value, group in enumerate(source.split("|"), 1):
            for word in word_list(group):
                numbers.setdefault(word, value)
    return numbers


def _month_names(locale: Locale) -> dict[str, int]:
    names: dict[str, int] = {}
    for source in (Locale.parse("en"), locale):
        for context in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                for month, name in source.months[context][width].items():
                    names[fold(name).strip(".")] = month
    return names
