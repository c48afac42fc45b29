"""/agenda, /rotation and /place: what the circle's next meeting is about, who moderates
and takes the minutes, and where it takes place."""

from __future__ import annotations

from sqlalchemy import select

from bot import meeting_messages as say
from bot.availability import CLEAR
from bot.context import Context
from bot.db.models import Circle, CircleMembership, Member
from bot.i18n import N_
from bot.messages import Button, OutgoingMessage, RichText, bold
from bot.registry import Args, ButtonAction, Capability, Command, Permission, row_number
from bot.services import agenda, meetings
from bot.subcommands import ACCESS, ADD, JOIN, LEAVE, ONLINE, REMOVE


async def show_agenda(ctx: Context, args: Args) -> OutgoingMessage:
    circle = ctx.circle_or_fail("agenda")
    action, rest = (
        (args.words[0], args.raw[len(args.words[0]) :].strip()) if args.words else ("", "")
    )
    if ctx.t.means(action, ADD):
        number = await agenda.add(ctx.session, circle, ctx.member, rest, ctx.now)
        return ctx.text(N_("Added as point {number} of the agenda."), number=number)
    if ctx.t.means(action, REMOVE):
        if (point := row_number(rest)) is None:
            raise ctx.usage_error("agenda")
        removed = await agenda.remove(ctx.session, circle, ctx.member, point, ctx.is_coordinator)
        return ctx.text(N_("Removed from the agenda: {text}"), text=removed)
    if action:
        raise ctx.usage_error("agenda")
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
    action = args.words[0] if args.words else ""
    joins = ctx.t.means(action, JOIN)
    if joins or ctx.t.means(action, LEAVE):
        await ctx.ensure_private_chat()
        await agenda.set_rotation(ctx.session, circle, ctx.member, joins)
        if joins:
            return ctx.text(
                N_("Thank you! You now take turns moderating and taking the minutes in {circle}."),
                circle=circle.name,
            )
        return ctx.text(N_("You are no longer in the rotation of {circle}."), circle=circle.name)
    if action:
        raise ctx.usage_error("rotation")
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
    action = args.words[0] if args.words else ""
    if action and not ctx.is_coordinator:
        raise ctx.coordinators_only()
    if ctx.t.means(action, ONLINE):
        agenda.set_link(circle, args.raw[len(args.words[0]) :].strip())
    elif ctx.t.means(action, ACCESS):
        return _access_buttons(ctx, circle)
    elif ctx.t.means(action, CLEAR):
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


# Words, not a tick: whether a feature is on must not rest on a symbol alone.
ON = N_("{feature}: yes")
OFF = N_("{feature}: no")


def _access_buttons(ctx: Context, circle: Circle) -> OutgoingMessage:
    features = circle.place_access.split(",")
    buttons = tuple(
        (Button(ctx.t(ON if key in features else OFF, feature=ctx.t(label)), f"pacc:{key}"),)
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
            usage=N_("[{add} TEXT | {remove} N]"),
            words={"add": ADD, "remove": REMOVE},
            max_args=None,
            aliases={"de": "tagesordnung", "tr": "gundem"},
        ),
        Command(
            "rotation",
            rotation,
            N_("Take turns moderating and taking the minutes"),
            usage=N_("[{join} | {leave}]"),
            words={"join": JOIN, "leave": LEAVE},
            max_args=1,
            aliases={"de": "reihum", "tr": "sira"},
        ),
        Command(
            "place",
            place,
            N_("Where the circle meets: address, online link, accessibility"),
            usage=N_("[ADDRESS | {online} LINK | {access} | {clear}]"),
            words={"online": ONLINE, "access": ACCESS, "clear": CLEAR},
            max_args=None,
            aliases={"de": "ort", "tr": "yer"},
        ),
    ),
    buttons=(ButtonAction("pacc", access_button, Permission.COORDINATOR),),
)
