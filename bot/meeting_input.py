"""What a coordinator writes after /meeting: "Plenum 90min within 3 weeks", "3.12. 18:00"."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.availability import DATE, TIME, written_date
from bot.i18n import N_, word_list
from bot.written import fold

WITHIN = N_("within")
WEEKS = N_("weeks, week")
HOURS = N_("hours, hour, h")  # a meeting's length: "2 hours", "2h"
MINUTES = N_("minutes, minute, min")  # "90 minutes", "90min"
_ENGLISH = {
    WITHIN: ("within",),
    WEEKS: ("weeks", "week"),
    HOURS: ("hours", "hour", "h"),
    MINUTES: ("minutes", "minute", "min", "m"),
}
_CLOCK = re.compile(rf"^{TIME}$")


class Unreadable(ValueError):
    pass


def _words(translate: Callable[[str], str], msgid: str) -> set[str]:
    return {*_ENGLISH[msgid], *word_list(translate(msgid))}


def _duration(translate: Callable[[str], str]) -> re.Pattern[str]:
    """A meeting's length with the reader's units: "2h", "1,5 Stunden", "2 h 30", "90 dk"."""

    def units(msgid: str) -> str:
        return "|".join(map(re.escape, sorted(_words(translate, msgid), key=len, reverse=True)))

    hours, minutes = units(HOURS), units(MINUTES)
    return re.compile(
        rf"^(?:(?P<h>\d{{1,2}}(?:[.,]\d{{1,2}})?)\s*(?:{hours})(?:\s*(?P<hm>\d{{1,2}})\s*(?:{minutes})?)?"
        rf"|(?P<m>\d{{1,4}})\s*(?:{minutes}))$"
    )


def new_meeting(raw: str, translate: Callable[[str], str]) -> tuple[str, int | None, int | None]:
    """(title, duration in minutes or None, weeks ahead or None) from
    "TITLE [DURATION] [within N weeks]", the last two in any order at the end."""
    words = raw.split()
    duration = weeks = None
    within, week_words = _words(translate, WITHIN), _words(translate, WEEKS)
    length = _duration(translate)
    while words:
        tail = [fold(w) for w in words[-3:]]
        # "within 3 weeks", or "3 hafta içinde" with the word after
        ahead = tail[1:] if len(tail) == 3 and tail[0] in within else tail[:2]
        if (
            len(tail) == 3
            and within & {tail[0], tail[2]}
            and ahead[0].isdecimal()
            and ahead[1] in week_words
        ):
            if weeks is not None:
                break
            weeks = int(ahead[0])
            del words[-3:]
            continue
        found = length.match(fold(" ".join(words[-2:]))) if len(words) >= 2 else None
        take = 2
        if found is None or not fold(words[-2])[0].isdecimal():
            found, take = length.match(fold(words[-1])), 1
        if found is None or duration is not None:
            break
        duration = _minutes(found)
        del words[-take:]
    return " ".join(words), duration, weeks


def _minutes(found: re.Match[str]) -> int:
    if found["m"]:
        return int(found["m"])
    return round(float(found["h"].replace(",", ".")) * 60) + int(found["hm"] or 0)


def when(raw: str, today: date, tz: ZoneInfo) -> datetime:
    """A date and a time of day: "3.12. 18:00", "Do 3.12.2026 18 Uhr", "2026-12-03 18:30"."""
    text = fold(raw.strip())
    text = re.sub(r"^[^\W\d]+\.?,?\s+", "", text)  # a weekday's name before the date
    found = DATE.match(text)
    if found is None:
        raise Unreadable(raw)
    clock = _CLOCK.match(text[found.end() :].strip(" ,").removeprefix("um ").removeprefix("at "))
    if clock is None:
        raise Unreadable(raw)
    hour, minute = int(clock[1]), int(clock[2] or 0)
    try:
        day = written_date(found, today)
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)
    except ValueError:
        raise Unreadable(raw) from None
