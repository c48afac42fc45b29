"""/agenda, /rotation and /place: what the circle's next meeting is about, who moderates
and takes the minutes, and where it takes place."""

from __future__ import annotations

from sqlalchemy import select

from bot import meeting_messages as say
from bot.context import Context
from bot.db.models import Circle, CircleMembership, Member
from bot.dispatcher import usage_line
from bot.errors import UserError
from bot.i18n import N_
from bot.messages import Button, OutgoingMessage, RichText, bold
from bot.registry import Args, ButtonAction, Capability, Command, Permission, row_number
from bot.services import agenda, meetings


def _usage(ctx: Context, name: str) -> UserError:
    return UserError(
        N_("Usage: {usage}"), usage=usage_line(ctx.runtime.registry.commands[name], ctx.t)
    )


async def show_agenda(ctx: Context, args: Args) -> OutgoingMessage:
    circle = ctx.circle_or_fail("agenda")
    action, rest = (
        (args.words[0].lower(), args.raw[len(args.words[0]) :].strip()) if args.words else ("", "")
    )
    if action == "add":
        number = await agenda.add(ctx.session, circle, ctx.member, rest, ctx.now)
        return ctx.text(N_("Added as point {number} of the agenda."), number=number)
    if action == "remove":
        if (point := row_number(rest)) is None:
            raise _usage(ctx, "agenda")
        removed = await agenda.remove(ctx.session, circle, ctx.member, point, ctx.is_coordinator)
        return ctx.text(N_("Removed from the agenda: {text}"), text=removed)
    if action:
        raise _usage(ctx, "agenda")
    items = await meetings.open_agenda(ctx.session, circle.id)
    if not items:
        return ctx.text(
            N_("The agenda of the next meeting is empty. Add a point with /agenda add TEXT.")
        )
    text = RichText.format(
        ctx.t("Agenda of the next meeting of {circle}:"), circle=bold(circle.name)
    )
    for number, item in enumerate(items, 1):
        text += f"\n{number}. {item.text}"
    return OutgoingMessage(text)


async def rotation(ctx: Context, args: Args) -> OutgoingMessage:
    circle = ctx.circle_or_fail("rotation")
    action = args.words[0].lower() if args.words else ""
    if action in ("join", "leave"):
        await ctx.ensure_private_chat()
        await agenda.set_rotation(ctx.session, circle, ctx.member, action == "join")
        if action == "join":
            return ctx.text(
                N_("Thank you! You now take turns moderating and taking the minutes in {circle}."),
                circle=circle.name,
            )
        return ctx.text(N_("You are no longer in the rotation of {circle}."), circle=circle.name)
    if action:
        raise _usage(ctx, "rotation")
    names = list(
        await ctx.session.scalars(
            select(Member.display_name)
            .join(CircleMembership, CircleMembership.member_id == Member.id)
            .where(CircleMembership.circle_id == circle.id, CircleMembership.rotation)
            .order_by(CircleMembership.joined_at, CircleMembership.member_id)
        )
    )
    if not names:
        return ctx.text(
            N_("Nobody takes turns moderating yet. Join with /rotation join."),
        )
    return ctx.text(
        N_("Moderation and minutes go round, in this order: {names}"), names=", ".join(names)
    )


async def place(ctx: Context, args: Args) -> OutgoingMessage:
    circle = ctx.circle_or_fail("place")
    action = args.words[0].lower() if args.words else ""
    if action and not ctx.is_coordinator:
        raise UserError(N_("Sorry, only a coordinator can use /{name}."), name="place")
    if action == "online":
        agenda.set_link(circle, args.raw[len(args.words[0]) :].strip())
    elif action == "access":
        return _access_buttons(ctx, circle)
    elif action == "clear":
        agenda.set_address(circle, "")
        circle.place_link = None
        circle.place_access = ""
    elif action:
        agenda.set_address(circle, args.raw)
    lines = say.place_lines(ctx.t, circle)
    if not lines:
        return ctx.text(
            N_("No place is set for {circle}. A coordinator sets it with /place ADDRESS."),
            circle=circle.name,
        )
    return OutgoingMessage(RichText.of("\n".join(lines)))


def _access_buttons(ctx: Context, circle: Circle) -> OutgoingMessage:
    features = circle.place_access.split(",")
    buttons = tuple(
        (Button(("✓ " if key in features else "") + ctx.t(label), f"pacc:{key}"),)
        for key, label in say.ACCESS_FEATURES.items()
    )
    return OutgoingMessage(
        RichText.of(ctx.t("What does the place offer? Tap to switch on or off:")), buttons=buttons
    )


async def access_button(ctx: Context, params: tuple[str, ...]) -> OutgoingMessage:
    circle = ctx.circle_or_fail("place")
    agenda.toggle_access(circle, params[0] if params else "")
    lines = say.place_lines(ctx.t, circle) or [ctx.t("No accessibility features are noted.")]
    return OutgoingMessage(RichText.of("\n".join(lines)))


CAPABILITY = Capability(
    name="agenda",
    commands=(
        Command(
            "agenda",
            show_agenda,
            N_("The agenda of the circle's next meeting"),
            usage=N_("[add TEXT | remove N]"),
            max_args=None,
        ),
        Command(
            "rotation",
            rotation,
            N_("Take turns moderating and taking the minutes"),
            usage=N_("[join | leave]"),
            max_args=1,
        ),
        Command(
            "place",
            place,
            N_("Where the circle meets: address, online link, accessibility"),
            usage=N_("[ADDRESS | online LINK | access | clear]"),
            max_args=None,
        ),
    ),
    buttons=(ButtonAction("pacc", access_button, Permission.COORDINATOR),),
)
