"""The bridge: people's messages in one group chat of a circle, relayed to its other group
chats (a Telegram group and a Matrix room, say), so that they are one conversation.

Each relayed copy is an outbox row, written in the unit of work that handled the message,
so a copy is never lost; the message map (RelayedMessage) ties the original to its copies.
Copies are blanked like every outbox row once delivered: the bot keeps no archive.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import bridge_messages as say
from bot.db.models import Channel, Circle, Member, RelayedMessage
from bot.errors import UserError
from bot.events import ChatKind, MessageEvent
from bot.i18n import N_, Translator
from bot.runtime import Runtime
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
            await runtime.outbox.queue(session, chat, say.no_longer_relayed(_t(runtime, chat)))
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
    """A person's message in a bridged chat, copied to the circle's other group chats.

    Never relayed: commands to the bot (its answers stay in the chat too), edits (not
    yet), empty messages, and people on the ignore list (other bridges: no loops). The
    bot's own messages never arrive as events."""
    circle = chat.circle
    if circle is None or circle.bridged_since is None or chat.kind != ChatKind.GROUP:
        return
    text = event.text.strip()
    if not text or text.startswith("/") or event.edited or event.message_id is None:
        return
    if f"{event.sender.platform}:{event.sender.user_id}" in runtime.settings.bridge.ignore:
        return
    chats = await group_chats(session, circle.id)
    await _tell_untold(session, runtime, chats)  # a chat that joined the circle since
    now = runtime.clock.now()
    for other in chats:
        if other.id == chat.id:
            continue
        copy_id = await runtime.outbox.queue(
            session, other, say.copy(_t(runtime, other), person, text)
        )
        session.add(
            RelayedMessage(
                source_channel_id=chat.id,
                source_message_id=event.message_id,
                copy_id=copy_id,
                created_at=now,
            )
        )


async def _tell_untold(session: AsyncSession, runtime: Runtime, chats: list[Channel]) -> None:
    """Each chat not yet told, once: that its messages are relayed, and where to."""
    now = runtime.clock.now()
    for chat in chats:
        if chat.bridge_told_at is None:
            others = [other for other in chats if other.id != chat.id]
            await runtime.outbox.queue(session, chat, say.relayed_to(_t(runtime, chat), others))
            chat.bridge_told_at = now


def _t(runtime: Runtime, chat: Channel) -> Translator:
    return runtime.catalogs.translator(chat.language)  # none set: the network's language
