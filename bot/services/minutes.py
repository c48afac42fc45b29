"""Minutes (Protokoll): versions submitted for a meeting, read for decisions and action
items, kept unchanged with their SHA-256.

A circle has at most one open minutes at a time; each /minutes while it is open is its
next version, and one after they are decided starts a new approval whose versions go on
counting. What is stored of a version is never changed afterwards.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from bot.db.models import (
    Circle,
    CircleMembership,
    Meeting,
    MeetingStatus,
    Member,
    Minutes,
    MinutesStatus,
    MinutesVersion,
)
from bot.errors import UserError
from bot.i18n import N_
from bot.minutes_document import Document
from bot.minutes_items import Items

ANSWER_DAYS = timedelta(days=7)  # from a version's submission to the deadline


@dataclass(frozen=True)
class Submitted:
    minutes: Minutes
    meeting: Meeting | None
    version: MinutesVersion
    previous: MinutesVersion | None

    @cached_property
    def changed_lines(self) -> list[str] | None:
        """The lines taken out ("-…") and put in ("+…") since the previous version, worked
        out once for all readers; None when either has no text (a scanned PDF)."""
        before, after = self.previous, self.version
        if before is None or before.text is None or after.text is None:
            return None
        return [
            line
            for line in difflib.unified_diff(
                before.text.splitlines(), after.text.splitlines(), n=0, lineterm=""
            )
            if line[:1] in "+-" and not line.startswith(("+++", "---"))
        ]


async def submit(
    session: AsyncSession,
    circle: Circle,
    member: Member,
    may_submit_any: bool,
    document: Document,
    items: Items,
    platform: str,
    now: datetime,
) -> Submitted:
    """Store `document`, with the `items` read out of it, as the next version of the
    circle's open minutes, or as the first of the minutes of its last meeting.
    `may_submit_any`: a coordinator, not only the meeting's minute-taker."""
    minutes = await open_minutes(session, circle.id)
    if minutes is None:
        meeting = await last_meeting(session, circle.id, now)
        minutes = Minutes(
            circle_id=circle.id,
            meeting_id=meeting.id if meeting else None,
            status=MinutesStatus.OPEN,
            rule=circle.minutes_rule,
            created_at=now,
        )
        session.add(minutes)
        # Minutes decided already are corrected by a new version with its own approval.
        previous = await _last_of_meeting(session, meeting.id) if meeting else None
    else:
        meeting = await session.get(Meeting, minutes.meeting_id) if minutes.meeting_id else None
        previous = await latest(session, minutes.id)
    if not may_submit_any and (meeting is None or meeting.minute_taker_id != member.id):
        raise UserError(N_("Only the meeting's minute-taker or a coordinator can send minutes."))
    if previous is not None and previous.sha256 == document.sha256:
        raise UserError(
            N_("This is the same as version {number}. Please send the corrected minutes."),
            number=previous.number,
        )
    version = MinutesVersion(
        number=previous.number + 1 if previous else 1,
        filename=document.filename,
        mime_type=document.mime_type,
        kind=document.kind.value,
        sha256=document.sha256,
        data=document.data,
        text=document.text,
        decisions=list(items.decisions),
        actions=list(items.actions),
        submitted_by_id=member.id,
        submitted_at=now,
        platform=platform,
    )
    await session.flush()  # the minutes' id, for a new one
    version.minutes_id = minutes.id
    session.add(version)
    minutes.deadline = now + ANSWER_DAYS
    await session.flush()
    return Submitted(minutes, meeting, version, previous)


async def open_minutes(session: AsyncSession, circle_id: int) -> Minutes | None:
    return await session.scalar(
        select(Minutes).where(Minutes.circle_id == circle_id, Minutes.status == MinutesStatus.OPEN)
    )


async def last_meeting(session: AsyncSession, circle_id: int, now: datetime) -> Meeting | None:
    """The circle's meeting that began last, before `now`."""
    return await session.scalar(
        select(Meeting)
        .where(
            Meeting.circle_id == circle_id,
            Meeting.status == MeetingStatus.SCHEDULED,
            Meeting.starts_at <= now,
        )
        .order_by(Meeting.starts_at.desc())
        .limit(1)
    )


async def _last_of_meeting(session: AsyncSession, meeting_id: int) -> MinutesVersion | None:
    return await session.scalar(
        select(MinutesVersion)
        .join(Minutes, Minutes.id == MinutesVersion.minutes_id)
        .where(Minutes.meeting_id == meeting_id)
        .order_by(MinutesVersion.id.desc())
        .limit(1)
        .options(defer(MinutesVersion.data, raiseload=True))
    )


async def archive(
    session: AsyncSession, circle_id: int
) -> list[tuple[Minutes, Meeting | None, int]]:
    """The circle's minutes, newest first, with their meeting and number of versions."""
    count = (
        select(func.count(MinutesVersion.id))
        .where(MinutesVersion.minutes_id == Minutes.id)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(Minutes, Meeting, count)
        .outerjoin(Meeting, Meeting.id == Minutes.meeting_id)
        .where(Minutes.circle_id == circle_id)
        .order_by(Minutes.id.desc())
    )
    return [(minutes, meeting, versions) for minutes, meeting, versions in rows]


async def latest(session: AsyncSession, minutes_id: int) -> MinutesVersion | None:
    """The newest version, without its file (up to 20 MB) unless asked for."""
    return await session.scalar(
        select(MinutesVersion)
        .where(MinutesVersion.minutes_id == minutes_id)
        .order_by(MinutesVersion.number.desc())
        .limit(1)
        .options(defer(MinutesVersion.data, raiseload=True))
    )


async def before(session: AsyncSession, minutes_id: int, number: int) -> MinutesVersion | None:
    """The version before `number`, without its file."""
    return await session.scalar(
        select(MinutesVersion)
        .where(MinutesVersion.minutes_id == minutes_id, MinutesVersion.number < number)
        .order_by(MinutesVersion.number.desc())
        .limit(1)
        .options(defer(MinutesVersion.data, raiseload=True))
    )


async def version_to_show(session: AsyncSession, circle_id: int, minutes_id: int) -> MinutesVersion:
    """The newest version, with its file, of the circle's minutes number `minutes_id`."""
    found = await session.scalar(
        select(MinutesVersion)
        .join(Minutes, Minutes.id == MinutesVersion.minutes_id)
        .where(Minutes.id == minutes_id, Minutes.circle_id == circle_id)
        .order_by(MinutesVersion.number.desc())
        .limit(1)
    )
    if found is None:
        raise UserError(
            N_("There are no minutes {number} here. /minutes lists them."), number=minutes_id
        )
    return found


async def version_for(session: AsyncSession, version_id: int, member: Member) -> MinutesVersion:
    """A version with its file, for a member of its circle."""
    version = await session.get(MinutesVersion, version_id)
    minutes = await session.get(Minutes, version.minutes_id) if version else None
    if version is None or minutes is None:
        raise UserError(N_("These minutes no longer exist."))
    if await session.get(CircleMembership, (minutes.circle_id, member.id)) is None:
        raise UserError(N_("Only members of the circle can see its minutes."))
    return version
