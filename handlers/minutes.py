"""/minutes: send the minutes of the last meeting (a file, or the text), list them, show one."""

from __future__ import annotations

import asyncio

from bot import minutes_messages as say
from bot.context import Context
from bot.db.models import Meeting
from bot.errors import UserError
from bot.events import IncomingFile, MessageEvent
from bot.i18n import N_
from bot.messages import OutgoingMessage
from bot.minutes_document import Document, pasted, read_document
from bot.minutes_items import decision_words
from bot.registry import Args, Capability, Command
from bot.services import minutes

SHOW = N_("show")


async def minutes_command(ctx: Context, args: Args) -> OutgoingMessage:
    circle = ctx.circle_or_fail("minutes")
    files = ctx.event.files if isinstance(ctx.event, MessageEvent) else ()
    first = args.words[0].casefold() if args.words else ""
    if not files and first in ("show", ctx.t(SHOW).casefold()) and len(args.words) <= 2:
        if len(args.words) < 2 or not args.words[1].isdigit():
            raise UserError(N_("Which minutes? For example: /minutes show 2"))
        version = await minutes.version_to_show(ctx.session, circle.id, int(args.words[1]))
        return say.again(ctx.t, version)
    if not files and not args.raw:
        entries = [
            (found, await _meeting(ctx, found.meeting_id), versions)
            for found, versions in await minutes.archive(ctx.session, circle.id)
        ]
        return say.archive(ctx.t, entries)
    document = await _document(args, files)
    catalogs = ctx.runtime.catalogs
    words = decision_words(catalogs.translator(code) for code in catalogs.languages)
    submitted = await minutes.submit(
        ctx.session, circle, ctx.member, ctx.is_coordinator, document, words, ctx.now
    )
    return say.summary(
        ctx.t, submitted.minutes, submitted.meeting, submitted.version, submitted.previous
    )


async def _document(args: Args, files: tuple[IncomingFile, ...]) -> Document:
    if len(files) > 1:
        raise UserError(N_("Please send one file with /minutes, not several."))
    if not files:
        return pasted(args.raw)
    file = files[0]
    # Unpacking and reading a large file takes CPU time: not on the event loop.
    return await asyncio.to_thread(read_document, file.filename, file.mime_type, file.data)


async def _meeting(ctx: Context, meeting_id: int | None) -> Meeting | None:
    return await ctx.session.get(Meeting, meeting_id) if meeting_id else None


CAPABILITY = Capability(
    "minutes",
    commands=(
        Command(
            "minutes",
            minutes_command,
            N_("Send the minutes of the last meeting (attach the file), or list them"),
            usage=N_("[file or text | show N]"),
            max_args=None,
        ),
    ),
)
