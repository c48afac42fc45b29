"""What the bot says about meetings, built for one reader's language: the proposal, the
poll and its tally, the announcement with its calendar file, reminders and notices."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.calendar_file import CalendarEntry, ics
from bot.db.models import Answer, Circle, Meeting, MeetingSlot, MeetingStatus
from bot.i18n import N_, Translator
from bot.messages import Attachment, Button, OutgoingMessage, RichText, bold

if TYPE_CHECKING:
    from bot.proposals import Candidate
    from bot.services.meetings import Poll

# Features a place may have, as /place access names them; stored by key on the circle.
ACCESS_FEATURES = {
    "step-free": N_("step-free access"),
    "hearing-loop": N_("hearing loop"),
    "sign-language": N_("sign language interpreting"),
}
ANSWERS = {
    Answer.YES: N_("{n}: yes"),
    Answer.MAYBE: N_("{n}: if need be"),
    Answer.NO: N_("{n}: no"),
}
ANSWER_CODES = {Answer.YES: "y", Answer.MAYBE: "m", Answer.NO: "n"}

DECIDED = N_("{meeting} takes place on {when}.")
MOVED = N_("{meeting} has been moved to {when}.")
CANCELLED = N_("{meeting} on {when} is cancelled.")
EVE = N_("Reminder: {meeting} is tomorrow, {when}.")
SOON = N_("Reminder: {meeting} begins in two hours, {when}.")


@dataclass(frozen=True, slots=True)
class Details:
    meeting: Meeting
    circle: Circle
    agenda: list[str]
    moderator: str | None
    minute_taker: str | None


def slot_label(t: Translator, starts_at: datetime, minutes: int) -> str:
    """ "Tue, Dec 1, 2026, 6:00 PM–8:00 PM", in the reader's way of writing it."""
    end = (starts_at + timedelta(minutes=minutes)).astimezone(t.tz)
    return f"{t.datetime(starts_at)}–{t.clock(end.hour * 60 + end.minute)}"


def draft(
    t: Translator, meeting: Meeting, found: Sequence[Candidate], members: int
) -> OutgoingMessage:
    text = RichText.format(
        t("Proposed slots for {title} ({duration}):"),
        title=bold(meeting.title),
        duration=duration(t, meeting.duration_minutes),
    )
    if found and found[0].unknown:
        text += "\n" + t(
            "{unknown} of {members} have not said when they can come (/availability).",
            unknown=found[0].unknown,
            members=members,
        )
    for number, slot in enumerate(found, 1):
        text += f"\n{number}. {slot_label(t, slot.starts_at, meeting.duration_minutes)} – "
        text += t(
            "{can} of {members} can come, {volunteers} of them volunteers",
            can=slot.can_come,
            members=members,
            volunteers=slot.volunteers,
        )
    if not found:
        text += "\n" + t("No slot fits. Add one with /meeting add DATE TIME.")
    text += "\n" + t(
        "Change them with /meeting add DATE TIME or /meeting remove N, then publish the poll."
    )
    buttons = ((Button(t("Publish the poll"), f"mpub:{meeting.id}"),),) if found else ()
    return OutgoingMessage(text, buttons=buttons)


def duration(t: Translator, minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not rest:
        return t.plural("{n} hour", "{n} hours", hours)
    if not hours:
        return t.plural("{n} minute", "{n} minutes", rest)
    return t("{hours} h {minutes} min", hours=hours, minutes=rest)


def poll(t: Translator, state: Poll, intro: str | None = None) -> OutgoingMessage:
    """The slots with a row of answers to tap for each."""
    meeting = state.meeting
    text = RichText.of(intro + "\n") if intro else RichText()
    text += RichText.format(
        t("When can you come to {title}? Tap an answer for every slot."), title=bold(meeting.title)
    )
    rows = []
    for number, slot in enumerate(state.slots, 1):
        text += f"\n{number}. {slot_label(t, slot.starts_at, meeting.duration_minutes)}"
        rows.append(
            tuple(
                Button(t(label, n=number), f"mv:{slot.id}:{ANSWER_CODES[answer]}")
                for answer, label in ANSWERS.items()
            )
        )
    if meeting.deadline:
        text += "\n" + t("The poll closes {when}.", when=t.datetime(meeting.deadline))
    return OutgoingMessage(text, buttons=tuple(rows))


def tally(t: Translator, state: Poll, replaces: str | None = None) -> OutgoingMessage:
    meeting = state.meeting
    text = RichText.format(
        t("Answers for {title} ({count}):"),
        title=bold(meeting.title),
        count=str(state.answered),
    )
    for number, slot in enumerate(state.slots, 1):
        count = state.counts[slot.id]
        text += f"\n{number}. {slot_label(t, slot.starts_at, meeting.duration_minutes)}: "
        text += t(
            "{yes} yes, {maybe} if need be, {no} no",
            yes=count.yes,
            maybe=count.maybe,
            no=count.no,
        )
    if meeting.status not in (MeetingStatus.DRAFT, MeetingStatus.POLL):
        text += "\n" + t("The poll is closed.")
    return OutgoingMessage(text, replaces=replaces)


def status(t: Translator, state: Poll, for_coordinator: bool) -> RichText:
    text = tally(t, state).text
    if state.meeting.deadline and state.meeting.status is MeetingStatus.POLL:
        text += "\n" + t("The poll closes {when}.", when=t.datetime(state.meeting.deadline))
    if for_coordinator:
        text += "\n" + t(
            "Answered ({count}): {names}",
            count=len(state.answered_names),
            names=", ".join(state.answered_names) or "–",
        )
        text += "\n" + t(
            "Not yet ({count}): {names}",
            count=len(state.silent_names),
            names=", ".join(state.silent_names) or "–",
        )
    return text


def tie(
    t: Translator, meeting: Meeting, slots: Sequence[MeetingSlot], tied: Sequence[MeetingSlot]
) -> OutgoingMessage:
    numbers = ", ".join(str(slots.index(slot) + 1) for slot in tied)
    text = RichText.format(
        t("The poll for {title} is closed. Slots {numbers} are tied; a coordinator picks one:"),
        title=bold(meeting.title),
        numbers=numbers,
    )
    buttons = tuple(
        (Button(slot_label(t, slot.starts_at, meeting.duration_minutes), f"mpick:{slot.id}"),)
        for slot in tied
    )
    return OutgoingMessage(text, buttons=buttons)


def poll_cancelled(t: Translator, meeting: Meeting) -> OutgoingMessage:
    return OutgoingMessage(
        RichText.format(t("The poll for {title} is cancelled."), title=bold(meeting.title))
    )


def announcement(
    t: Translator,
    details: Details,
    headline: str,
    tz: ZoneInfo,
    now: datetime,
    attach: bool = True,
) -> OutgoingMessage:
    meeting, circle = details.meeting, details.circle
    assert meeting.starts_at is not None
    when = slot_label(t, meeting.starts_at, meeting.duration_minutes)
    text = RichText.format(t(headline), meeting=bold(name(meeting, circle)), when=bold(when))
    lines = place_lines(t, circle)
    if details.moderator:
        lines.append(t("Moderation: {name}", name=details.moderator))
    if details.minute_taker:
        lines.append(t("Minutes: {name}", name=details.minute_taker))
    if details.agenda:
        lines.append(t("Agenda:"))
        lines += [f"{n}. {item}" for n, item in enumerate(details.agenda, 1)]
    for line in lines:
        text += "\n" + line
    if not attach:
        return OutgoingMessage(text)
    entry = CalendarEntry(
        uid=meeting.uid,
        sequence=meeting.sequence,
        title=name(meeting, circle),
        starts_at=meeting.starts_at,
        duration_minutes=meeting.duration_minutes,
        location=circle.place_address or circle.place_link or "",
        description="\n".join(lines),
        url=circle.place_link or "",
        cancelled=headline == CANCELLED,
    )
    calendar = Attachment(f"meeting-{meeting.id}.ics", "text/calendar", ics(entry, tz, now))
    return OutgoingMessage(text, attachments=(calendar,))


def name(meeting: Meeting, circle: Circle) -> str:
    """ "Plenum", or "Kick-off (AG Wohnen)" when the title does not name the circle."""
    if circle.name.casefold() in meeting.title.casefold():
        return meeting.title
    return f"{meeting.title} ({circle.name})"


def place_lines(t: Translator, circle: Circle) -> list[str]:
    lines = []
    if circle.place_address:
        lines.append(t("Place: {address}", address=circle.place_address))
    features = [key for key in circle.place_access.split(",") if key in ACCESS_FEATURES]
    if features:
        names = ", ".join(t(ACCESS_FEATURES[key]) for key in features)
        lines.append(t("Accessibility: {features}", features=names))
    if circle.place_link:
        lines.append(t("Online: {link}", link=circle.place_link))
    return lines
