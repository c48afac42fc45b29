"""Data protection (DSGVO Art. 15 and 17): export everything about a person, or erase it.

Every table holding personal data is listed in PERSONAL_DATA. A capability that adds
such a table adds its entry here; tests/test_privacy.py fails for a table with a
column pointing at members that is not listed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any, Literal

from sqlalchemy import delete, inspect, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from bot.db.models import (
    Absence,
    AgendaItem,
    AvailabilityWindow,
    Channel,
    CircleMembership,
    Identity,
    Meeting,
    Member,
    Minutes,
    MinutesAnswer,
    MinutesVersion,
    OutboxMessage,
    Reminder,
    Task,
    Vote,
)
from bot.events import ChatKind


@dataclass(frozen=True, slots=True)
class PersonalData:
    """`owner` is the column naming the person; `on_forget` says what erasure does to a row.

    "anonymise" clears the owner but keeps the row, for counts that must stay right
    (votes in a tally); "delete" removes the row.
    """

    section: str
    owner: InstrumentedAttribute[Any]
    on_forget: Literal["delete", "anonymise"]


PERSONAL_DATA: tuple[PersonalData, ...] = (
    PersonalData("member", Member.id, "delete"),
    PersonalData("identities", Identity.member_id, "delete"),
    PersonalData("circle_memberships", CircleMembership.member_id, "delete"),
    PersonalData("reminders", Reminder.member_id, "delete"),
    PersonalData("availability_windows", AvailabilityWindow.member_id, "delete"),
    PersonalData("absences", Absence.member_id, "delete"),
    # Answers keep counting; agenda points and meetings stay the circle's.
    PersonalData("votes", Vote.member_id, "anonymise"),
    PersonalData("agenda_items", AgendaItem.member_id, "anonymise"),
    PersonalData("meetings_created", Meeting.created_by_id, "anonymise"),
    PersonalData("meetings_moderated", Meeting.moderator_id, "anonymise"),
    PersonalData("meetings_minuted", Meeting.minute_taker_id, "anonymise"),
    # A circle's commitments stay its record; the person's name comes off them.
    PersonalData("tasks_owned", Task.owner_id, "anonymise"),
    PersonalData("tasks_given", Task.creator_id, "anonymise"),
    PersonalData("tasks_deputised", Task.deputy_id, "anonymise"),
    # Minutes stay the circle's record; answers to them are the person's own.
    PersonalData("minutes_submitted", MinutesVersion.submitted_by_id, "anonymise"),
    PersonalData("minutes_recorded", Minutes.decided_by_id, "anonymise"),
    PersonalData("minutes_answers", MinutesAnswer.member_id, "delete"),
    # Private chats: erased after the goodbye is delivered (see forget()).
    PersonalData("private_chats", Channel.member_id, "delete"),
)


async def export(
    session: AsyncSession,
    member: Member,
    now: datetime,
    entries: Sequence[PersonalData] = PERSONAL_DATA,
) -> bytes:
    """Everything stored about `member`, as UTF-8 JSON."""
    data: dict[str, Any] = {"exported_at": now.isoformat()}
    for entry in entries:
        model = entry.owner.class_
        rows = await session.scalars(select(model).where(entry.owner == member.id))
        data[entry.section] = [_row_dict(row) for row in rows]
    return json.dumps(data, ensure_ascii=False, indent=2, default=_json_value).encode()


def _row_dict(row: object) -> dict[str, Any]:
    mapper = inspect(row).mapper
    return {column.key: getattr(row, column.key) for column in mapper.column_attrs}


def _json_value(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bytes):  # a submitted file: its text, where it has one, is beside it
        return f"<{len(value)} bytes>"
    raise TypeError(f"cannot export {type(value).__name__}")


async def forget(
    session: AsyncSession, member: Member, entries: Sequence[PersonalData] = PERSONAL_DATA
) -> list[Channel]:
    """Erase `member`. Returns their private chats, detached from them and kept only so a
    goodbye can be delivered; queue it with purge_channel_after_send=True."""
    private = list(
        await session.scalars(
            select(Channel).where(Channel.member_id == member.id, Channel.kind == ChatKind.PRIVATE)
        )
    )
    for channel in private:
        await session.execute(delete(OutboxMessage).where(OutboxMessage.channel_id == channel.id))
        channel.member_id = None
        channel.title = None
    await session.flush()
    # Dependants first, the member row last.
    for entry in reversed(entries):
        model = entry.owner.class_
        if entry.on_forget == "delete":
            await session.execute(delete(model).where(entry.owner == member.id))
        else:
            await session.execute(
                update(model).where(entry.owner == member.id).values({entry.owner.key: None})
            )
    return private
