"""What a coordinator writes after /meeting: "Plenum 90min within 3 weeks", "3.12. 18:00"."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.availability import DATE, TIME, written_date
from bot.i18n import N_

WITHIN = N_("within")
WEEKS = N_("weeks, week")
_ENGLISH = {WITHIN: ("within",), WEEKS: ("weeks", "week")}
_DURATION = re.compile(
    r"^(?:(?P<h>\d{1,2}(?:[.,]\d{1,2})?)\s*(?:h|std|stunden?|hours?)"
    r"(?:\s*(?P<hm>\d{1,2})\s*(?:min|m)?)?|(?P<m>\d{1,4})\s*(?:min|m|minuten|minutes))$"
)
_CLOCK = re.compile(rf"^{TIME}$")


class Unreadable(ValueError):
    pass


def _words(translate: Callable[[str], str], msgid: str) -> set[str]:
    return {*_ENGLISH[msgid], *(w.strip().casefold() for w in translate(msgid).split(","))}


def new_meeting(raw: str, translate: Callable[[str], str]) -> tuple[str, int | None, int | None]:
    """(title, duration in minutes or None, weeks ahead or None) from
    "TITLE [DURATION] [within N weeks]", the last two in any order at the end."""
    words = raw.split()
    duration = weeks = None
    within, week_words = _words(translate, WITHIN), _words(translate, WEEKS)
    while words:
        tail = [w.casefold() for w in words[-3:]]
        if len(tail) == 3 and tail[0] in within and tail[1].isdecimal() and tail[2] in week_words:
            if weeks is not None:
                break
            weeks = int(tail[1])
            del words[-3:]
            continue
        found = _DURATION.match(" ".join(words[-2:]).casefold()) if len(words) >= 2 else None
        take = 2
        if found is None or not words[-2][0].isdecimal():
            found, take = _DURATION.match(words[-1].casefold()), 1
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
    text = raw.strip().casefold()
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
