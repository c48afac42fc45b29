"""Who is speaking, in which chat, in which language; finding people by mention."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import Executable, Select, and_, bindparam, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from bot.config import Settings
from bot.db.models import (
    Channel,
    CircleMembership,
    Identity,
    Member,
    Network,
    OutboxMessage,
    Role,
)
from bot.errors import UserError
from bot.events import ChatAddress, ChatKind, Sender
from bot.i18n import N_

EXPECTED = "expected:"  # the user id and chat id of someone named before they wrote
# Platforms whose people are named by usernames they keep (Telegram's @names), so that
# someone not seen yet can be expected by one.
EXPECTABLE = frozenset({"telegram", "console"})
_USERNAME = re.compile(r"^@[A-Za-z][A-Za-z0-9_]{1,31}$")


class UnknownPerson(UserError):
    """Nobody by that name has written yet."""


async def ensure_network(session: AsyncSession, settings: Settings, now: datetime) -> int:
    """The network row mirrors the config; there is one per deployment."""
    network = await session.scalar(select(Network).order_by(Network.id).limit(1))
    if network is None:
        network = Network(created_at=now, name="", timezone="", language="")
        session.add(network)
    network.name = settings.network.name
    network.timezone = settings.network.timezone
    network.language = settings.network.language
    await session.flush()
    return network.id


@dataclass(frozen=True, slots=True)
class Arrival:
    """Who is speaking, where, and their place in that chat's circle (if it has one)."""

    member: Member
    identity: Identity
    channel: Channel
    membership: CircleMembership | None
    # Their private chat, if they were expected by username and messages waited for them.
    expected_chat: Channel | None = None


async def arrive(
    session: AsyncSession, network_id: int, sender: Sender, chat: ChatAddress, now: datetime
) -> Arrival:
    """Look up sender and chat in one query (the hot path); create what is new."""
    found = (
        await session.execute(
            _arrival_query(),
            {
                "chat_platform": chat.platform,
                "chat_id": chat.chat_id,
                "sender_platform": sender.platform,
                "sender_id": sender.user_id,
            },
        )
    ).first()
    expected_chat = None
    if found is None:
        channel, membership = None, None
        bound = await _bind_expected(session, sender)
        if bound is not None:
            member, identity, expected_chat = bound
        else:
            member, identity = await _first_contact(session, network_id, sender, now)
        if sender.private_chat is not None and sender.private_chat != chat:
            # Known from the first word on: tasks and reminders can reach them privately.
            await channel_for(session, sender.private_chat, member, now)
    else:
        identity, channel, membership = found
        member = identity.member
        _refresh(identity, sender)
    if channel is None:
        channel = await channel_for(session, chat, member, now)
    else:
        _refresh_channel(channel, chat, member)
    if membership is None and channel.circle_id is not None:
        membership = await join_circle(session, channel.circle_id, member, now)
    return Arrival(member, identity, channel, membership, expected_chat)


@cache
def _arrival_query() -> Executable:
    # Built once: on every event, making the expression would cost more than running it.
    return (
        select(Identity, Channel, CircleMembership)
        .select_from(Identity)
        .options(joinedload(Identity.member), joinedload(Channel.circle))
        .outerjoin(
            Channel,
            and_(
                Channel.platform == bindparam("chat_platform"),
                Channel.chat_id == bindparam("chat_id"),
            ),
        )
        .outerjoin(
            CircleMembership,
            and_(
                CircleMembership.circle_id == Channel.circle_id,
                CircleMembership.member_id == Identity.member_id,
            ),
        )
        .where(
            Identity.platform == bindparam("sender_platform"),
            Identity.user_id == bindparam("sender_id"),
        )
    )


async def _first_contact(
    session: AsyncSession, network_id: int, sender: Sender, now: datetime
) -> tuple[Member, Identity]:
    member = Member(network_id=network_id, language=None, created_at=now)
    identity = Identity(
        member=member, platform=sender.platform, user_id=sender.user_id, language_hint=None
    )
    _refresh(identity, sender)
    session.add_all([member, identity])
    await session.flush()
    return member, identity


async def _bind_expected(
    session: AsyncSession, sender: Sender
) -> tuple[Member, Identity, Channel | None] | None:
    """The sender was named by username before the bot knew them: they become that person,
    and the private chat kept for them becomes theirs."""
    if not sender.username or sender.platform not in EXPECTABLE:
        return None  # elsewhere nobody is expected: no query on a first contact
    placeholder = EXPECTED + sender.username.casefold()
    identity = await session.scalar(
        select(Identity)
        .options(joinedload(Identity.member))
        .where(Identity.platform == sender.platform, Identity.user_id == placeholder)
    )
    if identity is None:
        return None
    identity.user_id = sender.user_id
    _refresh(identity, sender)
    chat = await session.scalar(
        select(Channel).where(Channel.platform == sender.platform, Channel.chat_id == placeholder)
    )
    if chat is not None and sender.private_chat is not None:
        chat.chat_id = sender.private_chat.chat_id
        chat.title = clip(sender.private_chat.title) if sender.private_chat.title else None
    await session.flush()
    return identity.member, identity, chat


async def expect(
    session: AsyncSession, network_id: int, platform: str, mention: str, now: datetime
) -> Member:
    """The member meant by `@name`; on a platform where people keep their usernames, one
    not seen yet is expected: messages to them wait until they first write."""
    try:
        return await find_by_mention(session, network_id, platform, mention)
    except UnknownPerson:
        if platform not in EXPECTABLE or not _USERNAME.match(mention):
            raise
    username = mention[1:]
    member = Member(
        network_id=network_id,
        display_name=mention,
        name_key=mention.casefold(),
        language=None,
        created_at=now,
    )
    placeholder = EXPECTED + username.casefold()
    identity = Identity(
        member=member,
        platform=platform,
        user_id=placeholder,
        username=username,
        username_key=username.casefold(),
        language_hint=None,
    )
    session.add_all([member, identity])
    await session.flush()
    chat = Channel(
        platform=platform,
        chat_id=placeholder,
        kind=ChatKind.PRIVATE.value,
        title=None,
        member_id=member.id,
        circle=None,
        created_at=now,
        unreachable_since=now,  # what is queued for them waits (is parked) until they write
    )
    session.add(chat)
    await session.flush()
    return member


async def known(session: AsyncSession, network_id: int, person: Sender, now: datetime) -> Member:
    """The member behind `person` (someone whose message was replied to), written down if
    the bot has not met them yet."""
    identity = await session.scalar(
        select(Identity)
        .options(joinedload(Identity.member))
        .where(Identity.platform == person.platform, Identity.user_id == person.user_id)
    )
    if identity is not None:
        return identity.member
    bound = await _bind_expected(session, person)
    if bound is not None:
        return bound[0]
    member, _ = await _first_contact(session, network_id, person, now)
    if person.private_chat is not None:
        await channel_for(session, person.private_chat, member, now)
    return member


async def is_expected(session: AsyncSession, member: Member) -> bool:
    """Named by username, and not written yet."""
    found = await session.scalar(
        select(Identity.id)
        .where(Identity.member_id == member.id, Identity.user_id.startswith(EXPECTED))
        .limit(1)
    )
    return found is not None


def _refresh(identity: Identity, sender: Sender) -> None:
    """Keep names and the platform's language guess current (only writing what changed)."""
    username = clip(sender.username) if sender.username else None
    if identity.username != username:
        identity.username = username
        identity.username_key = username.casefold() if username else None
    if sender.language and identity.language_hint != sender.language[:16]:
        identity.language_hint = sender.language[:16]
    member = identity.member
    display_name = clip(sender.display_name or sender.user_id)
    if member.display_name != display_name:
        member.display_name = display_name
        member.name_key = clip(display_name.casefold())


def clip(text: str, limit: int = 255) -> str:
    """Platform names can be longer than our columns (a Matrix display name: 256)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def channel_for(
    session: AsyncSession, chat: ChatAddress, member: Member, now: datetime
) -> Channel:
    """The channel row for `chat`, created on first contact."""
    channel = await session.scalar(
        _channel_query(), {"platform": chat.platform, "chat_id": chat.chat_id}
    )
    if channel is None:
        channel = Channel(
            platform=chat.platform,
            chat_id=chat.chat_id,
            kind=chat.kind.value,
            title=clip(chat.title) if chat.title else None,
            member_id=member.id if chat.kind is ChatKind.PRIVATE else None,
            circle=None,
            created_at=now,
        )
        session.add(channel)
        await session.flush()
    else:
        _refresh_channel(channel, chat, member)
    return channel


@cache
def _channel_query() -> Select[Channel]:
    # Built once: every first contact runs it.
    return (
        select(Channel)
        .options(joinedload(Channel.circle))
        .where(Channel.platform == bindparam("platform"), Channel.chat_id == bindparam("chat_id"))
    )


def _refresh_channel(channel: Channel, chat: ChatAddress, member: Member) -> None:
    title = clip(chat.title) if chat.title else None
    if title and channel.title != title:
        channel.title = title
    if chat.kind is ChatKind.PRIVATE and channel.member_id is None:
        # Detached by /forgetme, and the person is back before the goodbye went out.
        channel.member_id = member.id


async def move_channel(session: AsyncSession, chat: ChatAddress, new_chat_id: str) -> None:
    """The chat has a new id: it keeps its circle, language and pending messages."""
    old = await session.scalar(
        select(Channel).where(Channel.platform == chat.platform, Channel.chat_id == chat.chat_id)
    )
    if old is None:
        return  # the bot never wrote down the old chat: nothing to carry over
    new = await session.scalar(
        select(Channel).where(Channel.platform == chat.platform, Channel.chat_id == new_chat_id)
    )
    if new is None:
        old.chat_id = new_chat_id
        return
    # Someone wrote in the new chat before the bot heard of the move: merge into it.
    new.circle_id = new.circle_id or old.circle_id
    new.language = new.language or old.language
    new.second_language = new.second_language or old.second_language
    await session.execute(
        update(OutboxMessage).where(OutboxMessage.channel_id == old.id).values(channel_id=new.id)
    )
    await session.delete(old)


async def leave(session: AsyncSession, person: Sender, channel: Channel) -> None:
    """Who leaves a circle's chat leaves the circle."""
    if channel.circle_id is None:
        return
    member_id = await session.scalar(
        select(Identity.member_id).where(
            Identity.platform == person.platform, Identity.user_id == person.user_id
        )
    )
    await session.execute(
        delete(CircleMembership).where(
            CircleMembership.circle_id == channel.circle_id,
            CircleMembership.member_id == member_id,
        )
    )


async def join_circle(
    session: AsyncSession, circle_id: int, member: Member, now: datetime
) -> CircleMembership:
    """Whoever speaks in a circle's channel belongs to the circle."""
    membership = await session.get(CircleMembership, (circle_id, member.id))
    if membership is None:
        membership = CircleMembership(
            circle_id=circle_id,
            member_id=member.id,
            role=Role.MEMBER,
            participation=None,
            joined_at=now,
        )
        session.add(membership)
    return membership


def is_network_coordinator(settings: Settings, identities: list[Identity]) -> bool:
    listed = settings.network.coordinators
    return any(f"{i.platform}:{i.user_id}" in listed for i in identities)


async def find_by_mention(
    session: AsyncSession, network_id: int, platform: str, mention: str
) -> Member:
    """The member meant by `@name`: a username or user id on this platform, else a display name."""
    name = mention.strip()
    if not name.startswith("@") or len(name) < 2:
        raise UserError(N_("Please name the person with @ in front, for example @anna."))
    bare = name[1:]
    found = await session.scalars(
        select(Member)
        .join(Identity)
        .where(
            Identity.platform == platform,
            or_(
                Identity.username_key == bare.casefold(),
                Identity.user_id == name,  # Matrix ids start with @
                Identity.user_id == bare,
            ),
        )
        .distinct()
    )
    members = list(found)
    if not members:
        members = list(
            await session.scalars(
                select(Member).where(
                    Member.network_id == network_id, Member.name_key == bare.casefold()
                )
            )
        )
    if len(members) == 1:
        return members[0]
    if not members:
        raise UnknownPerson(
            N_("I do not know {name} yet. They need to write something here or to me first."),
            name=name,
        )
    raise UserError(
        N_("More than one person is called {name}. Please use their username."), name=name
    )


async def set_language(session: AsyncSession, member: Member, code: str) -> None:
    member.language = code
    await session.flush()
