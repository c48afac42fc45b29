"""Circles: /setup, /circles, /members, /coordinator, and people joining or leaving a chat."""

from __future__ import annotations

from bot.context import Context
from bot.db.models import Participation, Role
from bot.errors import UserError
from bot.events import MembersChanged
from bot.i18n import N_
from bot.messages import Button, OutgoingMessage, RichText, bold
from bot.registry import Args, ButtonAction, Capability, Command, Listener, Permission
from bot.services import circles, members
from bot.subcommands import ADD, REMOVE


async def setup(ctx: Context, args: Args) -> OutgoingMessage:
    if ctx.is_private:
        raise UserError(N_("Please use /setup in the group chat that should belong to the circle."))
    result = await circles.attach_channel(
        ctx.session,
        ctx.runtime.network_id,
        ctx.channel,
        args.raw,
        ctx.member,
        ctx.is_network_coordinator,
        ctx.now,
    )
    name = bold(result.circle.name)
    if result.created:
        text = RichText.format(
            ctx.t("This chat now belongs to the new circle {circle}. You coordinate it."),
            circle=name,
        )
    else:
        text = RichText.format(ctx.t("This chat now belongs to the circle {circle}."), circle=name)
    if result.previous:
        text += " " + ctx.t("It no longer belongs to {circle}.", circle=result.previous)
    return OutgoingMessage(text)


async def list_circles(ctx: Context, args: Args) -> OutgoingMessage:
    summaries = await circles.overview(ctx.session, ctx.runtime.network_id)
    if not summaries:
        return ctx.text(
            N_(
                "There are no circles yet. A coordinator creates one with /setup NAME "
                "in a group chat."
            )
        )
    text = RichText.format(
        ctx.t("Circles of {network}:"), network=bold(ctx.runtime.settings.network.name)
    )
    for summary in summaries:
        text += RichText.of(
            "\n• ",
            bold(summary.name),
            " – ",
            ctx.t.plural("{n} chat", "{n} chats", summary.channels),
            ", ",
            ctx.t.plural("{n} member", "{n} members", summary.members),
        )
    return OutgoingMessage(text)


async def list_members(ctx: Context, args: Args) -> OutgoingMessage:
    if args.raw:
        circle, memberships = await circles.visible_members(
            ctx.session, ctx.runtime.network_id, args.raw, ctx.member, ctx.is_network_coordinator
        )
    elif ctx.circle is not None:
        circle, memberships = ctx.circle, await circles.memberships(ctx.session, ctx.circle)
    else:
        raise UserError(
            N_("This chat does not belong to a circle. Name one, for example: /members Plenum")
        )
    text = RichText.format(
        ctx.t("Members of {circle} ({count}):"),
        circle=bold(circle.name),
        count=str(len(memberships)),
    )
    for membership in memberships:
        notes = []
        if membership.role is Role.COORDINATOR:
            notes.append(ctx.t("coordinator"))
        if membership.participation is Participation.VOLUNTEER:
            notes.append(ctx.t("volunteer"))
        text += "\n• " + membership.member.display_name
        if notes:
            text += " " + ctx.t("({notes})", notes=", ".join(notes))
    return OutgoingMessage(text)


PARTICIPATION = {
    Participation.VOLUNTEER: N_("as a volunteer"),
    Participation.STAFF: N_("as staff (paid work)"),
}


async def participation(ctx: Context, args: Args) -> OutgoingMessage:
    """Volunteer or staff: meeting times are chosen first for the volunteers."""
    if ctx.circle is None and not await circles.member_circles(ctx.session, ctx.member.id):
        raise UserError(N_("You are not in any circle yet."))
    buttons = tuple(
        (Button(ctx.t(label), f"part:{how.value}"),) for how, label in PARTICIPATION.items()
    )
    return OutgoingMessage(
        RichText.of(
            ctx.t(
                "How do you take part? Meetings are planned first for the hours that suit "
                "volunteers."
            )
        ),
        buttons=buttons,
    )


async def participation_button(ctx: Context, params: tuple[str, ...]) -> OutgoingMessage:
    try:
        how = Participation(params[0] if params else "")
    except ValueError:
        raise UserError(N_("This button no longer works. Please start again.")) from None
    circle_id = ctx.circle.id if ctx.circle is not None else None  # privately: all circles
    if not await circles.set_participation(ctx.session, ctx.member.id, how, circle_id):
        raise UserError(N_("You are not in any circle yet."))
    return ctx.text(
        N_("Noted: {name} takes part {how}."),
        name=ctx.member.display_name,
        how=ctx.t(PARTICIPATION[how]),
    )


async def coordinator(ctx: Context, args: Args) -> OutgoingMessage:
    action = args.words[0]
    adds = ctx.t.means(action, ADD)
    if not adds and not ctx.t.means(action, REMOVE):
        raise ctx.usage_error("coordinator")
    if ctx.circle is None:
        raise UserError(N_("Please use /coordinator in a group chat that belongs to a circle."))
    person = await members.find_by_mention(
        ctx.session, ctx.runtime.network_id, ctx.channel.platform, args.words[1]
    )
    name, circle = person.display_name, ctx.circle
    if adds:
        changed = await circles.add_coordinator(ctx.session, circle, person, ctx.now)
        message = (
            N_("{name} now coordinates {circle}.")
            if changed
            else N_("{name} already coordinates {circle}.")
        )
        return ctx.text(message, name=name, circle=circle.name)
    await circles.remove_coordinator(ctx.session, ctx.runtime.settings, circle, person)
    return ctx.text(N_("{name} no longer coordinates {circle}."), name=name, circle=circle.name)


async def members_changed(ctx: Context, event: MembersChanged) -> OutgoingMessage | None:
    """Who joins a circle's chat belongs to the circle; who leaves it no longer does."""
    for person in event.joined:
        await members.arrive(ctx.session, ctx.runtime.network_id, person, event.chat, ctx.now)
    for person in event.left:
        await members.leave(ctx.session, person, ctx.channel)
    if not event.bot_joined:
        return None
    if ctx.circle is not None:
        return OutgoingMessage(
            RichText.format(
                ctx.t("Hello again! This chat belongs to the circle {circle}."),
                circle=bold(ctx.circle.name),
            )
        )
    return OutgoingMessage(
        RichText.format(
            ctx.t(
                "Hello! I am the assistant of {network}. A coordinator connects this chat to "
                "a circle with /setup NAME. Send /help to see what I can do."
            ),
            network=bold(ctx.runtime.settings.network.name),
        )
    )


CAPABILITY = Capability(
    name="circles",
    listeners=(Listener(MembersChanged, members_changed),),
    commands=(
        Command(
            "circles",
            list_circles,
            N_("List the circles of the network"),
            aliases={"de": "gremien", "tr": "kurullar"},
        ),
        Command(
            "participation",
            participation,
            N_("Say whether you take part as a volunteer"),
            aliases={"de": "teilnahme", "tr": "katilim"},
        ),
        Command(
            "members",
            list_members,
            N_("List the members of this circle or of circle NAME"),
            usage=N_("[NAME]"),
            max_args=None,
            aliases={"de": "mitglieder", "tr": "uyeler"},
        ),
        Command(
            "setup",
            setup,
            N_("Make this group chat part of circle NAME"),
            usage=N_("NAME"),
            min_args=1,
            max_args=None,
            permission=Permission.COORDINATOR,
            aliases={"de": "einrichten", "tr": "kurulum"},
        ),
        Command(
            "coordinator",
            coordinator,
            N_("Give or take the coordinator role in this circle"),
            usage=N_("{add} | {remove} @PERSON"),
            words={"add": ADD, "remove": REMOVE},
            min_args=2,
            max_args=2,
            permission=Permission.COORDINATOR,
            aliases={"de": "koordination", "tr": "koordinator"},
        ),
    ),
    buttons=(ButtonAction("part", participation_button),),
)
