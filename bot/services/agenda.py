"""A circle's agenda for its next meeting, the rotation of moderation and minutes, and
where it meets."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import AgendaItem, Circle, CircleMembership, Member
from bot.errors import UserError, check_length
from bot.i18n import N_, NP_
from bot.meeting_messages import ACCESS_FEATURES
from bot.services.meetings import open_agenda

MAX_ITEM = 500
MAX_ITEMS = 30
MAX_ADDRESS = 300
MAX_LINK = 500


async def add(
    session: AsyncSession, circle: Circle, member: Member, text: str, now: datetime
) -> int:
    """Returns the new item's number."""
    if not text:
        raise UserError(N_("What should be on the agenda? For example: /agenda add Budget 2027"))
    check_length(text, MAX_ITEM)
    items = await open_agenda(session, circle.id)
    if len(items) >= MAX_ITEMS:
        raise UserError(
            *NP_("The agenda has {n} point already.", "The agenda has {n} points already."),
            n=MAX_ITEMS,
        )
    session.add(AgendaItem(circle_id=circle.id, member_id=member.id, text=text, created_at=now))
    return len(items) + 1


async def remove(
    session: AsyncSession, circle: Circle, member: Member, number: int, coordinator: bool
) -> str:
    items = await open_agenda(session, circle.id)
    if not 1 <= number <= len(items):
        raise UserError(
            N_("There is no point {number} on the agenda. Send /agenda to see them."),
            number=number,
        )
    item = items[number - 1]
    if item.member_id != member.id and not coordinator:
        raise UserError(N_("Only whoever added a point, or a coordinator, can remove it."))
    await session.delete(item)
    return item.text


async def set_rotation(session: AsyncSession, circle: Circle, member: Member, on: bool) -> None:
    membership = await session.get(CircleMembership, (circle.id, member.id))
    if membership is None:
        raise UserError(N_("You are not in any circle yet."))
    membership.rotation = on


def set_address(circle: Circle, address: str) -> None:
    check_length(address, MAX_ADDRESS)
    circle.place_address = address or None


def set_link(circle: Circle, link: str) -> None:
    if not link.startswith(("https://", "http://")) or len(link) > MAX_LINK or " " in link:
        raise UserError(
            N_("Please give the link to the online meeting, for example: /place online https://…")
        )
    circle.place_link = link


def toggle_access(circle: Circle, feature: str) -> bool:
    """Switch a feature of the place on or off; returns whether it is on now."""
    if feature not in ACCESS_FEATURES:
        raise UserError(N_("This button no longer works. Please start again."))
    features = [key for key in circle.place_access.split(",") if key in ACCESS_FEATURES]
    on = feature not in features
    features = [key for key in ACCESS_FEATURES if (key in features) != (key == feature)]
    circle.place_access = ",".join(features)
    return on
