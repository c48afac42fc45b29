"""/task, /tasks, /done, /snooze, /drop and the taps on task requests and reminders."""

from __future__ import annotations

from bot import task_input
from bot import task_messages as say
from bot.context import Context, JobContext
from bot.db.models import Member, Reminder, Task
from bot.due_dates import EVERY, Reader
from bot.errors import UserError
from bot.events import MessageEvent
from bot.i18n import N_
from bot.messages import OutgoingMessage, RichText
from bot.registry import (
    Args,
    AwaitedAnswer,
    ButtonAction,
    Capability,
    Command,
    Permission,
    ReminderKind,
    button_number,
    row_number,
)
from bot.services import members, task_reports, tasks

# Translators: a /task as a person would type it, in your words: "by" and a date the bot reads.
EXAMPLE = N_("@ben Print the flyers by Friday")
ALL = N_("all")
EXPORT = N_("export")


async def new_task(ctx: Context, args: Args) -> OutgoingMessage:
    circle = ctx.circle_or_fail("task")
    reader = Reader(ctx.t.locale, ctx.t)
    event = ctx.event
    replied = event.reply_to_sender if isinstance(event, MessageEvent) else None
    request = task_input.read(args.raw, ctx.t, replied is not None, reader)
    if request is None:
        raise ctx.usage_error("task")
    owners = [await _person(ctx, name) for name in request.owners]
    if not owners and replied is not None:  # "/task WHAT by WHEN" in reply to someone
        owners = [await members.known(ctx.session, ctx.runtime.network_id, replied, ctx.now)]
    deputy = await _person(ctx, request.deputy) if request.deputy else None
    repeat, due = await tasks.due_for(
        ctx.session, circle, reader, request, ctx.now, ctx.runtime.settings.network.tz
    )
    created = await tasks.create(
        ctx.session, ctx.runtime, circle, ctx.member, owners, request.what, due, deputy, repeat
    )
    names = {owner.id: owner.display_name for owner in owners}
    waiting = [
        owner.display_name for owner in owners if await members.is_expected(ctx.session, owner)
    ]
    text = say.created(ctx.t, created, names, waiting, say.clash(ctx.t, due))
    return OutgoingMessage(RichText.of(text))


async def _person(ctx: Context, mention: str) -> Member:
    platform = ctx.channel.platform
    return await members.expect(ctx.session, ctx.runtime.network_id, platform, mention, ctx.now)


async def list_tasks(ctx: Context, args: Args) -> OutgoingMessage:
    today = ctx.now.astimezone(ctx.runtime.settings.network.tz).date()
    word = args.words[0] if args.words else ""
    if word and ctx.t.means(word, EXPORT):
        circle = ctx.circle_or_fail("tasks")
        found, names = await task_reports.everything(ctx.session, circle)
        return say.export(ctx.t, circle, found, names)
    if word and ctx.t.means(word, ALL):
        circle = ctx.circle_or_fail("tasks")
        rows = await tasks.listing(ctx.session, circle_id=circle.id)
        heading = ctx.t("Open tasks of {circle}:", circle=circle.name)
    elif word.startswith("@"):
        person = await members.find_by_mention(
            ctx.session, ctx.runtime.network_id, ctx.channel.platform, word
        )
        rows = await tasks.listing(ctx.session, owner_id=person.id)
        heading = ctx.t("Open tasks of {person}:", person=person.display_name)
    elif word:
        raise ctx.usage_error("tasks")
    else:
        rows = await tasks.listing(ctx.session, owner_id=ctx.member.id)
        heading = ctx.t("Your open tasks:")
    if not rows:
        return ctx.text(N_("No open tasks."))
    return OutgoingMessage(RichText.of("\n".join(say.listing(ctx.t, heading, rows, today))))


def _number(ctx: Context, args: Args, command: str) -> int:
    number = row_number(args.words[0]) if args.words else None
    if number is None:
        raise ctx.usage_error(command)
    return number


async def done(ctx: Context, args: Args) -> OutgoingMessage:
    return await _finish(ctx, _number(ctx, args, "done"))


async def _finish(ctx: Context, task_id: int) -> OutgoingMessage:
    task = await tasks.owned(ctx.session, task_id, ctx.member)
    upcoming = await tasks.done(ctx.session, ctx.runtime, task)
    if upcoming is not None:
        return ctx.text(
            N_("Well done! Task {number} is done. The next time is task {next}, due {due}."),
            number=task.id,
            next=upcoming.id,
            due=say.due(ctx.t, upcoming),
        )
    return ctx.text(N_("Well done! Task {number} is done."), number=task.id)


async def snooze(ctx: Context, args: Args) -> OutgoingMessage:
    number = _number(ctx, args, "snooze")
    days = Reader(ctx.t.locale, ctx.t).days(" ".join(args.words[1:]))
    if days is None or not 1 <= days <= 365:
        raise UserError(N_("How much later? For example: /snooze {number} 3d or 1w"), number=number)
    task = await tasks.owned(ctx.session, number, ctx.member)
    await tasks.snooze(ctx.session, ctx.runtime, task, ctx.member, days)
    return ctx.text(N_("Task {number} is now due {due}."), number=task.id, due=say.due(ctx.t, task))


async def drop(ctx: Context, args: Args) -> OutgoingMessage:
    task = await tasks.drop(ctx.session, _number(ctx, args, "drop"), ctx.member, ctx.is_coordinator)
    return ctx.text(N_("Task {number} is dropped: {task}"), number=task.id, task=task.text)


async def reassign(ctx: Context, args: Args) -> OutgoingMessage:
    if len(args.words) != 2:
        raise ctx.usage_error("reassign")
    number = _number(ctx, args, "reassign")
    person = await _person(ctx, args.words[1])
    task = await tasks.reassign(
        ctx.session, ctx.runtime, number, ctx.member, ctx.is_coordinator, person
    )
    text = ctx.t(
        "Task {number} now goes to {person}. I have asked them privately: {task}",
        number=task.id,
        person=person.display_name,
        task=task.text,
    )
    if await members.is_expected(ctx.session, person):
        text += "\n" + say.waiting_for(ctx.t, [person.display_name])
    return OutgoingMessage(RichText.of(text))


async def accept_button(ctx: Context, params: tuple[str, ...]) -> OutgoingMessage:
    task = await tasks.owned(ctx.session, button_number(params), ctx.member)
    await tasks.accept(ctx.session, ctx.runtime, task, ctx.member)
    return ctx.text(
        N_("Thank you! Task {number} is yours, due {due}. I will remind you."),
        number=task.id,
        due=say.due(ctx.t, task),
    )


async def decline_button(ctx: Context, params: tuple[str, ...]) -> OutgoingMessage:
    task = await tasks.owned(ctx.session, button_number(params), ctx.member)
    await tasks.decline(ctx.session, ctx.runtime, task, ctx.member)
    if ctx.member.awaiting is None:
        return ctx.text(N_("All right, I have passed task {number} on."), number=task.id)
    return ctx.text(
        N_(
            "All right, I have passed task {number} on. If you like, write me why in one "
            "message; I will pass it on to whoever gave you the task."
        ),
        number=task.id,
    )


async def reason_answer(ctx: Context, params: tuple[str, ...], text: str) -> OutgoingMessage:
    creator = await tasks.pass_on_reason(
        ctx.session, ctx.runtime, button_number(params), ctx.member, text
    )
    if creator is None:
        return ctx.text(N_("Thank you."))
    return ctx.text(
        N_("Thank you, I have passed that on to {person}."), person=creator.display_name
    )


async def done_button(ctx: Context, params: tuple[str, ...]) -> OutgoingMessage:
    return await _finish(ctx, button_number(params))


async def more_time_button(ctx: Context, params: tuple[str, ...]) -> OutgoingMessage:
    task = await tasks.owned(ctx.session, button_number(params), ctx.member)
    await tasks.snooze(ctx.session, ctx.runtime, task, ctx.member, 7)
    return ctx.text(
        N_("Task {number} is now due {due}. For another date: /snooze {number} 3d"),
        number=task.id,
        due=say.due(ctx.t, task),
    )


async def ask_reminder(job: JobContext, reminder: Reminder) -> None:
    task = await job.session.get(Task, reminder.subject_id) if reminder.subject_id else None
    person = await job.session.get(Member, reminder.member_id) if reminder.member_id else None
    if task is not None and person is not None:
        await tasks.ask(job.session, job.runtime, task, person)


async def task_reminder(job: JobContext, reminder: Reminder) -> None:
    await tasks.remind(job.session, job.runtime, reminder)


async def digest_reminder(job: JobContext, reminder: Reminder) -> None:
    await task_reports.digest(job.session, job.runtime, reminder)


CAPABILITY = Capability(
    name="tasks",
    commands=(
        Command(
            "task",
            new_task,
            N_("Give someone a task: who does what by when"),
            usage=N_("@PERSON WHAT [{by} WHEN | {every} RULE] [{deputy} @PERSON]"),
            example=EXAMPLE,
            words={"by": task_input.BY, "every": EVERY, "deputy": task_input.DEPUTY},
            max_args=None,
            aliases={"de": "aufgabe", "tr": "gorev"},
        ),
        Command(
            "tasks",
            list_tasks,
            N_("Open tasks: yours, the circle's or someone's; export: all as a CSV file"),
            usage=N_("[{all} | @PERSON | {export}]"),
            words={"all": ALL, "export": EXPORT},
            max_args=1,
            aliases={"de": "aufgaben", "tr": "gorevler"},
        ),
        Command(
            "done",
            done,
            N_("Mark your task as done"),
            usage=N_("N"),
            max_args=1,
            aliases={"de": "erledigt", "tr": "tamam"},
        ),
        Command(
            "snooze",
            snooze,
            N_("Move your task's due date later"),
            usage=N_("N 3d"),
            max_args=None,
            aliases={"de": "spaeter", "tr": "ertele"},
        ),
        Command(
            "reassign",
            reassign,
            N_("Give a task to someone else"),
            usage=N_("N @PERSON"),
            max_args=2,
            aliases={"de": "weitergeben", "tr": "devret"},
        ),
        Command(
            "drop",
            drop,
            N_("Drop a task (whoever gave it, or a coordinator)"),
            usage=N_("N"),
            max_args=1,
            aliases={"de": "streichen", "tr": "birak"},
        ),
    ),
    buttons=(
        ButtonAction("tyes", accept_button, Permission.EVERYONE),
        ButtonAction("tno", decline_button, Permission.EVERYONE),
        ButtonAction("tdone", done_button, Permission.EVERYONE),
        ButtonAction("tmore", more_time_button, Permission.EVERYONE),
    ),
    reminders=(
        ReminderKind(tasks.ASK, ask_reminder),
        ReminderKind(tasks.REMIND, task_reminder),
        ReminderKind(tasks.DIGEST, digest_reminder),
    ),
    answers=(AwaitedAnswer(tasks.REASON, reason_answer),),
)
