"""Meetings of a circle: proposing slots, the poll, deciding, announcing, moving, cancelling.

Everything that must happen later (the poll's deadline, reminders, the batched tally edit)
is a Reminder row written in the same unit of work, so a restart loses nothing and the
DueRunner fires each exactly once.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial

from sqlalchemy import Select, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import meeting_messages as say
from bot import proposals, tally
from bot.availability import Absence, Window, english_windows
from bot.db.models import (
    Absence as AbsenceRow,
)
from bot.db.models import (
    AgendaItem,
    Answer,
    Channel,
    Circle,
    CircleMembership,
    Meeting,
    MeetingPost,
    MeetingSlot,
    MeetingStatus,
    Member,
    OutboxMessage,
    Participation,
    Reminder,
    Vote,
)
from bot.db.models import (
    AvailabilityWindow as WindowRow,
)
from bot.errors import UserError, check_length
from bot.i18n import N_, NP_, Translator
from bot.messages import OutgoingMessage
from bot.runtime import Runtime
from bot.services import chat_languages, circles, reminder_rows
from bot.services.hours import at_minute, next_within, reminder_hours_of

MAX_TITLE = 200
MAX_DURATION = 12 * 60
TALLY_EVERY = timedelta(seconds=3)  # Telegram allows about one edit a second per chat
NUDGE_BEFORE = timedelta(hours=24)
SOON_BEFORE = timedelta(hours=2)
PLANNING = (MeetingStatus.DRAFT, MeetingStatus.POLL, MeetingStatus.DECIDING)

# Reminder kinds; their handlers are registered in handlers/meetings.py.
DEADLINE = "meeting-deadline"
TALLY = "meeting-tally"
NUDGE = "meeting-nudge"  # 24 h before the deadline: who is to be reminded, and when
NUDGE_PERSON = "meeting-nudge-person"
EVE = "meeting-eve"
SOON = "meeting-soon"
HELD = "meeting-held"
DURING_POLL = (DEADLINE, NUDGE, NUDGE_PERSON, TALLY)
AFTER_DECISION = (EVE, SOON, HELD)


@dataclass(frozen=True, slots=True)
class Poll:
    """A meeting with its slots as the reader numbers them, and the counts."""

    meeting: Meeting
    slots: list[MeetingSlot]
    counts: dict[int, tally.Count]
    answered: int  # how many people answered
    answered_names: list[str]  # only when asked for: who answered
    silent_names: list[str]  # and who did not


# Finding meetings


async def planning(session: AsyncSession, circle_id: int) -> Meeting | None:
    return await session.scalar(
        select(Meeting)
        .where(Meeting.circle_id == circle_id, Meeting.status.in_(PLANNING))
        .order_by(Meeting.id.desc())
        .limit(1)
    )


async def next_scheduled(session: AsyncSession, circle_id: int, now: datetime) -> Meeting | None:
    return await session.scalar(
        select(Meeting)
        .where(
            Meeting.circle_id == circle_id,
            Meeting.status == MeetingStatus.SCHEDULED,
            Meeting.starts_at > now,
        )
        .order_by(Meeting.starts_at)
        .limit(1)
    )


async def planning_or_fail(session: AsyncSession, circle_id: int) -> Meeting:
    meeting = await planning(session, circle_id)
    if meeting is None:
        raise UserError(N_("No meeting is being planned here. Start one with /meeting new TITLE."))
    return meeting


# Proposing


async def create(
    session: AsyncSession,
    runtime: Runtime,
    circle: Circle,
    member: Member,
    language: str,
    title: str,
    duration: int,
    weeks: int,
) -> Meeting:
    if await planning(session, circle.id) is not None:
        raise UserError(
            N_(
                "A meeting is already being planned in this circle. Finish it with "
                "/meeting close, or /meeting cancel it first."
            )
        )
    check_title(title)
    check_duration(duration)
    settings, tz, now = runtime.settings.meetings, runtime.settings.network.tz, runtime.clock.now()
    today = now.astimezone(tz).date()
    # Slots after the poll's deadline, so that everyone can answer before the date.
    first_day = today + timedelta(days=settings.poll_days + 1)
    last_day = today + timedelta(weeks=weeks)
    if last_day < first_day:
        raise UserError(
            *NP_(
                "That is too soon: the poll runs {n} day. Look further ahead.",
                "That is too soon: the poll runs {n} days. Look further ahead.",
            ),
            n=settings.poll_days,
        )
    found = proposals.propose(
        await _people(session, circle.id),
        english_windows(settings.window),
        first_day=first_day,
        last_day=last_day,
        duration=duration,
        tz=tz,
        holidays=public_holidays(settings.state, first_day, last_day),
        busy=await _busy(session, circle.network_id, now),
        count=settings.slots,
    )
    meeting = Meeting(
        circle_id=circle.id,
        title=title,
        language=language,
        duration_minutes=duration,
        status=MeetingStatus.DRAFT,
        created_by_id=member.id,
        created_at=now,
        uid=f"{secrets.token_hex(12)}@netzwerkbot",
        sequence=0,
        slots=[MeetingSlot(starts_at=c.starts_at) for c in found],
    )
    session.add(meeting)
    await session.flush()
    return meeting


def check_title(title: str) -> None:
    if not title:
        raise UserError(N_("Please give the meeting a title, for example: /meeting new Plenum"))
    check_length(title, MAX_TITLE)


def check_duration(minutes: int) -> None:
    if not 0 < minutes <= MAX_DURATION:
        raise UserError(N_("A meeting lasts more than 0 minutes and at most 12 hours."))


def public_holidays(state: str, first: date, last: date) -> set[date]:
    import holidays  # loaded only when proposing: it is large

    found = holidays.Germany(subdiv=state or None, years=range(first.year, last.year + 1))
    return set(found)


async def _people(session: AsyncSession, circle_id: int) -> list[proposals.Person]:
    memberships = list(
        await session.scalars(
            select(CircleMembership).where(CircleMembership.circle_id == circle_id)
        )
    )
    ids = [m.member_id for m in memberships]
    windows: dict[int, list[Window]] = {}
    for row in await session.scalars(select(WindowRow).where(WindowRow.member_id.in_(ids))):
        windows.setdefault(row.member_id, []).append(
            Window(row.weekday, row.start_minute, row.end_minute)
        )
    absences: dict[int, list[Absence]] = {}
    for gap in await session.scalars(select(AbsenceRow).where(AbsenceRow.member_id.in_(ids))):
        absences.setdefault(gap.member_id, []).append(Absence(gap.first_day, gap.last_day))
    return [
        proposals.Person(
            m.participation is Participation.VOLUNTEER,
            tuple(windows.get(m.member_id, ())),
            tuple(absences.get(m.member_id, ())),
        )
        for m in memberships
    ]


async def _busy(
    session: AsyncSession, network_id: int, now: datetime
) -> list[tuple[datetime, datetime]]:
    """The network's meetings still to come: a new one should not clash with them."""
    rows = await session.execute(
        select(Meeting.starts_at, Meeting.duration_minutes)
        .join(Circle, Circle.id == Meeting.circle_id)
        .where(
            Circle.network_id == network_id,
            Meeting.status == MeetingStatus.SCHEDULED,
            Meeting.starts_at > now - timedelta(hours=12),
        )
    )
    return [(start, start + timedelta(minutes=minutes)) for start, minutes in rows if start]


async def add_slot(
    session: AsyncSession, meeting: Meeting, starts_at: datetime, now: datetime
) -> None:
    _must_be_draft(meeting)
    if starts_at <= now:
        raise UserError(N_("That time has already passed. Please name one in the future."))
    if len(meeting.slots) >= proposals.MAX_SLOTS:
        raise UserError(
            *NP_(
                "A poll has at most {n} slot. Remove one first with /meeting remove N.",
                "A poll has at most {n} slots. Remove one first with /meeting remove N.",
            ),
            n=proposals.MAX_SLOTS,
        )
    if any(slot.starts_at == starts_at for slot in meeting.slots):
        raise UserError(N_("That slot is already in the poll."))
    meeting.slots.append(MeetingSlot(starts_at=starts_at))
    meeting.slots.sort(key=lambda slot: slot.starts_at)


def remove_slot(meeting: Meeting, number: int) -> MeetingSlot:
    _must_be_draft(meeting)
    if not 1 <= number <= len(meeting.slots):
        raise UserError(
            N_("There is no slot {number}. The slots are numbered 1 to {count}."),
            number=number,
            count=len(meeting.slots),
        )
    return meeting.slots.pop(number - 1)


def _must_be_draft(meeting: Meeting) -> None:
    if meeting.status is not MeetingStatus.DRAFT:
        raise UserError(N_("The poll is already published; its slots can no longer change."))


# The poll


async def publish(session: AsyncSession, runtime: Runtime, meeting: Meeting) -> None:
    _must_be_draft(meeting)
    if not meeting.slots:
        raise UserError(N_("The poll has no slots. Add one with /meeting add DATE TIME."))
    now = runtime.clock.now()
    if any(slot.starts_at <= now for slot in meeting.slots):
        raise UserError(N_("A slot has already passed. Remove it with /meeting remove N."))
    meeting.status = MeetingStatus.POLL
    meeting.deadline = min(
        now + timedelta(days=runtime.settings.meetings.poll_days),
        min(slot.starts_at for slot in meeting.slots),
    )
    meeting.tally_edited_at = now
    poll = await poll_state(session, meeting)
    for channel, languages in await _circle_channels(session, runtime, meeting):
        poll_post = chat_languages.post(languages, lambda t: say.poll(t, poll))
        tally_post = chat_languages.post(languages, lambda t: say.tally(t, poll))
        for kind, message in (("poll", poll_post), ("tally", tally_post)):
            row = await runtime.outbox.queue(session, channel, message)
            session.add(
                MeetingPost(meeting_id=meeting.id, channel_id=channel.id, kind=kind, outbox_id=row)
            )
    reminder_rows.plan(session, DEADLINE, meeting.deadline, meeting.id, now)
    if meeting.deadline - NUDGE_BEFORE > now:
        reminder_rows.plan(session, NUDGE, meeting.deadline - NUDGE_BEFORE, meeting.id, now)


async def vote(
    session: AsyncSession, runtime: Runtime, member: Member, slot_id: int, answer: Answer
) -> Meeting:
    slot = await session.get(MeetingSlot, slot_id)
    meeting = await session.get(Meeting, slot.meeting_id) if slot else None
    if slot is None or meeting is None:
        raise UserError(N_("This poll no longer exists."))
    if meeting.status is not MeetingStatus.POLL:
        raise UserError(N_("This poll is closed; answers can no longer change."))
    membership = await session.get(CircleMembership, (meeting.circle_id, member.id))
    if membership is None:
        circle = await session.get_one(Circle, meeting.circle_id)
        raise UserError(N_("Only members of {circle} can answer this poll."), circle=circle.name)
    now = runtime.clock.now()
    existing = await session.scalar(
        select(Vote).where(Vote.slot_id == slot_id, Vote.member_id == member.id)
    )
    if existing is not None and existing.answer is answer:
        raise UserError(N_("You have already given that answer; nothing changed."))
    if existing is None:
        if not await has_answered(session, meeting, member.id):
            await session.execute(
                update(Meeting)
                .where(Meeting.id == meeting.id)
                .values(answered=Meeting.answered + 1)
            )
        existing = Vote(slot_id=slot_id, member_id=member.id)
        session.add(existing)
    else:
        await _count(session, slot_id, existing.answer, existing.volunteer, -1)
    existing.answer = answer
    existing.volunteer = membership.participation is Participation.VOLUNTEER
    existing.answered_at = now
    await _count(session, slot_id, answer, existing.volunteer, 1)
    await show_tally_soon(session, runtime, meeting)
    return meeting


async def _count(
    session: AsyncSession, slot_id: int, answer: Answer, volunteer: bool, by: int
) -> None:
    await session.execute(
        update(MeetingSlot)
        .where(MeetingSlot.id == slot_id)
        .values(tally.change(answer, volunteer, by))
        .execution_options(synchronize_session=False)
    )


async def show_tally_soon(session: AsyncSession, runtime: Runtime, meeting: Meeting) -> None:
    """Edit the tally messages now, or once TALLY_EVERY has passed since the last edit."""
    now = runtime.clock.now()
    due = (meeting.tally_edited_at or now) + TALLY_EVERY
    if meeting.tally_edited_at is None or due <= now:
        await edit_tallies(session, runtime, meeting)
        return
    waiting = await session.scalar(
        select(
            exists().where(
                Reminder.kind == TALLY,
                Reminder.subject_id == meeting.id,
                Reminder.fired_at.is_(None),
            )
        )
    )
    if not waiting:
        reminder_rows.plan(session, TALLY, due, meeting.id, now)


async def edit_tallies(session: AsyncSession, runtime: Runtime, meeting: Meeting) -> None:
    """The tally in every chat, edited in place; a chat whose tally message has not been
    sent yet is tried again shortly."""
    now = runtime.clock.now()
    meeting.tally_edited_at = now
    poll = await poll_state(session, meeting)
    posts = await session.execute(
        select(MeetingPost, OutboxMessage.platform_message_id, OutboxMessage.failed_at)
        .join(OutboxMessage, OutboxMessage.id == MeetingPost.outbox_id)
        .where(MeetingPost.meeting_id == meeting.id, MeetingPost.kind == "tally")
    )
    unsent = False
    for post, message_id, failed in posts:
        if message_id is None:
            unsent = unsent or failed is None
            continue
        channel = await session.get_one(Channel, post.channel_id)
        languages = _languages(runtime, channel, meeting)
        tally = chat_languages.post(languages, partial(say.tally, state=poll, replaces=message_id))
        await runtime.outbox.queue(session, channel, tally)
    if unsent:
        reminder_rows.plan(session, TALLY, now + TALLY_EVERY, meeting.id, now)


async def poll_state(session: AsyncSession, meeting: Meeting, names: bool = False) -> Poll:
    """The slots with their counts; with `names`, who answered and who did not (for the
    coordinator)."""
    await session.flush()
    slots = list(
        await session.scalars(
            select(MeetingSlot)
            .where(MeetingSlot.meeting_id == meeting.id)
            .order_by(MeetingSlot.starts_at, MeetingSlot.id)
            .execution_options(populate_existing=True)  # counts change by SQL expressions
        )
    )
    answered = await session.scalar(select(Meeting.answered).where(Meeting.id == meeting.id))
    said: list[str] = []
    silent: list[str] = []
    if names:
        people = await session.execute(
            select(Member.display_name, Member.id.in_(_answered(meeting)))
            .join(CircleMembership, CircleMembership.member_id == Member.id)
            .where(CircleMembership.circle_id == meeting.circle_id)
            .order_by(Member.name_key, Member.id)
        )
        for name, did in people:
            (said if did else silent).append(name)
    return Poll(meeting, slots, tally.counts(slots), answered or 0, said, silent)


# Deciding


async def close(session: AsyncSession, runtime: Runtime, meeting: Meeting) -> None:
    """End the poll: the best slot is decided; a tie goes to the coordinators."""
    if meeting.status is not MeetingStatus.POLL:
        raise UserError(N_("This poll is closed; answers can no longer change."))
    poll = await poll_state(session, meeting)
    best = tally.winners(poll.counts)
    await reminder_rows.forget(session, meeting.id, DURING_POLL)
    if len(best) == 1:
        await decide(session, runtime, meeting, next(s for s in poll.slots if s.id == best[0]))
    else:
        meeting.status = MeetingStatus.DECIDING
        tied = [s for s in poll.slots if s.id in best]
        for channel, languages in await _circle_channels(session, runtime, meeting):
            tie = chat_languages.post(languages, lambda t: say.tie(t, meeting, poll.slots, tied))
            await runtime.outbox.queue(session, channel, tie)
    await edit_tallies(session, runtime, meeting)  # the final count, marked closed


async def decide(
    session: AsyncSession, runtime: Runtime, meeting: Meeting, slot: MeetingSlot
) -> None:
    if meeting.status not in (MeetingStatus.POLL, MeetingStatus.DECIDING):
        raise UserError(N_("This meeting is already decided."))
    if slot.meeting_id != meeting.id:
        raise UserError(N_("This button no longer works. Please start again."))
    meeting.status = MeetingStatus.SCHEDULED
    meeting.starts_at = slot.starts_at
    meeting.chosen_slot_id = slot.id
    await _choose_roles(session, meeting, slot)
    await _announce(session, runtime, meeting, say.DECIDED, notify_voters=False)
    await _schedule_reminders(session, runtime, meeting)


async def move(
    session: AsyncSession, runtime: Runtime, meeting: Meeting, starts_at: datetime
) -> None:
    now = runtime.clock.now()
    if starts_at <= now:
        raise UserError(N_("That time has already passed. Please name one in the future."))
    if starts_at == meeting.starts_at:
        raise UserError(N_("The meeting is already at that time; nothing changed."))
    meeting.starts_at = starts_at
    meeting.sequence += 1
    await reminder_rows.forget(session, meeting.id, AFTER_DECISION)
    await _announce(session, runtime, meeting, say.MOVED, notify_voters=True)
    await _schedule_reminders(session, runtime, meeting)


async def cancel(session: AsyncSession, runtime: Runtime, meeting: Meeting) -> None:
    was_scheduled = meeting.status is MeetingStatus.SCHEDULED
    meeting.status = MeetingStatus.CANCELLED
    await reminder_rows.forget(session, meeting.id, (*DURING_POLL, *AFTER_DECISION))
    if was_scheduled:
        meeting.sequence += 1
        await _announce(session, runtime, meeting, say.CANCELLED, notify_voters=True)
        return
    for channel, languages in await _circle_channels(session, runtime, meeting):
        cancelled = chat_languages.post(languages, lambda t: say.poll_cancelled(t, meeting))
        await runtime.outbox.queue(session, channel, cancelled)


async def _announce(
    session: AsyncSession, runtime: Runtime, meeting: Meeting, what: str, notify_voters: bool
) -> None:
    """The meeting, its place, roles and agenda, with an .ics, in every chat of the circle
    (and privately to everyone who answered the poll, when it changes)."""
    details = await details_of(session, meeting)
    now, tz = runtime.clock.now(), runtime.settings.network.tz

    def build(t: Translator) -> OutgoingMessage:
        return say.announcement(t, details, what, tz, now)

    for channel, languages in await _circle_channels(session, runtime, meeting):
        await runtime.outbox.queue(session, channel, chat_languages.post(languages, build))
    if notify_voters:
        for member in await _voters(session, meeting, (Answer.YES, Answer.MAYBE, Answer.NO)):
            await runtime.outbox.queue_private(session, member, build)


async def details_of(session: AsyncSession, meeting: Meeting) -> say.Details:
    circle = await session.get_one(Circle, meeting.circle_id)
    agenda = await open_agenda(session, circle.id)
    names = {}
    for member_id in (meeting.moderator_id, meeting.minute_taker_id):
        if member_id is not None and (person := await session.get(Member, member_id)):
            names[member_id] = person.display_name
    return say.Details(
        meeting=meeting,
        circle=circle,
        agenda=[item.text for item in agenda],
        moderator=names.get(meeting.moderator_id or 0),
        minute_taker=names.get(meeting.minute_taker_id or 0),
    )


async def _choose_roles(session: AsyncSession, meeting: Meeting, slot: MeetingSlot) -> None:
    """Moderation and minutes go round the members in the rotation, in a fixed order,
    skipping whoever cannot come to this slot."""
    rotation = list(
        await session.scalars(
            select(CircleMembership.member_id)
            .where(CircleMembership.circle_id == meeting.circle_id, CircleMembership.rotation)
            .order_by(CircleMembership.joined_at, CircleMembership.member_id)
        )
    )
    cannot = set(
        await session.scalars(
            select(Vote.member_id).where(Vote.slot_id == slot.id, Vote.answer == Answer.NO)
        )
    )
    able = [member_id for member_id in rotation if member_id not in cannot]
    if not able:
        return
    last = await session.scalar(
        select(Meeting.moderator_id)
        .where(
            Meeting.circle_id == meeting.circle_id,
            Meeting.id != meeting.id,
            Meeting.moderator_id.is_not(None),
            Meeting.status == MeetingStatus.SCHEDULED,
        )
        .order_by(Meeting.starts_at.desc())
        .limit(1)
    )
    start = (rotation.index(last) + 1) if last in rotation else 0
    order = rotation[start:] + rotation[:start]
    turn = [member_id for member_id in order if member_id in able]
    meeting.moderator_id = turn[0]
    meeting.minute_taker_id = turn[1] if len(turn) > 1 else None


async def _schedule_reminders(session: AsyncSession, runtime: Runtime, meeting: Meeting) -> None:
    """The evening before, within each attendee's reminder hours; 2 hours before; and at
    the start, when the agenda collected so far becomes this meeting's."""
    now = runtime.clock.now()
    assert meeting.starts_at is not None
    tz = runtime.settings.network.tz
    eve = (meeting.starts_at.astimezone(tz) - timedelta(days=1)).date()
    coming = await _voters(session, meeting, (Answer.YES, Answer.MAYBE))
    spans = await reminder_hours_of(session, coming, runtime.settings.reminders)
    due = {}
    for member in coming:
        start, end = spans[member.id]
        at = at_minute(eve, start, tz)
        if at <= now < at + timedelta(minutes=end - start):
            at = now  # already within their reminder hours
        if now <= at < meeting.starts_at - SOON_BEFORE:
            due[member.id] = at
    await reminder_rows.plan_each(session, EVE, meeting.id, now, due)
    if meeting.starts_at - SOON_BEFORE > now:
        reminder_rows.plan(session, SOON, meeting.starts_at - SOON_BEFORE, meeting.id, now)
    reminder_rows.plan(session, HELD, meeting.starts_at, meeting.id, now)


async def plan_nudges(session: AsyncSession, runtime: Runtime, meeting: Meeting) -> None:
    """24 hours before the deadline: one private reminder each for those who have not
    answered, at the first moment of their reminder hours (if before the deadline)."""
    if meeting.status is not MeetingStatus.POLL or meeting.deadline is None:
        return
    now = runtime.clock.now()
    silent = await _silent_members(session, meeting)
    spans = await reminder_hours_of(session, silent, runtime.settings.reminders)
    due = {}
    for member in silent:
        at = next_within(spans[member.id], now, runtime.settings.network.tz)
        if at < meeting.deadline:
            due[member.id] = at
    await reminder_rows.plan_each(session, NUDGE_PERSON, meeting.id, now, due)


async def has_answered(session: AsyncSession, meeting: Meeting, member_id: int) -> bool:
    return bool(
        await session.scalar(select(_answered(meeting).where(Vote.member_id == member_id).exists()))
    )


async def _silent_members(session: AsyncSession, meeting: Meeting) -> Sequence[Member]:
    answered = _answered(meeting).where(Vote.member_id.is_not(None))
    return list(
        await session.scalars(
            select(Member)
            .join(CircleMembership, CircleMembership.member_id == Member.id)
            .where(
                CircleMembership.circle_id == meeting.circle_id,
                Member.id.not_in(answered),
            )
            .order_by(Member.id)
        )
    )


def _answered(meeting: Meeting) -> Select[int | None]:
    """The members who answered the meeting's poll, as a subquery."""
    return select(Vote.member_id).join(MeetingSlot).where(MeetingSlot.meeting_id == meeting.id)


async def _voters(
    session: AsyncSession, meeting: Meeting, answers: tuple[Answer, ...]
) -> Sequence[Member]:
    """Who answered the chosen slot with one of `answers`; with NO among them, everyone
    who answered the poll at all."""
    query = _answered(meeting)
    if Answer.NO not in answers:
        query = query.where(Vote.slot_id == meeting.chosen_slot_id, Vote.answer.in_(answers))
    return list(
        await session.scalars(select(Member).where(Member.id.in_(query)).order_by(Member.id))
    )


async def open_agenda(session: AsyncSession, circle_id: int) -> list[AgendaItem]:
    return list(
        await session.scalars(
            select(AgendaItem)
            .where(AgendaItem.circle_id == circle_id, AgendaItem.meeting_id.is_(None))
            .order_by(AgendaItem.id)
        )
    )


async def mark_held(session: AsyncSession, meeting: Meeting) -> None:
    """The meeting began: the agenda collected so far was its agenda."""
    for item in await open_agenda(session, meeting.circle_id):
        if meeting.starts_at and item.created_at <= meeting.starts_at:
            item.meeting_id = meeting.id


async def _circle_channels(
    session: AsyncSession, runtime: Runtime, meeting: Meeting
) -> list[tuple[Channel, list[Translator]]]:
    """The circle's group chats, each with the languages the meeting's posts take there."""
    channels = await circles.group_chats(session, meeting.circle_id)
    return [(c, _languages(runtime, c, meeting)) for c in channels]


def _languages(runtime: Runtime, channel: Channel, meeting: Meeting) -> list[Translator]:
    return chat_languages.translators(runtime.catalogs, channel, meeting.language)


async def draft_view(
    session: AsyncSession, runtime: Runtime, meeting: Meeting
) -> tuple[list[proposals.Candidate], int]:
    """The draft's slots, each with who can come; and how many members the circle has."""
    await session.flush()
    await session.refresh(meeting, ["slots"])
    people = await _people(session, meeting.circle_id)
    tz = runtime.settings.network.tz
    return [
        proposals.assess(people, slot.starts_at, meeting.duration_minutes, tz)
        for slot in meeting.slots
    ], len(people)


async def attendees(
    session: AsyncSession, meeting: Meeting, member_id: int | None = None
) -> list[Member]:
    """Who said yes or if need be to the chosen slot (only `member_id`, if given)."""
    people = await _voters(session, meeting, (Answer.YES, Answer.MAYBE))
    return [person for person in people if member_id is None or person.id == member_id]
