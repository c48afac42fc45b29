"""Counting a meeting poll and picking its slot."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.db.models import Answer


@dataclass(slots=True)
class Count:
    yes: int = 0
    maybe: int = 0
    no: int = 0
    volunteers: int = 0  # volunteers who said yes or if need be

    @property
    def key(self) -> tuple[int, int, int]:
        """The order of preference: most yes, then yes plus if need be, then volunteers."""
        return (self.yes, self.yes + self.maybe, self.volunteers)


def count(slot_ids: Iterable[int], votes: Iterable[tuple[int, Answer, bool]]) -> dict[int, Count]:
    """Per slot, from (slot, answer, volunteer) rows; slots nobody answered count zero."""
    counts = {slot_id: Count() for slot_id in slot_ids}
    for slot_id, answer, volunteer in votes:
        tally = counts.get(slot_id)
        if tally is None:
            continue
        if answer is Answer.YES:
            tally.yes += 1
        elif answer is Answer.MAYBE:
            tally.maybe += 1
        else:
            tally.no += 1
            continue
        tally.volunteers += volunteer
    return counts


def winners(counts: dict[int, Count]) -> list[int]:
    """The slots that share the best count, in the order given: one, or a tie."""
    if not counts:
        return []
    best = max(tally.key for tally in counts.values())
    return [slot_id for slot_id, tally in counts.items() if tally.key == best]
