"""Circles (Gremien), their channels, members and coordinators."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager

from bot.config import Settings
from bot.db.models import Channel, Circle, CircleMembership, Member, Participation, Role
from bot.errors import UserError
from bot.events import ChatKind
from bot.i18n import N_
from bot.services.members import is_network_coordinator, join_circle

MAX_NAME = 60
# Letters and digits of any script, spaces and a little punctuation: enough for
# "AG Wohnen & Arbeit (2026)", never markup.
_NAME_PATTERN = re.compile(r"^[\w][\w .,&()'/+-]*$")


def _tidy(raw: str) -> str:
    return " ".join(unicodedata.normalize("NFC", raw).split())


def circle_key(name: str) -> str:
    """The form circles are looked up by: however the name was typed or cased."""
    return _tidy(name).casefold()


def circle_name(raw: str) -> str:
    name = _tidy(raw)
    if not name or len(name) > MAX_NAME or not _NAME_PATTERN.match(name):
        raise UserError(
            N_(
                "A circle name has 1 to {max} characters and starts with a letter or digit; "
                "it may contain letters, digits, spaces and . , & ( ) ' / + - _. "
                "For example: /setup AG Wohnen"
            ),
            max=MAX_NAME,
        )
    return name


@dataclass(frozen=True, slots=True)
class SetupResult:
    circle: Circle
    created: bool
    previous: str | None  # the circle this channel belonged to before, if another


async def attach_channel(
    session: AsyncSession,
    network_id: int,
    channel: Channel,
    raw_name: str,
    coordinator: Member,
    network_coordinator: bool,
    now: datetime,
) -> SetupResult:
    """Make `channel` part of circle NAME, creating the circle if needed.

    Founding a circle is for the network's coordinators; moving a chat into an existing
    circle also for that circle's coordinators.
    """
    name = circle_name(raw_name)
    circle = await find(session, network_id, name)
    created = circle is None
    if circle is None:
        if not network_coordinator:
            raise UserError(N_("Only the network's coordinators can found a new circle."))
        circle = Circle(network_id=network_id, name=name, name_key=circle_key(name), created_at=now)
        session.add(circle)
        await session.flush()
    elif not network_coordinator and (
        await role_in(session, circle.id, coordinator.id) is not Role.COORDINATOR
    ):
        raise UserError(
            N_("Only a coordinator of {circle} can add this chat to it."), circle=circle.name
        )
    previous = channel.circle.name if channel.circle and channel.circle.id != circle.id else None
    channel.circle = circle
    membership = await join_circle(session, circle.id, coordinator, now)
    if created:
        # Whoever founds a circle coordinates it until they hand that on.
        membership.role = Role.COORDINATOR
    await session.flush()
    return SetupResult(circle, created, previous)


async def find(session: AsyncSession, network_id: int, name: str) -> Circle | None:
    return await session.scalar(
        select(Circle).where(Circle.network_id == network_id, Circle.name_key == circle_key(name))
    )


async def get(session: AsyncSession, network_id: int, name: str) -> Circle:
    circle = await find(session, network_id, name)
    if circle is None:
        raise UserError(N_("There is no circle called {name}. /circles lists them."), name=name)
    return circle


@dataclass(frozen=True, slots=True)
class CircleSummary:
    name: str
    channels: int
    members: int


async def overview(session: AsyncSession, network_id: int) -> list[CircleSummary]:
    channels = (
        select(func.count(Channel.id)).where(Channel.circle_id == Circle.id).scalar_subquery()
    )
    members = (
        select(func.count(CircleMembership.member_id))
        .where(CircleMembership.circle_id == Circle.id)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(Circle.name, channels, members)
        .where(Circle.network_id == network_id)
        .order_by(Circle.name_key)
    )
    return [CircleSummary(name, n_channels, n_members) for name, n_channels, n_members in rows]


async def visible_members(
    session: AsyncSession,
    network_id: int,
    name: str,
    reader: Member,
    network_coordinator: bool,
) -> tuple[Circle, list[CircleMembership]]:
    """Circle NAME and its members, if `reader` may see them: its members and the
    network's coordinators may."""
    circle = await get(session, network_id, name)
    if not network_coordinator and await role_in(session, circle.id, reader.id) is None:
        raise UserError(
            N_("Only members of {circle} can see who belongs to it."), circle=circle.name
        )
    return circle, await memberships(session, circle)


async def memberships(session: AsyncSession, circle: Circle) -> list[CircleMembership]:
    """The circle's members, coordinators first, then by name."""
    rows = await session.scalars(
        select(CircleMembership)
        .join(Member)
        .options(contains_eager(CircleMembership.member))  # one query: the join loads them
        .where(CircleMembership.circle_id == circle.id)
        .order_by(CircleMembership.role, Member.name_key)
    )
    return list(rows)


async def add_coordinator(
    session: AsyncSession, circle: Circle, member: Member, now: datetime
) -> bool:
    """Make `member` a coordinator of `circle`; False if they were one already."""
    membership = await join_circle(session, circle.id, member, now)
    if membership.role is Role.COORDINATOR:
        return False
    membership.role = Role.COORDINATOR
    await session.flush()
    return True


async def remove_coordinator(
    session: AsyncSession, settings: Settings, circle: Circle, member: Member
) -> None:
    """Make `member` an ordinary member of `circle` again."""
    identities = await member.awaitable_attrs.identities
    if is_network_coordinator(settings, identities):
        raise UserError(
            N_(
                "{name} coordinates the whole network: the configuration file says so, "
                "and only a change there can end it."
            ),
            name=member.display_name,
        )
    membership = await session.get(CircleMembership, (circle.id, member.id))
    if membership is None or membership.role is not Role.COORDINATOR:
        raise UserError(
            N_("{name} does not coordinate {circle}."), name=member.display_name, circle=circle.name
        )
    membership.role = Role.MEMBER
    await session.flush()


async def role_in(session: AsyncSession, circle_id: int, member_id: int) -> Role | None:
    return await session.scalar(
        select(CircleMembership.role).where(
            CircleMembership.circle_id == circle_id, CircleMembership.member_id == member_id
        )
    )


async def member_circles(session: AsyncSession, member_id: int) -> list[tuple[str, Role]]:
    rows = await session.execute(
        select(Circle.name, CircleMembership.role)
        .join(CircleMembership)
        .where(CircleMembership.member_id == member_id)
        .order_by(Circle.name_key)
    )
    return [(name, role) for name, role in rows]


async def set_participation(
    session: AsyncSession, member_id: int, how: Participation, circle_id: int | None
) -> int:
    """How `member_id` takes part in circle `circle_id` (None: in all their circles);
    the number of circles changed."""
    statement = update(CircleMembership).where(CircleMembership.member_id == member_id)
    if circle_id is not None:
        statement = statement.where(CircleMembership.circle_id == circle_id)
    result = await session.execute(statement.values(participation=how))
    return cast(CursorResult[Any], result).rowcount


async def group_chats(session: AsyncSession, circle_id: int) -> list[Channel]:
    """The circle's group chats, oldest first."""
    return list(
        await session.scalars(
            select(Channel)
            .where(Channel.circle_id == circle_id, Channel.kind == ChatKind.GROUP)
            .order_by(Channel.id)
        )
    )


async def coordinators(session: AsyncSession, circle_id: int) -> list[Member]:
    return list(
        await session.scalars(
            select(Member)
            .join(CircleMembership, CircleMembership.member_id == Member.id)
            .where(
                CircleMembership.circle_id == circle_id,
                CircleMembership.role == Role.COORDINATOR,
            )
            .order_by(Member.id)
        )
    )
