"""What a writer puts after /task: "@ben @cem Flyer drucken bis Freitag Vertretung @dora".

Only the shape is read here (who, what, the words after "by", the deputy); the date
itself is read by bot.due_dates, the people are found by the members service.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.due_dates import EVERY, IN
from bot.i18n import N_

BY = N_("by, until")
DEPUTY = N_("deputy")
_ENGLISH = {BY: ("by", "until"), DEPUTY: ("deputy",), IN: ("in",), EVERY: ("every",)}
_MENTION = re.compile(r"^@\S+$")


@dataclass(frozen=True, slots=True)
class TaskRequest:
    owners: tuple[str, ...]  # mentions as written: "@ben", "@ben:example.org"
    what: str
    when: str | None  # the words after the last "by" ("" if none follow); None: no "by"
    deputy: str | None
    every: str | None = None  # a recurring task: the rule after "every" ("month on the 1st")


def _words(translate: Callable[[str], str], msgid: str) -> set[str]:
    translated = (w.strip().casefold() for w in translate(msgid).split(","))
    return {*_ENGLISH[msgid], *(w for w in translated if w)}


def read(
    raw: str,
    translate: Callable[[str], str],
    starts_repeat: Callable[[str], bool] = lambda word: False,
    replying: bool = False,
) -> TaskRequest | None:
    """None when there is no owner or nothing to do. `starts_repeat` tells whether a word
    after "every" begins a rule ("month", "Friday"), so "each partner" stays in the text.
    In a reply, the owner may go unnamed: it is whoever wrote the message replied to."""
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
    every = None
    every_words = _words(translate, EVERY)
    for index in range(len(words) - 2, 0, -1):
        if words[index].casefold() in every_words and starts_repeat(words[index + 1]):
            every = " ".join(words[index + 1 :])
            del words[index:]
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
    if not (owners or replying) or not what:
        return None
    return TaskRequest(tuple(owners), what, when, deputy, every)
