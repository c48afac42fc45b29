"""What the bot says about minutes, built for one reader's language."""

from __future__ import annotations

import difflib

from bot.db.models import Meeting, Minutes, MinutesStatus, MinutesVersion
from bot.i18n import N_, Translator
from bot.messages import Attachment, OutgoingMessage, RichText

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


def summary(
    t: Translator,
    minutes: Minutes,
    meeting: Meeting | None,
    version: MinutesVersion,
    previous: MinutesVersion | None,
) -> OutgoingMessage:
    """The version, its fingerprint, what was read out of it, and what changed."""
    lines = [
        t(
            N_("{title}, version {number}"),
            title=of_meeting(t, meeting),
            number=version.number,
        ),
        t(N_("SHA-256: {sha}"), sha=version.sha256),
    ]
    if minutes.deadline is not None:
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
        lines += changes(t, previous, version)
    return OutgoingMessage(RichText.of("\n".join(lines)))


def changes(t: Translator, before: MinutesVersion, after: MinutesVersion) -> list[str]:
    """What changed from `before` to `after`: the changed lines, or that the file changed."""
    if before.text is None or after.text is None:
        return [t(N_("Changed since version {number}: the file."), number=before.number)]
    diff = [
        line
        for line in difflib.unified_diff(
            before.text.splitlines(), after.text.splitlines(), n=0, lineterm=""
        )
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    head = t(
        N_("Changed since version {number}: {added} lines added, {removed} removed."),
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
