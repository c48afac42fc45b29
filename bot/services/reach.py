"""Reaching people privately when the platform needs them to open the chat first."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Channel, CircleMembership, Member
from bot.events import ChatKind
from bot.messages import OutgoingMessage, RichText
from bot.runtime import Runtime


async def ask_to_open_private_chat(
    session: AsyncSession, runtime: Runtime, private_chat_id: int, link: str | None
) -> None:
    """Tell the person, once, in a group of theirs on the same platform, to open a private
    chat with the bot; what waits for them goes out when they do."""
    private = await session.get(Channel, private_chat_id)
    if private is None or private.member_id is None:
        return
    member = await session.get_one(Member, private.member_id)
    group = await session.scalar(
        select(Channel)
        .join(CircleMembership, CircleMembership.circle_id == Channel.circle_id)
        .where(
            CircleMembership.member_id == member.id,
            Channel.platform == private.platform,
            Channel.kind == ChatKind.GROUP,
        )
        .order_by(Channel.id)
        .limit(1)
    )
    if group is None:
        return  # no shared group to say it in; the messages wait all the same
    t = await runtime.outbox.translator_for(session, member)  # said to them, in their language
    if link:
        text = t(
            "{name}, I have a message for you, but I may only write to you after you "
            "open a private chat with me: {link}",
            name=member.display_name,
            link=link,
        )
    else:
        text = t(
            "{name}, I have a message for you, but I may only write to you after you "
            "open a private chat with me and send /start.",
            name=member.display_name,
        )
    await runtime.outbox.queue(session, group, OutgoingMessage(RichText.of(text)))
