"""Counting a meeting poll and picking its slot."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.db.models import Answer, MeetingSlot


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


def change(answer: Answer, volunteer: bool, by: int) -> dict[str, Any]:
    """What one answer adds to (by=1) or takes from (by=-1) its slot's counts, as SQL
    expressions, so that votes at the same moment never overwrite each other's counts."""
    column = {Answer.YES: "yes", Answer.MAYBE: "maybe", Answer.NO: "no"}[answer]
    values: dict[str, Any] = {column: getattr(MeetingSlot, column) + by}
    if volunteer and answer is not Answer.NO:
        values["volunteers"] = MeetingSlot.volunteers + by
    return values


def counts(slots: Iterable[MeetingSlot]) -> dict[int, Count]:
    return {slot.id: Count(slot.yes, slot.maybe, slot.no, slot.volunteers) for slot in slots}


def winners(counts: dict[int, Count]) -> list[int]:
    """The slots that share the best count, in the order given: one, or a tie."""
    if not counts:
        return []
    best = max(tally.key for tally in counts.values())
    return [slot_id for slot_id, tally in counts.items() if tally.key == best]
