"""What the bot says about commitments, built for one reader's language."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from datetime import date, datetime

from bot.db.models import Circle, Member, Task, TaskStatus
from bot.due_dates import Clash, Due
from bot.i18n import N_, Translator
from bot.messages import Attachment, Button, OutgoingMessage, RichText, bold

ACCEPTED = N_("{person} has taken on task {number}: {task}")
DECLINED = N_(
    "{person} cannot do task {number}: {task}. Please find someone else: /reassign {number} @PERSON"
)
DONE = N_("{person} has done task {number}: {task}")
PASSED_TO_DEPUTY = N_(
    "{person} gave task {number} back; {deputy}, the deputy, is asked now: {task}"
)
REASSIGNED = N_("Task {number} now goes to {person}; you no longer need to do it: {task}")


def due(t: Translator, task: Task) -> str:
    """ "Fri, Nov 27, 2026" or, with a time of day, "Fri, Nov 27, 2026, 6:00 PM"."""
    if task.due_time is None:
        return t.day(task.due_on)
    return t.datetime(datetime.combine(task.due_on, task.due_time, t.tz))


def clash(t: Translator, due: Due) -> str | None:
    """A due time that daylight saving skips or repeats that day, said plainly."""
    if due.clash is None or due.at is None:
        return None
    values = {"time": t.clock(due.at.hour * 60 + due.at.minute), "day": t.day(due.day)}
    if due.clash is Clash.SKIPPED:
        return t(
            N_(
                "Note: {time} does not exist on {day}; the clocks go forward an hour. "
                "The task is due an hour later."
            ),
            **values,
        )
    return t(
        N_(
            "Note: {time} comes twice on {day}; the clocks go back an hour. "
            "The task is due at the first {time}."
        ),
        **values,
    )


def created(
    t: Translator,
    tasks: list[Task],
    owners: dict[int, str],
    waiting: list[str],
    clash: str | None,
) -> str:
    lines = [
        t(
            "Task {number} for {person}: {task}, due {due}.",
            number=task.id,
            person=owners.get(task.owner_id or 0, "?"),
            task=task.text,
            due=due(t, task),
        )
        for task in tasks
    ]
    lines.append(t("I have asked privately whether they take it on."))
    if waiting:
        lines.append(waiting_for(t, waiting))
    if clash:
        lines.append(clash)
    return "\n".join(lines)


def waiting_for(t: Translator, people: list[str]) -> str:
    return t(
        "Not written to me yet: {people}. I will ask as soon as they write here or send me /start.",
        people=", ".join(people),
    )


def request(
    t: Translator, task: Task, circle: Circle, creator: Member | None, deputy: bool
) -> OutgoingMessage:
    if deputy:
        ask = t("You are the deputy for task {number} in {circle}. Can you take it on?")
    else:
        ask = t("{person} asks you in {circle} to take on task {number}.")
    text = RichText.of(
        ask.format(
            number=task.id, circle=circle.name, person=creator.display_name if creator else "?"
        ),
        "\n",
        bold(task.text),
        "\n" + t("Due: {due}", due=due(t, task)),
    )
    buttons = (
        (Button(t("I'll do it"), f"tyes:{task.id}"), Button(t("I can't"), f"tno:{task.id}")),
    )
    return OutgoingMessage(text, buttons=buttons)


def reminder(t: Translator, task: Task, circle: Circle, today: date, late: bool) -> OutgoingMessage:
    if task.due_on > today:
        head = t("Reminder: task {number} in {circle} is due {due}.")
    elif task.due_on == today:
        head = t("Reminder: task {number} in {circle} is due today, {due}.")
    else:
        head = t("Task {number} in {circle} was due {due}. How is it going?")
    text = RichText.of(
        head.format(number=task.id, circle=circle.name, due=due(t, task)), "\n", bold(task.text)
    )
    if late:
        text += "\n" + t("(Sent late: the bot was not running when this reminder was due.)")
    buttons = (
        (
            Button(t("Done"), f"tdone:{task.id}"),
            Button(t("Need more time"), f"tmore:{task.id}"),
            Button(t("Can't do it"), f"tno:{task.id}"),
        ),
    )
    return OutgoingMessage(text, buttons=buttons)


def news(
    t: Translator, what: str, task: Task, person: Member, deputy: Member | None
) -> OutgoingMessage:
    return OutgoingMessage(
        RichText.of(
            t(
                what,
                person=person.display_name,
                number=task.id,
                task=task.text,
                deputy=deputy.display_name if deputy else "",
            )
        )
    )


def listing(
    t: Translator, heading: str, rows: list[tuple[Task, str | None]], today: date
) -> list[str]:
    lines = [heading]
    for task, owner in rows:
        state = t("not accepted yet") if task.status is TaskStatus.ASKED else ""
        if task.due_on < today:
            state = t("overdue")
        line = f"{task.id}. {task.text} – {owner or '?'}, {due(t, task)}"
        lines.append(f"{line} ({state})" if state else line)
    return lines


def reason(t: Translator, task: Task, person: Member, why: str) -> OutgoingMessage:
    return OutgoingMessage(
        RichText.of(
            t(
                "{person} on task {number}, which they cannot do:",
                person=person.display_name,
                number=task.id,
            ),
            "\n",
            bold(why),
        )
    )


def repeats(t: Translator, code: str) -> str:
    """ "every Friday", "every month on the 3rd" in the reader's words."""
    unit, _, value = code.partition(":")
    if unit == "day":
        return t("every day")
    if unit == "week":
        return t("every {weekday}", weekday=t.weekday(int(value)))
    return t("every month on day {day}", day=value)


def digest(
    t: Translator,
    circle: Circle,
    overdue: Sequence[tuple[Task, str | None]],
    coming: Sequence[tuple[Task, str | None]],
    finished: Sequence[tuple[Task, str | None]],
    today: date,
) -> OutgoingMessage:
    """The coordinators' weekly overview of a circle."""
    lines = [t("Weekly overview of the tasks in {circle}", circle=circle.name)]
    for heading, rows in (
        (t("Overdue ({count}):", count=len(overdue)), overdue),
        (t("Due this week ({count}):", count=len(coming)), coming),
        (t("Done this week ({count}):", count=len(finished)), finished),
    ):
        lines += listing(t, heading, list(rows), today)
        if not rows:
            lines.append(t("none"))
    return OutgoingMessage(RichText.of("\n".join(lines)))


STATUS = {
    TaskStatus.ASKED: N_("not accepted yet"),
    TaskStatus.ACCEPTED: N_("accepted"),
    TaskStatus.DONE: N_("done"),
    TaskStatus.DECLINED: N_("declined"),
    TaskStatus.DROPPED: N_("dropped"),
}


def export(
    t: Translator, circle: Circle, tasks: Sequence[Task], names: dict[int, str]
) -> OutgoingMessage:
    """All of a circle's tasks as a CSV file (UTF-8, a header line, ISO dates)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            # Column names of their own: the lower-case "status" and "deputy" are words
            # people type, whose translations may list several.
            t("Number"),
            t("Task"),
            t("Owner"),
            t("Status"),
            t("Due date"),
            t("Due time"),
            t("Repeats"),
            t("Given by"),
            t("Deputy"),
            t("Created"),
            t("Done"),
        ]
    )
    for task in tasks:
        writer.writerow(
            [
                task.id,
                task.text,
                names.get(task.owner_id or 0, ""),
                t(STATUS[task.status]),
                task.due_on.isoformat(),
                task.due_time.strftime("%H:%M") if task.due_time else "",
                repeats(t, task.repeat) if task.repeat else "",
                names.get(task.creator_id or 0, ""),
                names.get(task.deputy_id or 0, ""),
                task.created_at.astimezone(t.tz).strftime("%Y-%m-%d %H:%M"),
                task.done_at.astimezone(t.tz).strftime("%Y-%m-%d %H:%M") if task.done_at else "",
            ]
        )
    slug = re.sub(r"[^a-z0-9]+", "-", circle.name_key).strip("-")
    name = f"tasks-{slug}.csv" if slug else "tasks.csv"
    return OutgoingMessage(
        RichText.of(
            t("The tasks of {circle}, {count} in all.", circle=circle.name, count=len(tasks))
        ),
        attachments=(Attachment(name, "text/csv", out.getvalue().encode()),),
    )
