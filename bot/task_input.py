"""What a writer puts after /task: "@ben @cem Flyer drucken bis Freitag Vertretung @dora".

Only the shape is read here (who, what, the words after "by", the deputy); the date
itself is read by bot.due_dates, the people are found by the members service.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.due_dates import IN
from bot.i18n import N_

BY = N_("by, until")
DEPUTY = N_("deputy")
_ENGLISH = {BY: ("by", "until"), DEPUTY: ("deputy",), IN: ("in",)}
_MENTION = re.compile(r"^@\S+$")


@dataclass(frozen=True, slots=True)
class TaskRequest:
    owners: tuple[str, ...]  # mentions as written: "@ben", "@ben:example.org"
    what: str
    when: str | None  # the words after the last "by" ("" if none follow); None: no "by"
    deputy: str | None


def _words(translate: Callable[[str], str], msgid: str) -> set[str]:
    translated = (w.strip().casefold() for w in translate(msgid).split(","))
    return {*_ENGLISH[msgid], *(w for w in translated if w)}


def read(raw: str, translate: Callable[[str], str]) -> TaskRequest | None:
    """None when there is no owner or nothing to do."""
    words = raw.split()
    owners: list[str] = []
    while words and _MENTION.match(words[0].rstrip(",:")):
        owners.append(words.pop(0).rstrip(",:"))
    deputy = None
    deputy_words = _words(translate, DEPUTY)
    for index in range(len(words) - 1):
        if words[index].casefold().rstrip(":") in deputy_words and _MENTION.match(words[index + 1]):
            deputy = words[index + 1].rstrip(",.")
            del words[index : index + 2]
            break
    by_words = _words(translate, BY)
    when = None
    for index in range(len(words) - 1, 0, -1):
        if words[index].casefold() in by_words:
            when = " ".join(words[index + 1 :])
            del words[index:]
            break
    else:  # "… in zwei Wochen" says when without "by"
        if len(words) > 3 and words[-3].casefold() in _words(translate, IN):
            when = " ".join(words[-3:])
            del words[-3:]
    what = " ".join(words).strip()
    if not owners or not what:
        return None
    return TaskRequest(tuple(owners), what, when, deputy)
