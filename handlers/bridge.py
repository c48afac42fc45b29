"""/bridge: relaying people's messages between the group chats of a circle."""

from __future__ import annotations

from bot import bridge_messages as say
from bot.context import Context
from bot.events import MessageEvent, Retracted
from bot.i18n import N_
from bot.messages import OutgoingMessage
from bot.registry import Args, Capability, Command, Listener, Permission
from bot.services import bridge
from bot.services.circles import group_chats

ON = N_("on")
OFF = N_("off")
STATUS = N_("status")


async def bridge_command(ctx: Context, args: Args) -> OutgoingMessage | None:
    circle = ctx.circle_or_fail("bridge")
    word = args.words[0] if args.words else ctx.t.word(STATUS)
    if ctx.t.means(word, STATUS):
        chats = await group_chats(ctx.session, circle.id)
        return say.status(ctx.t, circle.name, chats, on=circle.bridged_since is not None)
    if ctx.t.means(word, ON):
        await bridge.turn_on(ctx.session, ctx.runtime, circle)
        return None  # every chat of the circle is told, this one too
    if ctx.t.means(word, OFF):
        await bridge.turn_off(ctx.session, ctx.runtime, circle)
        return None
    raise ctx.usage_error("bridge")


async def relay(ctx: Context, event: MessageEvent) -> None:
    await bridge.relay(ctx.session, ctx.runtime, ctx.channel, ctx.member, event)


async def withdraw(ctx: Context, event: Retracted) -> None:
    if event.message_id is not None:
        await bridge.withdraw(ctx.session, ctx.runtime, ctx.channel, event.message_id)


CAPABILITY = Capability(
    name="bridge",
    listeners=(Listener(MessageEvent, relay), Listener(Retracted, withdraw)),
    commands=(
        Command(
            "bridge",
            bridge_command,
            N_("Relay messages between the group chats of this circle"),
            usage=N_("{on} | {off} | {status}"),
            words={"on": ON, "off": OFF, "status": STATUS},
            max_args=1,
            permission=Permission.COORDINATOR,
            aliases={"de": "bruecke", "tr": "kopru"},
        ),
    ),
)
