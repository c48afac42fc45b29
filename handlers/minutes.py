"""/minutes: send the minutes (a file, or the text) for approval, list them, show one,
record the meeting's vote, set the rule; /decisions; /email; the answers' taps."""

from __future__ import annotations

import asyncio
import re

from bot import minutes_messages as say
from bot.context import Context, JobContext
from bot.db.models import ApprovalRule, Reminder
from bot.errors import UserError
from bot.events import IncomingFile, MessageEvent
from bot.i18n import N_
from bot.messages import OutgoingMessage
from bot.minutes_document import Document, pasted, read_document
from bot.minutes_items import decision_words, read_items
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
from bot.services import minutes, minutes_approval

SHOW = N_("show")
APPROVE = N_("approve")
REJECT = N_("reject")
RULE = N_("rule")
OFF = N_("off")
RULE_WORDS = {
    ApprovalRule.ALL: N_("all"),
    ApprovalRule.MAJORITY: N_("majority"),
    ApprovalRule.SILENCE: N_("silence"),
    ApprovalRule.MEETING: N_("meeting"),
}
_ADDRESS = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MAX_ADDRESS = 254


async def minutes_command(ctx: Context, args: Args) -> OutgoingMessage | None:
    circle = ctx.circle_or_fail("minutes")
    files = ctx.event.files if isinstance(ctx.event, MessageEvent) else ()
    first = args.words[0] if args.words and not files else ""
    if first and len(args.words) <= 2:
        if ctx.t.means(first, SHOW):
            number = row_number(args.words[1]) if len(args.words) == 2 else None
            if number is None:
                raise UserError(N_("Which minutes? For example: /minutes show 2"))
            version = await minutes.version_to_show(ctx.session, circle.id, number)
            return say.again(ctx.t, version)
        if ctx.t.means(first, RULE):
            return await _rule(ctx, args.words[1:])
        if len(args.words) == 1 and (ctx.t.means(first, APPROVE) or ctx.t.means(first, REJECT)):
            return await _vote(ctx, approved=ctx.t.means(first, APPROVE))
    if not files and not args.raw:
        return say.archive(ctx.t, await minutes.archive(ctx.session, circle.id))
    document = await _document(args, files)
    catalogs = ctx.runtime.catalogs
    words = decision_words(catalogs.translator(code) for code in catalogs.languages)
    # Read before anything is written: a long text (10 ms for 200 KB) holds up no one.
    items = await asyncio.to_thread(read_items, document.text or "", words)
    submitted = await minutes.submit(
        ctx.session,
        circle,
        ctx.member,
        ctx.is_coordinator,
        document,
        items,
        ctx.channel.platform,
        ctx.now,
    )
    await minutes_approval.circulate(ctx.session, ctx.runtime, submitted, ctx.t)
    return None  # the summary goes to every chat of the circle, this one too


async def _document(args: Args, files: tuple[IncomingFile, ...]) -> Document:
    if len(files) > 1:
        raise UserError(N_("Please send one file with /minutes, not several."))
    if not files:
        return pasted(args.raw)
    file = files[0]
    # Unpacking and reading a large file takes CPU time: not on the event loop.
    return await asyncio.to_thread(read_document, file.filename, file.mime_type, file.data)


def _coordinator_only(ctx: Context) -> None:
    if not ctx.is_coordinator:
        raise UserError(N_("Only a coordinator of this circle can do that."))


async def _rule(ctx: Context, words: tuple[str, ...]) -> OutgoingMessage:
    circle = ctx.circle_or_fail("minutes")
    choices = " | ".join(ctx.t.word(word) for word in RULE_WORDS.values())
    if not words:
        return ctx.text(
            N_(
                "Minutes here are approved like this: {rule}. A coordinator changes it with "
                "/minutes rule {choices}"
            ),
            rule=ctx.t(say.RULES[circle.minutes_rule]),
            choices=choices,
        )
    _coordinator_only(ctx)
    chosen = next((rule for rule, word in RULE_WORDS.items() if ctx.t.means(words[0], word)), None)
    if chosen is None:
        raise UserError(N_("Usage: {usage}"), usage=f"/minutes {ctx.t.word(RULE)} {choices}")
    circle.minutes_rule = chosen
    return ctx.text(
        N_("From the next minutes on: {rule}. Minutes already circulating keep their rule."),
        rule=ctx.t(say.RULES[chosen]),
    )


async def _vote(ctx: Context, approved: bool) -> OutgoingMessage | None:
    circle = ctx.circle_or_fail("minutes")
    _coordinator_only(ctx)
    found = await minutes.open_minutes(ctx.session, circle.id)
    if found is None:
        raise UserError(N_("No minutes are waiting for approval here."))
    await minutes_approval.record_vote(ctx.session, ctx.runtime, found, ctx.member, approved)
    return None  # the record goes to every chat of the circle


async def decisions(ctx: Context, args: Args) -> OutgoingMessage:
    circle = ctx.circle_or_fail("decisions")
    return say.decisions(ctx.t, await minutes_approval.decisions(ctx.session, circle.id))


async def email(ctx: Context, args: Args) -> OutgoingMessage:
    if not ctx.runtime.settings.email.enabled:
        raise UserError(N_("This network sends no email."))
    if not args.raw:
        address = await minutes_approval.email_of(ctx.session, ctx.member)
        if address is None:
            return ctx.text(
                N_("I send you no email. To get the minutes by email too: /email ADDRESS")
            )
        return ctx.text(
            N_("I send the minutes to {address} too. To stop: /email off"), address=address
        )
    if ctx.t.means(args.raw, OFF):
        await minutes_approval.set_email(ctx.session, ctx.member, None, ctx.now)
        return ctx.text(N_("I will send you no more email."))
    if not ctx.is_private:
        raise UserError(N_("Please send me your address in our private chat, not here."))
    address = args.raw
    if len(address) > MAX_ADDRESS or not _ADDRESS.fullmatch(address):
        raise UserError(
            N_("“{address}” is not an email address. For example: /email name@example.org"),
            address=address[:100],
        )
    await minutes_approval.set_email(ctx.session, ctx.member, address, ctx.now)
    return ctx.text(
        N_("From now on I also send you the minutes by email, to {address}."), address=address
    )


async def approve_button(ctx: Context, params: tuple[str, ...]) -> OutgoingMessage:
    _, version = await minutes_approval.answer(
        ctx.session, ctx.runtime, button_number(params), ctx.member, approved=True
    )
    return ctx.text(N_("Thank you, you have approved version {number}."), number=version.number)


async def changes_button(ctx: Context, params: tuple[str, ...]) -> OutgoingMessage:
    _, version = await minutes_approval.answer(
        ctx.session, ctx.runtime, button_number(params), ctx.member, approved=False
    )
    return ctx.text(
        N_(
            "What should change in version {number}? Please write it in one message; I will "
            "pass it on to whoever wrote the minutes and to the coordinators."
        ),
        number=version.number,
    )


async def file_button(ctx: Context, params: tuple[str, ...]) -> OutgoingMessage:
    version = await minutes.version_for(ctx.session, button_number(params), ctx.member)
    return say.again(ctx.t, version)


async def comment_answer(ctx: Context, params: tuple[str, ...], text: str) -> OutgoingMessage:
    told = await minutes_approval.pass_on_comment(
        ctx.session, ctx.runtime, button_number(params), ctx.member, text
    )
    if not told:
        return ctx.text(N_("Thank you."))
    return ctx.text(
        N_("Thank you, I have passed that on to {people}."),
        people=", ".join(person.display_name for person in told),
    )


async def remind(job: JobContext, reminder: Reminder) -> None:
    await minutes_approval.remind(job.session, job.runtime, reminder)


async def deadline(job: JobContext, reminder: Reminder) -> None:
    await minutes_approval.deadline_passed(job.session, job.runtime, reminder)


CAPABILITY = Capability(
    "minutes",
    commands=(
        Command(
            "minutes",
            minutes_command,
            N_("Send the minutes of the last meeting for approval (attach the file), or list them"),
            usage=N_("[file or text | {show} N | {rule} | {approve} | {reject}]"),
            words={"show": SHOW, "rule": RULE, "approve": APPROVE, "reject": REJECT},
            max_args=None,
            aliases={"de": "protokoll", "tr": "tutanak"},
        ),
        Command(
            "decisions",
            decisions,
            N_("The circle's decisions, from approved minutes"),
            aliases={"de": "beschluesse", "tr": "kararlar"},
        ),
        Command(
            "email",
            email,
            N_("Get the minutes by email too"),
            usage=N_("[ADDRESS | {off}]"),
            words={"off": OFF},
            max_args=1,
            aliases={"tr": "eposta"},
        ),
    ),
    buttons=(
        ButtonAction("pok", approve_button, Permission.EVERYONE),
        ButtonAction("pchg", changes_button, Permission.EVERYONE),
        ButtonAction("pfile", file_button, Permission.EVERYONE),
    ),
    reminders=(
        ReminderKind(minutes_approval.ASK, remind),
        ReminderKind(minutes_approval.REMIND, remind),
        ReminderKind(minutes_approval.DEADLINE, deadline),
    ),
    answers=(AwaitedAnswer(minutes_approval.COMMENT, comment_answer),),
)
