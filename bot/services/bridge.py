"""The bridge: people's messages in one group chat of a circle, relayed to its other group
chats (a Telegram group and a Matrix room, say), so that they are one conversation.

Each relayed copy is an outbox row, written in the unit of work that handled the message,
so a copy is never lost; the message map (RelayedMessage) ties the original to its copies.
Copies are blanked like every outbox row once delivered: the bot keeps no archive.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import bridge_messages as say
from bot.db.models import Channel, Circle, Member, OutboxMessage, Relay, RelayedMessage
from bot.errors import UserError
from bot.events import ChatKind, MessageEvent
from bot.i18n import N_, Translator
from bot.messages import OutgoingMessage, RichText
from bot.outbox import Merge
from bot.runtime import Runtime
from bot.services import chat_languages
from bot.services.circles import group_chats


async def turn_on(session: AsyncSession, runtime: Runtime, circle: Circle) -> None:
    """Relay between the circle's group chats from now on; each is told where to."""
    if circle.bridged_since is not None:
        raise UserError(N_("The bridge of {circle} is on already."), circle=circle.name)
    chats = await group_chats(session, circle.id)
    if len(chats) < 2:
        raise UserError(
            N_(
                "{circle} has one group chat only, so there is nowhere to relay to. Send "
                "/setup {circle} in its other group chat first."
            ),
            circle=circle.name,
        )
    circle.bridged_since = runtime.clock.now()
    await _tell_untold(session, runtime, chats)


async def turn_off(session: AsyncSession, runtime: Runtime, circle: Circle) -> None:
    if circle.bridged_since is None:
        raise UserError(N_("The bridge of {circle} is off already."), circle=circle.name)
    circle.bridged_since = None
    for chat in await group_chats(session, circle.id):
        if chat.bridge_told_at is not None:
            await runtime.outbox.queue(session, chat, _post(runtime, chat, say.no_longer_relayed))
    await session.execute(
        update(Channel).where(Channel.circle_id == circle.id).values(bridge_told_at=None)
    )


async def relay(
    session: AsyncSession,
    runtime: Runtime,
    chat: Channel,
    person: Member,
    event: MessageEvent,
) -> None:
    """A person's message in a bridged chat, copied to the circle's other group chats, as
    an answer to the copy of what it answers; an edit changes the copies (even once the
    bridge is off).

    Files go as references to where they were sent, fetched only to be sent on.
    Never relayed: commands to the bot (its answers stay in the chat too), empty messages,
    and people on the ignore list (other bridges: no loops). The bot's own messages never
    arrive as events."""
    text = event.formatted or RichText.of(event.text)
    if (
        event.message_id is None
        or not (text.plain.strip() or event.files)
        or event.text.lstrip().startswith("/")
        or f"{event.sender.platform}:{event.sender.user_id}" in runtime.settings.bridge.ignore
    ):
        return
    source = (chat.id, event.message_id)
    if event.edited:
        for other, copy_id in await _copies(session, *source):
            message = say.copy(_t(runtime, other), person, text)
            await _queue(session, runtime, other, message, source, Relay.EDIT, replaces_row=copy_id)
        return
    chats = await _bridged_chats(session, chat)
    if not chats:
        return
    await _tell_untold(session, runtime, chats)  # a chat that joined the circle since
    answered, answered_copies = None, {}
    if event.reply_to is not None:
        answered = await _original(session, chat.id, event.reply_to)
        answered_copies = {other.id: row for other, row in await _copies(session, *answered)}
    for other in chats:
        if other.id == chat.id:
            continue
        message = say.copy(_t(runtime, other), person, text, event.chat.platform, event.files)
        if answered is not None and answered[0] == other.id:
            message = replace(message, reply_to=answered[1])  # to the original itself
        await _queue(
            session,
            runtime,
            other,
            message,
            source,
            Relay.COPY,
            reply_to_row=answered_copies.get(other.id),
            # The same message is the same copy, should it be sent again after a crash.
            key=f"copy.{chat.chat_id}.{event.message_id}.to.{other.id}",
            # Copies waiting behind a rate limit go as one message per sender.
            merge=None if event.files else Merge(str(person.id), text),
        )


async def withdraw(session: AsyncSession, runtime: Runtime, chat: Channel, message_id: str) -> None:
    """A person withdrew a message (a Matrix redaction): its copies go too, even if the
    bridge is off by now."""
    source = (chat.id, message_id)
    deletion = OutgoingMessage(RichText())  # which message: the copy's id, once it is sent
    for other, copy_id in await _copies(session, *source):
        await _queue(
            session, runtime, other, deletion, source, Relay.DELETION, replaces_row=copy_id
        )


async def tell_undelivered(session: AsyncSession, runtime: Runtime, row_id: int) -> None:
    """An outbox row was given up: if it was a relayed copy (or a change to one), the chat
    its original is in hears so, in answer to it."""
    found = (
        await session.execute(
            select(RelayedMessage, OutboxMessage.channel_id)
            .join(OutboxMessage, OutboxMessage.id == RelayedMessage.copy_id)
            .where(RelayedMessage.copy_id == row_id)
        )
    ).first()
    if found is None:
        return
    relayed, target_id = found
    source, target = (
        await session.get(Channel, relayed.source_channel_id),
        await session.get(Channel, target_id),
    )
    if source is None or target is None:
        return
    note = _post(runtime, source, lambda t: say.undelivered(t, relayed.kind, target))
    await runtime.outbox.queue(session, source, replace(note, reply_to=relayed.source_message_id))


async def _bridged_chats(session: AsyncSession, chat: Channel) -> list[Channel]:
    """The group chats of the chat's circle, if its bridge is on."""
    circle = chat.circle
    if circle is None or circle.bridged_since is None or chat.kind != ChatKind.GROUP:
        return []
    return await group_chats(session, circle.id)


async def _queue(
    session: AsyncSession,
    runtime: Runtime,
    target: Channel,
    message: OutgoingMessage,
    source: tuple[int, str],
    kind: Relay,
    *,
    reply_to_row: int | None = None,
    replaces_row: int | None = None,
    key: str | None = None,
    merge: Merge | None = None,
) -> None:
    """A copy (or a change to one) for `target`, and its place in the message map."""
    copy_id = await runtime.outbox.queue(
        session,
        target,
        message,
        reply_to_row=reply_to_row,
        replaces_row=replaces_row,
        key=key,
        merge=merge,
    )
    session.add(
        RelayedMessage(
            source_channel_id=source[0],
            source_message_id=source[1],
            copy_id=copy_id,
            kind=kind,
            created_at=runtime.clock.now(),
        )
    )


async def _copies(
    session: AsyncSession, chat_id: int, message_id: str
) -> list[tuple[Channel, int]]:
    """The chats a message was relayed to, each with its copy's outbox row."""
    await session.flush()  # copies queued in this unit of work count too
    found = await session.execute(
        select(Channel, RelayedMessage.copy_id)
        .join(OutboxMessage, OutboxMessage.id == RelayedMessage.copy_id)
        .join(Channel, Channel.id == OutboxMessage.channel_id)
        .where(
            RelayedMessage.source_channel_id == chat_id,
            RelayedMessage.source_message_id == message_id,
            RelayedMessage.kind == Relay.COPY,
        )
        .order_by(RelayedMessage.id)
    )
    return [(channel, copy_id) for channel, copy_id in found]


async def _original(session: AsyncSession, chat_id: int, message_id: str) -> tuple[int, str]:
    """The chat and id of the message `message_id` in `chat_id` copies, if it is one of the
    bridge's copies; else that message itself."""
    found = (
        await session.execute(
            select(RelayedMessage.source_channel_id, RelayedMessage.source_message_id)
            .join(OutboxMessage, OutboxMessage.id == RelayedMessage.copy_id)
            .where(
                OutboxMessage.channel_id == chat_id,
                OutboxMessage.platform_message_id == message_id,
                RelayedMessage.kind == Relay.COPY,
            )
            .order_by(RelayedMessage.id)  # of copies merged into one message, the first
            .limit(1)
        )
    ).first()
    return (found[0], found[1]) if found is not None else (chat_id, message_id)


async def _tell_untold(session: AsyncSession, runtime: Runtime, chats: list[Channel]) -> None:
    """Each chat not yet told, once: that its messages are relayed, and where to."""
    now = runtime.clock.now()
    for chat in chats:
        if chat.bridge_told_at is None:
            others = [other for other in chats if other.id != chat.id]
            told = _post(runtime, chat, partial(say.relayed_to, others=others))
            await runtime.outbox.queue(session, chat, told)
            chat.bridge_told_at = now


def _t(runtime: Runtime, chat: Channel) -> Translator:
    """The language a copy's few words of the bot's own take: the chat's first."""
    return chat_languages.translators(runtime.catalogs, chat, None)[0]


def _post(
    runtime: Runtime, chat: Channel, build: Callable[[Translator], OutgoingMessage]
) -> OutgoingMessage:
    """What the bot tells a chat, in its languages (none set: the network's)."""
    return chat_languages.post(chat_languages.translators(runtime.catalogs, chat, None), build)
