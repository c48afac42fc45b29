"""What the bot says about minutes, built for one reader's language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.db.models import (
    ApprovalRule,
    Circle,
    Decision,
    Meeting,
    Member,
    Minutes,
    MinutesAnswer,
    MinutesStatus,
    MinutesVersion,
)
from bot.errors import UserError
from bot.i18n import N_, Translator
from bot.messages import Attachment, Button, OutgoingMessage, RichText

if TYPE_CHECKING:
    from bot.services.minutes import Submitted

MAX_CHANGED_LINES = 20  # shown of a change; the file has the rest
STATUS = {
    MinutesStatus.OPEN: N_("open for approval"),
    MinutesStatus.APPROVED: N_("approved"),
    MinutesStatus.REJECTED: N_("not approved"),
}


def of_meeting(t: Translator, meeting: Meeting | None) -> str:
    if meeting is None or meeting.starts_at is None:
        return t(N_("Minutes"))
    return t(
        N_("Minutes of {meeting} on {date}"),
        meeting=meeting.title,
        date=t.date(meeting.starts_at),
    )


def summary(t: Translator, submitted: Submitted) -> OutgoingMessage:
    """The version, its fingerprint, what was read out of it, and what changed."""
    minutes, meeting, version = submitted.minutes, submitted.meeting, submitted.version
    previous = submitted.previous
    lines = [
        t(
            N_("{title}, version {number}"),
            title=of_meeting(t, meeting),
            number=version.number,
        ),
        t(N_("SHA-256: {sha}"), sha=version.sha256),
    ]
    if minutes.rule is ApprovalRule.MEETING:
        lines.append(t(N_("To be approved at the next meeting.")))
    elif minutes.deadline is not None:
        lines.append(t(N_("Answers by: {deadline}"), deadline=t.datetime(minutes.deadline)))
    lines.append(t(N_("Decisions ({count}):"), count=len(version.decisions)))
    lines += [f"{n}. {text}" for n, text in enumerate(version.decisions, start=1)]
    lines.append(t(N_("Action items ({count}):"), count=len(version.actions)))
    lines += [f"{n}. {text}" for n, text in enumerate(version.actions, start=1)]
    if version.text is None:
        lines.append(
            t(N_("I found no text in this PDF, so no decisions or action items were read."))
        )
    if previous is not None:
        lines += changes(t, submitted)
    return OutgoingMessage(RichText.of("\n".join(lines)))


def changes(t: Translator, submitted: Submitted) -> list[str]:
    """What changed since the previous version: the changed lines, or that the file did."""
    before, diff = submitted.previous, submitted.changed_lines
    assert before is not None
    if diff is None:
        return [t(N_("Changed since version {number}: the file."), number=before.number)]
    head = t(
        N_("Changed since version {number}: +{added} −{removed} lines."),
        number=before.number,
        added=sum(line.startswith("+") for line in diff),
        removed=sum(line.startswith("-") for line in diff),
    )
    shown = [f"{line[0]} {line[1:].strip()}" for line in diff[:MAX_CHANGED_LINES]]
    if len(diff) > MAX_CHANGED_LINES:
        shown.append(t(N_("… and {count} more."), count=len(diff) - MAX_CHANGED_LINES))
    return [head, *shown]


def archive(t: Translator, entries: list[tuple[Minutes, Meeting | None, int]]) -> OutgoingMessage:
    if not entries:
        return OutgoingMessage(
            RichText.of(
                t(
                    N_(
                        "No minutes yet. The minute-taker or a coordinator sends them with "
                        "/minutes and the file attached, or the text after /minutes."
                    )
                )
            )
        )
    lines = [t(N_("Minutes of this circle:"))]
    for minutes, meeting, versions in entries:
        lines.append(
            t(
                N_("{number}. {title}: {versions}, {status}"),
                number=minutes.id,
                title=of_meeting(t, meeting),
                versions=t.plural("{n} version", "{n} versions", versions),
                status=t(STATUS[minutes.status]),
            )
        )
    lines.append(t(N_("/minutes show N sends the latest version of N again.")))
    return OutgoingMessage(RichText.of("\n".join(lines)))


def again(t: Translator, version: MinutesVersion) -> OutgoingMessage:
    text = t(N_("Version {number}, SHA-256: {sha}"), number=version.number, sha=version.sha256)
    return OutgoingMessage(
        RichText.of(text),
        attachments=(Attachment(version.filename, version.mime_type, version.data),),
    )


RULES = {
    ApprovalRule.ALL: N_("everyone must approve"),
    ApprovalRule.MAJORITY: N_("a majority of the members must approve"),
    ApprovalRule.SILENCE: N_(
        "silence means consent: approved at the deadline unless someone asks for changes"
    ),
    ApprovalRule.MEETING: N_("at the next meeting, recorded by a coordinator"),
}


def circulated(t: Translator, submitted: Submitted) -> OutgoingMessage:
    """For the circle's chats and email: the summary with the file."""
    body = summary(t, submitted).text.plain
    how = t(N_("How they are approved: {rule}."), rule=t(RULES[submitted.minutes.rule]))
    ask = t(N_("Every member gets [Approve] and [Request changes] from me privately."))
    version = submitted.version
    return OutgoingMessage(
        RichText.of("\n".join((body, how, ask))),
        attachments=(Attachment(version.filename, version.mime_type, version.data),),
    )


def ask(t: Translator, submitted: Submitted, circle: Circle) -> OutgoingMessage:
    """To one member, privately: the summary and the buttons to answer."""
    head = t(N_("Please read the minutes of {circle} and answer."), circle=circle.name)
    rule = t(N_("How they are approved: {rule}."), rule=t(RULES[submitted.minutes.rule]))
    body = summary(t, submitted).text.plain
    return OutgoingMessage(
        RichText.of("\n".join((head, body, rule))),
        buttons=buttons(t, submitted.version.id),
    )


def buttons(t: Translator, version_id: int) -> tuple[tuple[Button, ...], ...]:
    return (
        (
            Button(t(N_("Approve")), f"pok:{version_id}"),
            Button(t(N_("Request changes")), f"pchg:{version_id}"),
        ),
        (Button(t(N_("Send me the file")), f"pfile:{version_id}"),),
    )


def reminder(
    t: Translator, minutes: Minutes, meeting: Meeting | None, version: MinutesVersion
) -> OutgoingMessage:
    text = t(
        N_("Reminder: please answer by {deadline}: {title}, version {number}."),
        deadline=t.datetime(minutes.deadline) if minutes.deadline else "?",
        title=of_meeting(t, meeting),
        number=version.number,
    )
    return OutgoingMessage(RichText.of(text), buttons=buttons(t, version.id))


def change_request(
    t: Translator,
    meeting: Meeting | None,
    version: MinutesVersion,
    person: Member,
    comment: str,
) -> OutgoingMessage:
    text = t(
        N_(
            "{person} asks for changes to {title}, version {number}:\n“{comment}”\n"
            "Send the corrected minutes with /minutes in the circle's chat."
        ),
        person=person.display_name,
        title=of_meeting(t, meeting),
        number=version.number,
        comment=comment,
    )
    return OutgoingMessage(RichText.of(text))


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the record says: the decision, and who answered what."""

    minutes: Minutes
    meeting: Meeting | None
    version: MinutesVersion
    answers: list[tuple[str, MinutesAnswer | None]]  # each member's name and answer
    recorded_by: str | None  # a coordinator, for the meeting's vote
    tasks: list[int]  # the task numbers made of the action items
    not_tasks: list[tuple[str, UserError]]  # action items that could not become one


def record(t: Translator, outcome: Outcome) -> OutgoingMessage:
    minutes, version = outcome.minutes, outcome.version
    decided = minutes.decided_at or version.submitted_at
    lines = [
        t(
            N_("{title}, version {number}: {status}."),
            title=of_meeting(t, outcome.meeting),
            number=version.number,
            status=t(STATUS[minutes.status]),
        ),
        t(N_("Rule: {rule}."), rule=t(RULES[minutes.rule])),
    ]
    if outcome.recorded_by is not None:
        lines.append(
            t(
                N_("Recorded by {person} on {date}."),
                person=outcome.recorded_by,
                date=t.datetime(decided),
            )
        )
    else:
        lines.append(t(N_("Decided on {date}."), date=t.datetime(decided)))
    lines.append(t(N_("SHA-256: {sha}"), sha=version.sha256))
    lines.append(t(N_("Answers:")))
    for name, answer in outcome.answers:
        if answer is None:
            said = t(N_("no answer"))
        elif answer.approved:
            said = t(N_("approved"))
        elif answer.comment:
            said = t(N_("asked for changes: “{comment}”"), comment=answer.comment)
        else:
            said = t(N_("asked for changes"))
        lines.append(f"- {name}: {said}")
    if minutes.status is MinutesStatus.APPROVED:
        if version.decisions:
            lines.append(
                t.plural(
                    "{n} decision is now in the decision log: /decisions",
                    "{n} decisions are now in the decision log: /decisions",
                    len(version.decisions),
                )
            )
        if outcome.tasks:
            lines.append(
                t.plural(
                    "The action item became task {numbers}; I have asked who it is for.",
                    "The action items became tasks {numbers}; I have asked who they are for.",
                    len(outcome.tasks),
                    numbers=", ".join(str(number) for number in outcome.tasks),
                )
            )
        for text, error in outcome.not_tasks:
            lines.append(
                t(
                    N_("Not a task: “{item}”: {reason}"),
                    item=text,
                    reason=error.text(t),
                )
            )
    else:
        lines.append(t(N_("A corrected version can be sent with /minutes.")))
    return OutgoingMessage(RichText.of("\n".join(lines)))


def decisions(t: Translator, found: list[Decision]) -> OutgoingMessage:
    if not found:
        return OutgoingMessage(
            RichText.of(
                t(
                    N_(
                        "No decisions yet. They come from approved minutes: lines starting "
                        "with “Decision:”."
                    )
                )
            )
        )
    lines = [t(N_("Decisions of this circle, newest first:"))]
    lines += [f"{t.day(d.decided_at.astimezone(t.tz).date())}: {d.text}" for d in found]
    return OutgoingMessage(RichText.of("\n".join(lines)))
