"""/meeting: propose slots, publish a poll, answer with taps, close, move, cancel; and the
reminders that go with it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime

from bot import meeting_input, task_messages
from bot import meeting_messages as say
from bot.context import Context, JobContext
from bot.db.models import Circle, Meeting, MeetingSlot, MeetingStatus, Member, Reminder
from bot.errors import UserError
from bot.i18n import N_, Translator
from bot.messages import OutgoingMessage
from bot.registry import (
    Args,
    ButtonAction,
    Capability,
    Command,
    Permission,
    ReminderKind,
    row_number,
)
from bot.services import meetings, tasks
from bot.subcommands import ADD, CANCEL, CLOSE, MOVE, NEW, PUBLISH, REMOVE

WHEN_EXAMPLES = "3.12. 18:00; 2026-12-03 18:30"
CODES = {code: answer for answer, code in say.ANSWER_CODES.items()}


async def meeting(ctx: Context, args: Args) -> OutgoingMessage | None:
    circle = _circle(ctx)
    if not args.words:
        return await _status(ctx, circle)
    action, rest = args.words[0], args.raw[len(args.words[0]) :].strip()
    step = next((step for word, step in ACTIONS.items() if ctx.t.means(action, word)), None)
    if step is None:
        raise ctx.usage_error("meeting")
    if not ctx.is_coordinator:
        raise ctx.coordinators_only(action.lower())
    return await step(ctx, circle, rest)


def _circle(ctx: Context) -> Circle:
    if ctx.circle is None:
        raise UserError(
            N_(
                "Meetings are planned in a circle's chat. A coordinator sets one up "
                "with /setup NAME."
            )
        )
    return ctx.circle


async def _new(ctx: Context, circle: Circle, rest: str) -> OutgoingMessage:
    settings = ctx.runtime.settings.meetings
    title, duration, weeks = meeting_input.new_meeting(rest, ctx.t)
    if weeks is not None and not 1 <= weeks <= 26:
        raise UserError(N_("Please look ahead between 1 and 26 weeks."))
    found = await meetings.create(
        ctx.session,
        ctx.runtime,
        circle,
        ctx.member,
        ctx.t.code,
        title,
        settings.duration_minutes if duration is None else duration,
        settings.within_weeks if weeks is None else weeks,
    )
    return await _draft(ctx, found)


async def _draft(ctx: Context, found: Meeting) -> OutgoingMessage:
    slots, members = await meetings.draft_view(ctx.session, ctx.runtime, found)
    return say.draft(ctx.t, found, slots, members)


async def _add(ctx: Context, circle: Circle, rest: str) -> OutgoingMessage:
    found = await meetings.planning_or_fail(ctx.session, circle.id)
    await meetings.add_slot(ctx.session, found, _when(ctx, rest), ctx.now)
    return await _draft(ctx, found)


async def _remove(ctx: Context, circle: Circle, rest: str) -> OutgoingMessage:
    found = await meetings.planning_or_fail(ctx.session, circle.id)
    if (number := row_number(rest)) is None:
        raise UserError(N_("Please name the slot by its number, for example: /meeting remove 2"))
    meetings.remove_slot(found, number)
    return await _draft(ctx, found)


async def _publish(ctx: Context, circle: Circle, rest: str) -> None:
    found = await meetings.planning_or_fail(ctx.session, circle.id)
    await meetings.publish(ctx.session, ctx.runtime, found)


async def _close(ctx: Context, circle: Circle, rest: str) -> None:
    found = await meetings.planning_or_fail(ctx.session, circle.id)
    await meetings.close(ctx.session, ctx.runtime, found)


async def _move(ctx: Context, circle: Circle, rest: str) -> None:
    found = await meetings.next_scheduled(ctx.session, circle.id, ctx.now)
    if found is None:
        raise UserError(N_("No meeting of this circle is coming up."))
    await meetings.move(ctx.session, ctx.runtime, found, _when(ctx, rest))


async def _cancel(ctx: Context, circle: Circle, rest: str) -> None:
    found = await meetings.planning(ctx.session, circle.id) or await meetings.next_scheduled(
        ctx.session, circle.id, ctx.now
    )
    if found is None:
        raise UserError(N_("No meeting of this circle is coming up."))
    await meetings.cancel(ctx.session, ctx.runtime, found)


def _when(ctx: Context, text: str) -> datetime:
    today = ctx.now.astimezone(ctx.t.tz).date()
    try:
        return meeting_input.when(text, today, ctx.t.tz)
    except meeting_input.Unreadable:
        raise UserError(
            N_("Please give a date and a time, for example: {examples}"), examples=WHEN_EXAMPLES
        ) from None


async def _status(ctx: Context, circle: Circle) -> OutgoingMessage:
    found = await meetings.planning(ctx.session, circle.id)
    if found is not None and found.status is MeetingStatus.DRAFT:
        return await _draft(ctx, found)
    if found is not None:
        poll = await meetings.poll_state(ctx.session, found, names=ctx.is_coordinator)
        return OutgoingMessage(say.status(ctx.t, poll, ctx.is_coordinator))
    coming = await meetings.next_scheduled(ctx.session, circle.id, ctx.now)
    if coming is None:
        return ctx.text(N_("No meeting of this circle is coming up."))
    details = await meetings.details_of(ctx.session, coming)
    tz = ctx.runtime.settings.network.tz
    return say.announcement(ctx.t, details, say.DECIDED, tz, ctx.now, attach=False)


ACTIONS: dict[str, Callable[[Context, Circle, str], Awaitable[OutgoingMessage | None]]] = {
    NEW: _new,
    ADD: _add,
    REMOVE: _remove,
    PUBLISH: _publish,
    CLOSE: _close,
    MOVE: _move,
    CANCEL: _cancel,
}


# Taps


async def answer(ctx: Context, params: tuple[str, ...]) -> None:
    """mv:SLOT:y|m|n, from the poll in a group or the reminder in a private chat."""
    slot = row_number(params[0]) if len(params) == 2 else None
    if slot is None or params[1] not in CODES:
        raise UserError(N_("This button no longer works. Please start again."))
    await ctx.ensure_private_chat()  # reminders reach them there
    await meetings.vote(ctx.session, ctx.runtime, ctx.member, slot, CODES[params[1]])


async def publish_button(ctx: Context, params: tuple[str, ...]) -> None:
    found = await _meeting_of_button(ctx, params)
    await meetings.publish(ctx.session, ctx.runtime, found)


async def pick(ctx: Context, params: tuple[str, ...]) -> None:
    """mpick:SLOT: a coordinator settles a tie."""
    slot = await ctx.session.get(MeetingSlot, int(params[0])) if _numeric(params) else None
    found = await ctx.session.get(Meeting, slot.meeting_id) if slot else None
    if slot is None or found is None or found.circle_id != _circle(ctx).id:
        raise UserError(N_("This button no longer works. Please start again."))
    await meetings.decide(ctx.session, ctx.runtime, found, slot)


async def _meeting_of_button(ctx: Context, params: tuple[str, ...]) -> Meeting:
    found = await ctx.session.get(Meeting, int(params[0])) if _numeric(params) else None
    if found is None or found.circle_id != _circle(ctx).id:
        raise UserError(N_("This button no longer works. Please start again."))
    return found


def _numeric(params: tuple[str, ...]) -> bool:
    return len(params) == 1 and row_number(params[0]) is not None


# Reminders


async def _subject(job: JobContext, reminder: Reminder) -> Meeting | None:
    return await job.session.get(Meeting, reminder.subject_id) if reminder.subject_id else None


async def deadline(job: JobContext, reminder: Reminder) -> None:
    found = await _subject(job, reminder)
    if found is not None and found.status is MeetingStatus.POLL:
        await meetings.close(job.session, job.runtime, found)


async def refresh_tally(job: JobContext, reminder: Reminder) -> None:
    found = await _subject(job, reminder)
    if found is not None and found.status is MeetingStatus.POLL:
        await meetings.edit_tallies(job.session, job.runtime, found)


async def plan_nudges(job: JobContext, reminder: Reminder) -> None:
    found = await _subject(job, reminder)
    if found is not None:
        await meetings.plan_nudges(job.session, job.runtime, found)


async def nudge(job: JobContext, reminder: Reminder) -> None:
    found = await _subject(job, reminder)
    person = await job.session.get(Member, reminder.member_id) if reminder.member_id else None
    if found is None or person is None or found.status is not MeetingStatus.POLL:
        return
    if await meetings.has_answered(job.session, found, person.id):
        return
    poll = await meetings.poll_state(job.session, found)
    circle = await job.session.get_one(Circle, found.circle_id)

    def build(t: Translator) -> OutgoingMessage:
        intro = t(
            "You have not answered the poll of {circle} yet; it closes {when}.",
            circle=circle.name,
            when=t.datetime(found.deadline) if found.deadline else "",
        )
        return say.poll(t, poll, intro)

    await job.runtime.outbox.queue_private(job.session, person, build)


def _before(
    headline: str, with_tasks: bool = False
) -> Callable[[JobContext, Reminder], Awaitable[None]]:
    """A reminder before the meeting; the one the evening before lists the circle's open
    tasks, so that people come knowing where things stand."""

    async def remind(job: JobContext, reminder: Reminder) -> None:
        found = await _subject(job, reminder)
        if found is None or found.status is not MeetingStatus.SCHEDULED:
            return
        details = await meetings.details_of(job.session, found)
        tz, now = job.runtime.settings.network.tz, job.now
        today = now.astimezone(tz).date()
        open_tasks = await tasks.listing(job.session, circle_id=found.circle_id)
        people = await meetings.attendees(job.session, found, reminder.member_id)

        def build(t: Translator) -> OutgoingMessage:
            message = say.announcement(t, details, headline, tz, now, attach=False)
            if not (with_tasks and open_tasks):
                return message
            lines = task_messages.listing(t, t("Open tasks:"), open_tasks, today)
            return replace(message, text=message.text + "\n" + "\n".join(lines))

        for person in people:
            await job.runtime.outbox.queue_private(job.session, person, build)

    return remind


async def held(job: JobContext, reminder: Reminder) -> None:
    found = await _subject(job, reminder)
    if found is not None and found.status is MeetingStatus.SCHEDULED:
        await meetings.mark_held(job.session, found)


CAPABILITY = Capability(
    name="meetings",
    commands=(
        Command(
            "meeting",
            meeting,
            N_("Plan the circle's next meeting: proposals, a poll, the date"),
            usage=N_(
                "[{new} TITLE | {add} DATE TIME | {remove} N | {publish} | {close} | "
                "{move} DATE TIME | {cancel}]"
            ),
            words={
                "new": NEW,
                "add": ADD,
                "remove": REMOVE,
                "publish": PUBLISH,
                "close": CLOSE,
                "move": MOVE,
                "cancel": CANCEL,
            },
            max_args=None,
            aliases={"de": "termin", "tr": "toplanti"},
        ),
    ),
    buttons=(
        ButtonAction("mv", answer),
        ButtonAction("mpub", publish_button, Permission.COORDINATOR),
        ButtonAction("mpick", pick, Permission.COORDINATOR),
    ),
    reminders=(
        ReminderKind(meetings.DEADLINE, deadline),
        ReminderKind(meetings.TALLY, refresh_tally),
        ReminderKind(meetings.NUDGE, plan_nudges),
        ReminderKind(meetings.NUDGE_PERSON, nudge),
        ReminderKind(meetings.EVE, _before(say.EVE, with_tasks=True)),
        ReminderKind(meetings.SOON, _before(say.SOON)),
        ReminderKind(meetings.HELD, held),
    ),
)
