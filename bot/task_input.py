"""What a writer puts after /task: "@ben @cem Flyer drucken bis Freitag Vertretung @dora".

Only the shape is read here (who, what, the words after "by", the deputy); the date
itself is read by bot.due_dates, the people are found by the members service.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.due_dates import EVERY, IN, Reader
from bot.i18n import N_, Translator, word_list
from bot.written import fold

BY = N_("by, until")
DEPUTY = N_("deputy")
_ENGLISH = {BY: ("by", "until"), DEPUTY: ("deputy",), IN: ("in",), EVERY: ("every",)}
_MENTION = re.compile(r"^@\S+$")
_LONGEST_DATE = 4  # words: "Freitag, 12. Dezember 2026"


@dataclass(frozen=True, slots=True)
class TaskRequest:
    owners: tuple[str, ...]  # mentions as written: "@ben", "@ben:example.org"
    what: str
    when: str | None  # the words after the last "by" ("" if none follow); None: no "by"
    deputy: str | None
    every: str | None = None  # a recurring task: the rule after "every" ("month on the 1st")


def _words(translate: Callable[[str], str], msgid: str) -> set[str]:
    return {*_ENGLISH[msgid], *word_list(translate(msgid))}


def read(
    raw: str, t: Translator, replying: bool = False, reader: Reader | None = None
) -> TaskRequest | None:
    """None when there is no owner or nothing to do. A word after "every" begins a rule
    only if the date reader says so ("month", "Friday"), so "each partner" stays in the
    text. "by" may stand before its date or, as in Turkish, after it ("cumaya kadar").
    In a reply, the owner may go unnamed: it is whoever wrote the message replied to.
    `reader`: the writer's date reader, if the caller has one already."""
    reader = reader or Reader(t.locale, t)
    words = raw.split()
    owners: list[str] = []
    while words and _MENTION.match(words[0].rstrip(",:")):
        owners.append(words.pop(0).rstrip(",:"))
    deputy = None
    deputy_words = _words(t, DEPUTY)
    for index in range(len(words) - 1):
        if fold(words[index]).rstrip(":") in deputy_words and _MENTION.match(words[index + 1]):
            deputy = words[index + 1].rstrip(",.")
            del words[index : index + 2]
            break
    every = None
    every_words = _words(t, EVERY)
    for index in range(len(words) - 2, 0, -1):
        if fold(words[index]) in every_words and reader.starts_repeat(words[index + 1]):
            every = " ".join(words[index + 1 :])
            del words[index:]
            break
    when = _when(words, _words(t, BY), _words(t, IN), reader)
    what = " ".join(words).strip()
    if not (owners or replying) or not what:
        return None
    return TaskRequest(tuple(owners), what, when, deputy, every)


def _when(words: list[str], by_words: set[str], in_words: set[str], reader: Reader) -> str | None:
    """The words that say when, taken out of `words`; None if none do."""
    for index in range(len(words) - 1, 0, -1):
        # "by" may be two words (tr "en geç"): then it starts one word earlier.
        two = index > 1 and fold(f"{words[index - 1]} {words[index]}") in by_words
        if not two and fold(words[index]) not in by_words:
            continue
        first = index - 1 if two else index
        after = " ".join(words[index + 1 :])
        if not reader.reads(after):
            # "… cumaya kadar": the date is the longest run before "by" that reads as one,
            # leaving at least a word of what is to be done.
            for size in range(min(_LONGEST_DATE, first - 1), 0, -1):
                before = " ".join(words[first - size : first])
                if reader.reads(before):
                    del words[first - size : index + 1]
                    return before
        del words[first:]
        return after
    # "… in zwei Wochen", "… 2 hafta sonra" say when without "by".
    for size in (3, 2):
        tail = words[-size:]
        if len(words) <= size or not in_words & {fold(tail[0]), fold(tail[-1])}:
            continue
        if reader.reads(" ".join(tail)):
            del words[-size:]
            return " ".join(tail)
    return None
