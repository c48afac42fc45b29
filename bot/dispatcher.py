"""From a neutral event to a handler, inside one unit of work.

The wrapper here owns everything around a handler: the session, who is speaking,
their language, permissions, commit or rollback, and the reply to bad input. A
UserError rolls the handler's changes back and answers with its translated text;
any other exception is logged with its trace and the person gets a short apology.
If even the answer cannot be written (the database is down), the exception goes on to
the transport, which keeps the update and tries it again later, before later ones.
"""

from __future__ import annotations

import logging
import re
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import inbox
from bot.context import Context
from bot.db.engine import WriteTurns
from bot.db.models import Role
from bot.errors import UserError
from bot.events import (
    ButtonEvent,
    ChatKind,
    ChatMoved,
    Event,
    MessageEvent,
    Unreadable,
)
from bot.i18n import N_
from bot.messages import OutgoingMessage
from bot.registry import Args, Permission
from bot.runtime import Runtime
from bot.services import members
from bot.written import without_direction_marks

log = logging.getLogger(__name__)

MAX_TEXT = 4096  # Telegram's limit, and a sane one for a command anywhere
ANSWER_WITHIN = timedelta(days=1)  # a private question's answer; later it is just a message
_COMMAND = re.compile(r"^/(?P<head>\S*)(?:\s+(?P<rest>.*))?$", re.DOTALL)


class Dispatcher:
    def __init__(
        self,
        runtime: Runtime,
        sessions: async_sessionmaker[AsyncSession],
        turns: WriteTurns,
        after_event: Callable[[], None] = lambda: None,
    ) -> None:
        self._runtime = runtime
        self._sessions = sessions
        self._turns = turns  # a unit of work writes from its first statement (the claim)
        self.after_event = after_event

    async def handle(self, event: Event) -> None:
        try:
            try:
                await self._unit_of_work(event)
            except IntegrityError:
                # Two events of one new person at once both created them; the second
                # unit of work finds the first one's rows when it runs again.
                await self._unit_of_work(event)
        except UserError as error:
            explained = error.text
            await self._answer(event, lambda ctx: OutgoingMessage.plain(explained(ctx.t)))
        except Exception:
            reference = uuid.uuid4().hex[:8]
            log.exception("handling %s failed (reference %s)", type(event).__name__, reference)
            await self._answer(
                event,
                lambda ctx: ctx.text(
                    N_(
                        "Sorry, something went wrong on my side. The coordinator can find "
                        "the details in the log under reference {reference}."
                    ),
                    reference=reference,
                ),
            )
        self.after_event()

    async def _unit_of_work(self, event: Event) -> None:
        async with self._turns(), self._sessions.begin() as session:
            if not await self._claim(session, event):
                return  # handled before a restart: exactly once
            if isinstance(event, ChatMoved):
                await members.move_channel(session, event.chat, event.new_chat_id)
                return
            ctx = await self._context(session, event)
            reply = await self._route(ctx)
            if reply is not None:
                await self._reply(ctx, reply)

    async def _answer(self, event: Event, build: Callable[[Context], OutgoingMessage]) -> None:
        """Reply in a fresh unit of work, after the failed one was rolled back."""
        async with self._turns(), self._sessions.begin() as session:
            await self._claim(session, event)
            ctx = await self._context(session, event)
            await self._reply(ctx, build(ctx))

    async def _claim(self, session: AsyncSession, event: Event) -> bool:
        if event.receipt is None:
            return True
        return await inbox.claim(session, event.receipt, self._runtime.clock)

    async def _reply(self, ctx: Context, message: OutgoingMessage) -> None:
        group = ctx.channel.kind == ChatKind.GROUP
        if group and ctx.event.message_id and not message.reply_to and not message.replaces:
            message = replace(message, reply_to=ctx.event.message_id)
        await self._runtime.outbox.queue(ctx.session, ctx.channel, message)

    async def _context(self, session: AsyncSession, event: Event) -> Context:
        runtime = self._runtime
        arrival = await members.arrive(
            session, runtime.network_id, event.sender, event.chat, runtime.clock.now()
        )
        member, identity = arrival.member, arrival.identity
        if arrival.channel.unreachable_since is not None and event.chat.kind is ChatKind.PRIVATE:
            await runtime.outbox.unpark(session, arrival.channel)  # they opened the chat
        elif arrival.expected_chat is not None:
            await runtime.outbox.unpark(session, arrival.expected_chat)  # they are here now
        catalogs = runtime.catalogs
        language = catalogs.negotiate([member.language, identity.language_hint])
        circle_coordinator = (
            arrival.membership is not None and arrival.membership.role is Role.COORDINATOR
        )
        network_coordinator = members.is_network_coordinator(runtime.settings, [identity])
        return Context(
            session=session,
            event=event,
            member=member,
            channel=arrival.channel,
            circle=arrival.channel.circle,
            t=catalogs.translator(language),
            is_coordinator=circle_coordinator or network_coordinator,
            is_network_coordinator=network_coordinator,
            runtime=runtime,
        )

    async def _route(self, ctx: Context) -> OutgoingMessage | None:
        event = ctx.event
        if isinstance(event, ButtonEvent):
            return await self._button(ctx, event)
        if isinstance(event, Unreadable):
            return ctx.text(
                N_(
                    "I could not read your last message: it was encrypted without a key for "
                    "me. Please send it again."
                )
            )
        if isinstance(event, MessageEvent) and event.edited:
            if ctx.is_private or event.text.lstrip().startswith("/"):
                return None  # an edited command is not run again
        elif isinstance(event, MessageEvent):
            text = without_direction_marks(event.text).strip()  # "\u2066/snooze …" copied back
            awaited = _awaited(ctx) if ctx.is_private and text else None
            if text.startswith("/"):
                return await self._command(ctx, event, text)
            if awaited is not None:
                kind, *params = awaited.split(":")
                answer = ctx.runtime.registry.answers.get(kind)
                if answer is not None:
                    return await answer.handler(ctx, tuple(params), text)
            if ctx.is_private and text:
                return ctx.text(N_("I answer commands. Send /help to see what I can do."))
        # People's messages in groups, joins and leaves, reactions, withdrawn messages:
        # whoever listens, in order.
        replies = [
            await listener.handler(ctx, event) for listener in ctx.runtime.registry.listening(event)
        ]
        return next((reply for reply in replies if reply is not None), None)

    async def _command(
        self, ctx: Context, event: MessageEvent, text: str
    ) -> OutgoingMessage | None:
        parsed = _COMMAND.match(text)
        assert parsed is not None  # text starts with "/"
        name, _, addressee = parsed["head"].partition("@")
        rest = parsed["rest"] or ""
        if addressee and addressee.lower() not in {u.lower() for u in event.bot_usernames}:
            return None  # meant for another bot in the same group
        name = name.lower()
        if len(text) > MAX_TEXT:
            raise UserError(
                N_("That message is too long ({length} characters, at most {max})."),
                length=len(text),
                max=MAX_TEXT,
            )
        if _has_control_characters(text):
            raise UserError(
                N_("That message contains invisible control characters. Please type it again.")
            )
        if any(file.data is None for file in event.files):
            raise UserError(
                N_(
                    "That file is too large for me to open. Please send a smaller one "
                    "(at most 20 MB) or a link to it."
                )
            )
        command = ctx.runtime.registry.commands.get(name)
        if command is None:
            raise UserError(
                N_("I do not know the command /{name}. Send /help to see what I can do."),
                name=name[:32],
            )
        if command.permission is Permission.COORDINATOR and not ctx.is_coordinator:
            raise ctx.coordinators_only()
        args = Args.parse(rest)
        count = len(args.words)
        if count < command.min_args or (command.max_args is not None and count > command.max_args):
            raise ctx.usage_error(command.name)
        return await command.handler(ctx, args)

    async def _button(self, ctx: Context, event: ButtonEvent) -> OutgoingMessage | None:
        code, *params = event.data.split(":")
        action = ctx.runtime.registry.buttons.get(code)
        if action is None:
            raise UserError(N_("This button no longer works. Please start again."))
        if action.permission is Permission.COORDINATOR and not ctx.is_coordinator:
            raise UserError(N_("Sorry, only a coordinator can use this button."))
        return await action.handler(ctx, tuple(params))


def _awaited(ctx: Context) -> str | None:
    """The question this private message answers, if one is open; asked once only, so a
    command or any message clears it."""
    member = ctx.member
    awaited, since = member.awaiting, member.awaiting_since
    if awaited is None:
        return None
    member.awaiting = member.awaiting_since = None
    if since is None or ctx.now - since > ANSWER_WITHIN:
        return None
    return awaited


def _has_control_characters(text: str) -> bool:
    return any(unicodedata.category(char) == "Cc" and char not in "\n\t\r" for char in text)
