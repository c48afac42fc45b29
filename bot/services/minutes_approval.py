"""Minutes on their way to approval: circulated to the circle's chats, to each member
privately with [Approve] [Request changes] and by email to those who asked; answered,
reminded once, decided by the circle's rule, and recorded.

Answers belong to one version, so a new version starts the answers afresh. Once decided,
the minutes and their versions never change; a correction is a new version with its own
approval.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from bot import minutes_messages as say
from bot.db.models import (
    AgendaItem,
    ApprovalRule,
    Channel,
    Circle,
    CircleMembership,
    Decision,
    Meeting,
    Member,
    Minutes,
    MinutesAnswer,
    MinutesStatus,
    MinutesVersion,
    Reminder,
    Task,
)
from bot.due_dates import Reader
from bot.errors import UserError, check_length
from bot.events import ChatKind
from bot.i18n import N_, Translator
from bot.messages import OutgoingMessage
from bot.runtime import Runtime
from bot.services import chat_languages, circles, members, reminder_rows, tasks
from bot.services.circles import memberships
from bot.services.hours import (
    at_minute,
    next_within,
    outside_quiet,
    quiet_hours,
    reminder_hours_of,
)
from bot.services.meetings import next_scheduled
from bot.services.minutes import Submitted, before, latest
from bot.task_input import read as read_task

ASK = "minutes-ask"  # the version to a member whose quiet hours it came in
REMIND = "minutes-remind"  # once, to each member who has not answered, before the deadline
DEADLINE = "minutes-deadline"
COMMENT = "minutes-comment"  # the awaited answer: what should change
MAX_COMMENT = 2000
AGENDA_ITEM = N_("Approve the minutes of the last meeting")


async def circulate(
    session: AsyncSession, runtime: Runtime, submitted: Submitted, fallback: Translator
) -> None:
    """The version to the circle's chats (in their language, else `fallback`), to each
    member privately with the buttons, and by email to those who asked for it."""
    minutes, version = submitted.minutes, submitted.version
    now = runtime.clock.now()
    circle = await session.get_one(Circle, minutes.circle_id)
    if minutes.rule is ApprovalRule.MEETING:
        following = await next_scheduled(session, circle.id, now)
        minutes.deadline = following.starts_at if following else None
        if submitted.previous is None:
            text = fallback(AGENDA_ITEM)
            session.add(AgendaItem(circle_id=circle.id, member_id=None, text=text, created_at=now))
    # Whoever sent the version stands behind it: nobody asks them to approve their own.
    if version.submitted_by_id is not None:
        session.add(
            MinutesAnswer(
                version_id=version.id,
                member_id=version.submitted_by_id,
                approved=True,
                answered_at=now,
            )
        )
    post = _per_language(lambda t: say.circulated(t, submitted))
    for channel, languages in await _group_chats(session, runtime, circle.id, fallback):
        await runtime.outbox.queue(session, channel, chat_languages.post(languages, post))
    await reminder_rows.forget(session, minutes.id, (ASK, REMIND, DEADLINE))  # the last version's
    people = [m.member for m in await memberships(session, circle)]
    tz = runtime.settings.network.tz
    awake, asleep = [], {}
    for person in people:
        if person.id == version.submitted_by_id:
            continue
        # Not into anyone's night: the question waits for their quiet hours to end.
        wakes = outside_quiet(quiet_hours(person, runtime.settings.reminders), now, tz)
        if wakes > now:
            asleep[person.id] = wakes
        else:
            awake.append(person)
    await reminder_rows.plan_each(session, ASK, minutes.id, now, asleep)
    await runtime.outbox.queue_to_each(session, awake, lambda t: say.ask(t, submitted, circle))
    await runtime.outbox.queue_to_each(session, people, post, ChatKind.EMAIL)
    await _plan_reminders(session, runtime, minutes, people, version.submitted_by_id)


def _per_language(
    build: Callable[[Translator], OutgoingMessage],
) -> Callable[[Translator], OutgoingMessage]:
    """`build`, made once per language: a summary with its changes takes a while."""
    made: dict[str, OutgoingMessage] = {}

    def once(t: Translator) -> OutgoingMessage:
        if t.code not in made:
            made[t.code] = build(t)
        return made[t.code]

    return once


async def _plan_reminders(
    session: AsyncSession,
    runtime: Runtime,
    minutes: Minutes,
    people: list[Member],
    answered_id: int | None,
) -> None:
    """The deadline, and for each member one reminder the day before it, at the start of
    their reminder hours (or as soon as they begin, if that is too close)."""
    deadline = minutes.deadline
    if deadline is None:
        return
    now, tz = runtime.clock.now(), runtime.settings.network.tz
    if minutes.rule is not ApprovalRule.MEETING:
        reminder_rows.plan(session, DEADLINE, deadline, minutes.id, now)
    day_before = (deadline.astimezone(tz) - timedelta(days=1)).date()
    spans = await reminder_hours_of(session, people, runtime.settings.reminders)
    due = {}
    for person in people:
        if person.id == answered_id:
            continue
        span = spans[person.id]
        at = next_within(span, max(at_minute(day_before, span[0], tz), now), tz)
        if at < deadline:
            due[person.id] = at
    await reminder_rows.plan_each(session, REMIND, minutes.id, now, due)


async def answer(
    session: AsyncSession, runtime: Runtime, version_id: int, member: Member, approved: bool
) -> tuple[Minutes, MinutesVersion]:
    """The member approves the version, or asks for changes (their next private message is
    the comment). The rule may decide the minutes at once."""
    version = await session.get(
        MinutesVersion, version_id, options=[defer(MinutesVersion.data, raiseload=True)]
    )
    if version is None:
        raise UserError(N_("These minutes no longer exist."))
    minutes = await session.get_one(Minutes, version.minutes_id)
    if minutes.status is MinutesStatus.APPROVED:
        raise UserError(N_("These minutes are approved already; nothing can change now."))
    if minutes.status is MinutesStatus.REJECTED:
        raise UserError(
            N_("These minutes were not approved. A corrected version can be sent with /minutes.")
        )
    newest = await latest(session, minutes.id)
    if newest is not None and newest.id != version.id:
        raise UserError(
            N_(
                "Version {old} has been replaced by version {new}. Please answer to version "
                "{new}: I have sent it to you."
            ),
            old=version.number,
            new=newest.number,
        )
    circle = await session.get_one(Circle, minutes.circle_id)
    if await session.get(CircleMembership, (circle.id, member.id)) is None:
        raise UserError(N_("Only members of {circle} answer to its minutes."), circle=circle.name)
    given = await _answer_of(session, version.id, member.id)
    now = runtime.clock.now()
    if given is not None and given.approved and approved:
        raise UserError(N_("You have already approved version {number}."), number=version.number)
    if given is None:
        given = MinutesAnswer(version_id=version.id, member_id=member.id, approved=approved)
        session.add(given)
    given.approved, given.answered_at = approved, now
    if approved:
        given.comment = None
    else:
        member.awaiting, member.awaiting_since = f"{COMMENT}:{version.id}", now
    await session.flush()
    await reminder_rows.forget(session, minutes.id, (ASK, REMIND), member.id)
    await settle(session, runtime, minutes, version, at_deadline=False)
    return minutes, version


async def pass_on_comment(
    session: AsyncSession, runtime: Runtime, version_id: int, member: Member, comment: str
) -> list[Member]:
    """What should change, to whoever sent the version and the circle's coordinators;
    returns them."""
    check_length(comment, MAX_COMMENT)
    version = await session.get(
        MinutesVersion, version_id, options=[defer(MinutesVersion.data, raiseload=True)]
    )
    if version is None:
        return []
    given = await _answer_of(session, version.id, member.id)
    if given is not None and not given.approved:
        given.comment = comment
    minutes = await session.get_one(Minutes, version.minutes_id)
    meeting = await _meeting_of(session, minutes)
    coordinators = await circles.coordinators(session, minutes.circle_id)
    told: dict[int, Member] = {}
    submitter = await _member(session, version.submitted_by_id)
    for person in (submitter, *coordinators):
        if person is not None and person.id != member.id and person.id not in told:
            told[person.id] = person
            await runtime.outbox.queue_private(
                session,
                person,
                lambda t: say.change_request(t, meeting, version, member, comment),
            )
    return list(told.values())


async def settle(
    session: AsyncSession,
    runtime: Runtime,
    minutes: Minutes,
    version: MinutesVersion,
    at_deadline: bool,
) -> bool:
    """Decide the minutes if their rule says the answers so far (or the deadline) do."""
    answers = await _answers(session, minutes, version)
    people = len(answers)
    approvals = sum(1 for _, given in answers if given is not None and given.approved)
    changes = any(given is not None and not given.approved for _, given in answers)
    outcome: MinutesStatus | None = None
    if minutes.rule is ApprovalRule.ALL:
        if people and approvals == people:
            outcome = MinutesStatus.APPROVED
    elif minutes.rule is ApprovalRule.MAJORITY:
        if approvals * 2 > people:
            outcome = MinutesStatus.APPROVED
    elif minutes.rule is ApprovalRule.SILENCE and at_deadline and not changes:
        outcome = MinutesStatus.APPROVED
    if outcome is None and at_deadline and minutes.rule is not ApprovalRule.MEETING:
        outcome = MinutesStatus.REJECTED
    if outcome is None:
        return False
    await decide(session, runtime, minutes, version, outcome, recorded_by=None)
    return True


async def record_vote(
    session: AsyncSession, runtime: Runtime, minutes: Minutes, coordinator: Member, approved: bool
) -> None:
    """/minutes approve (or reject): the meeting's vote, recorded by a coordinator."""
    if minutes.rule is not ApprovalRule.MEETING:
        raise UserError(
            N_(
                "These minutes are approved by the answers, not at a meeting: /minutes rule "
                "shows how."
            )
        )
    version = await latest(session, minutes.id)
    assert version is not None  # minutes are made with their first version
    outcome = MinutesStatus.APPROVED if approved else MinutesStatus.REJECTED
    await decide(session, runtime, minutes, version, outcome, recorded_by=coordinator)


async def decide(
    session: AsyncSession,
    runtime: Runtime,
    minutes: Minutes,
    version: MinutesVersion,
    outcome: MinutesStatus,
    recorded_by: Member | None,
) -> None:
    """Freeze the outcome; on approval the decisions go into the log and the action items
    become tasks; the record goes to every chat of the circle and by email."""
    now = runtime.clock.now()
    minutes.status, minutes.decided_at = outcome, now
    minutes.decided_by_id = recorded_by.id if recorded_by else None
    await reminder_rows.forget(session, minutes.id, (ASK, REMIND, DEADLINE))
    circle = await session.get_one(Circle, minutes.circle_id)
    meeting = await _meeting_of(session, minutes)
    made: list[Task] = []
    not_made: list[tuple[str, UserError]] = []
    if outcome is MinutesStatus.APPROVED:
        for text in version.decisions:
            session.add(
                Decision(circle_id=circle.id, version_id=version.id, text=text, decided_at=now)
            )
        made, not_made = await _tasks_of(session, runtime, circle, version)
    result = say.Outcome(
        minutes=minutes,
        meeting=meeting,
        version=version,
        answers=[(p.display_name, a) for p, a in await _answers(session, minutes, version)],
        recorded_by=recorded_by.display_name if recorded_by else None,
        tasks=[task.id for task in made],
        not_tasks=not_made,
    )
    # Group posts speak the chat's language, else that of whoever recorded or sent them.
    speaker = recorded_by or await _member(session, version.submitted_by_id)
    fallback = await _translator(session, runtime, speaker)
    record = _per_language(lambda t: say.record(t, result))
    for channel, languages in await _group_chats(session, runtime, circle.id, fallback):
        await runtime.outbox.queue(session, channel, chat_languages.post(languages, record))
    people = [m.member for m in await memberships(session, circle)]
    await runtime.outbox.queue_to_each(session, people, record, ChatKind.EMAIL)


async def _tasks_of(
    session: AsyncSession, runtime: Runtime, circle: Circle, version: MinutesVersion
) -> tuple[list[Task], list[tuple[str, UserError]]]:
    """The action items as tasks of the circle, given by whoever sent the minutes; the
    owners are asked to take them on as usual. An item that cannot be one is reported."""
    now, tz = runtime.clock.now(), runtime.settings.network.tz
    creator = await _member(session, version.submitted_by_id)
    t = await _translator(session, runtime, creator)  # the language the items are in
    reader = Reader(t.locale, t)
    platform = version.platform or "console"
    made: list[Task] = []
    not_made: list[tuple[str, UserError]] = []
    for text in version.actions:
        # Everything that can fail is asked before anything is written.
        try:
            request = read_task(text, t, reader=reader)
            if request is None:
                raise UserError(N_("It names no one and nothing to do."))
            repeat, due = await tasks.due_for(session, circle, reader, request, now, tz)
            named = [*request.owners, *([request.deputy] if request.deputy else [])]
            people = [
                await members.expect(session, circle.network_id, platform, name, now)
                for name in named
            ]
            deputy = people.pop() if request.deputy else None
            made += await tasks.create(
                session, runtime, circle, creator, people, request.what, due, deputy, repeat
            )
        except UserError as error:
            not_made.append((text, error))
    return made, not_made


async def _answer_of(
    session: AsyncSession, version_id: int, member_id: int
) -> MinutesAnswer | None:
    return await session.scalar(
        select(MinutesAnswer).where(
            MinutesAnswer.version_id == version_id, MinutesAnswer.member_id == member_id
        )
    )


async def _meeting_of(session: AsyncSession, minutes: Minutes) -> Meeting | None:
    return await session.get(Meeting, minutes.meeting_id) if minutes.meeting_id else None


async def _group_chats(
    session: AsyncSession, runtime: Runtime, circle_id: int, fallback: Translator
) -> list[tuple[Channel, list[Translator]]]:
    """The circle's group chats, each with its languages, else `fallback`'s."""
    groups = await circles.group_chats(session, circle_id)
    return [(c, chat_languages.translators(runtime.catalogs, c, fallback.code)) for c in groups]


async def _translator(session: AsyncSession, runtime: Runtime, person: Member | None) -> Translator:
    if person is None:
        return runtime.catalogs.translator(runtime.settings.network.language)
    return await runtime.outbox.translator_for(session, person)


async def _member(session: AsyncSession, member_id: int | None) -> Member | None:
    return await session.get(Member, member_id) if member_id is not None else None


async def _answers(
    session: AsyncSession, minutes: Minutes, version: MinutesVersion
) -> list[tuple[Member, MinutesAnswer | None]]:
    """Each member the version was sent to (a member of the circle then), by name, with
    their answer to it."""
    rows = await session.execute(
        select(Member, MinutesAnswer)
        .join(CircleMembership, CircleMembership.member_id == Member.id)
        .outerjoin(
            MinutesAnswer,
            (MinutesAnswer.member_id == Member.id) & (MinutesAnswer.version_id == version.id),
        )
        .where(
            CircleMembership.circle_id == minutes.circle_id,
            CircleMembership.joined_at <= version.submitted_at,
        )
        .order_by(Member.name_key)
    )
    return [(person, given) for person, given in rows]


async def _unanswered(
    session: AsyncSession, minutes: Minutes | None, member_id: int | None
) -> tuple[Member, MinutesVersion] | None:
    """The member and the newest version of the open minutes, if they have not answered."""
    person = await _member(session, member_id)
    if minutes is None or person is None or minutes.status is not MinutesStatus.OPEN:
        return None
    version = await latest(session, minutes.id)
    assert version is not None  # minutes are made with their first version
    answered = await _answer_of(session, version.id, person.id)
    return None if answered is not None else (person, version)


async def remind(session: AsyncSession, runtime: Runtime, reminder: Reminder) -> None:
    """The newest version to a member whose quiet hours it came in (ASK), or the one
    reminder before the deadline (REMIND); neither once they have answered it."""
    minutes = await session.get(Minutes, reminder.subject_id)
    found = await _unanswered(session, minutes, reminder.member_id)
    if minutes is None or found is None:
        return
    person, version = found
    meeting = await _meeting_of(session, minutes)
    if reminder.kind == REMIND:
        await runtime.outbox.queue_private(
            session, person, lambda t: say.reminder(t, minutes, meeting, version)
        )
        return
    circle = await session.get_one(Circle, minutes.circle_id)
    previous = await before(session, minutes.id, version.number)
    submitted = Submitted(minutes, meeting, version, previous)
    await runtime.outbox.queue_private(session, person, lambda t: say.ask(t, submitted, circle))


async def deadline_passed(session: AsyncSession, runtime: Runtime, reminder: Reminder) -> None:
    minutes = await session.get(Minutes, reminder.subject_id)
    if minutes is None or minutes.status is not MinutesStatus.OPEN:
        return
    version = await latest(session, minutes.id)
    assert version is not None
    await settle(session, runtime, minutes, version, at_deadline=True)


async def decisions(session: AsyncSession, circle_id: int, limit: int = 50) -> list[Decision]:
    return list(
        await session.scalars(
            select(Decision)
            .where(Decision.circle_id == circle_id)
            # Newest minutes first; each one's decisions in the order they were written.
            .order_by(Decision.decided_at.desc(), Decision.version_id.desc(), Decision.id)
            .limit(limit)
        )
    )


async def set_email(
    session: AsyncSession, member: Member, address: str | None, now: datetime
) -> None:
    """The member's address for copies of the minutes; None: no more email."""
    await session.execute(
        delete(Channel).where(Channel.member_id == member.id, Channel.kind == ChatKind.EMAIL)
    )
    if address is None:
        return
    taken = await session.scalar(
        select(Channel.id).where(Channel.platform == "email", Channel.chat_id == address)
    )
    if taken is not None:
        raise UserError(N_("This address is already given by someone else."))
    session.add(
        Channel(
            platform="email",
            chat_id=address,
            kind=ChatKind.EMAIL.value,
            title=None,
            member_id=member.id,
            circle_id=None,
            created_at=now,
        )
    )


async def email_of(session: AsyncSession, member: Member) -> str | None:
    return await session.scalar(
        select(Channel.chat_id).where(
            Channel.member_id == member.id, Channel.kind == ChatKind.EMAIL
        )
    )
