"""What the bot reads out of minutes, line by line: decisions ("Beschluss: Wir mieten den
Saal") and action items ("- [ ] @ben Flyer drucken bis Freitag", the words of /task).

The minutes may be written in any language the bot speaks, whoever sends them: the decision
word of every catalog counts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.i18n import N_, word_list
from bot.written import fold

DECISION = N_("Decision")  # the word before the colon of a decision line
_ENGLISH = ("decision", "resolution", "resolved")
# Markdown around the word: list bullets, numbering, headings, quotes, bold and italics.
_LEAD = re.compile(r"^\s*(?:[-*+>]\s*|#+\s*|\d+[.)]\s*)*[*_]*\s*")
_DECISION = re.compile(r"^(?P<word>[^\W\d_][\w\s-]{0,30}?)\s*[*_]*\s*:\s*[*_]*\s*(?P<text>.+)$")
# An open checkbox followed by at least one mention; a ticked one ([x]) is already done.
_ACTION = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s*\[ \]\s+(?P<rest>@\S.*)$")


@dataclass(frozen=True, slots=True)
class Items:
    decisions: tuple[str, ...]
    actions: tuple[str, ...]  # what follows the checkbox, as /task would take it


def decision_words(translators: Iterable[Callable[[str], str]]) -> frozenset[str]:
    return frozenset({*_ENGLISH, *(word for t in translators for word in word_list(t(DECISION)))})


def read_items(text: str, words: frozenset[str]) -> Items:
    decisions: list[str] = []
    actions: list[str] = []
    for line in text.splitlines():
        if action := _ACTION.match(line):
            actions.append(_plain(action["rest"]))
            continue
        decision = _DECISION.match(_LEAD.sub("", line, count=1))
        said = _plain(decision["text"]).rstrip("*_ ").strip() if decision else ""
        if decision and said and fold(decision["word"]).strip() in words:
            decisions.append(said)
    return Items(tuple(decisions), tuple(actions))


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
