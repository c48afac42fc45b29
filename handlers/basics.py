"""First contact: /start, /help, /language, /whoami."""

from __future__ import annotations

from bot.context import Context
from bot.db.models import Role
from bot.dispatcher import usage_line
from bot.errors import UserError
from bot.i18n import N_
from bot.messages import Button, OutgoingMessage, RichText, bold
from bot.registry import Args, ButtonAction, Capability, Command
from bot.services import circles, members


async def start(ctx: Context, args: Args) -> OutgoingMessage:
    return OutgoingMessage(
        RichText.format(
            ctx.t(
                "Hello {name}! I am the assistant of {network}. I help with meetings, "
                "next steps and minutes. Send /help to see what I can do."
            ),
            name=ctx.member.display_name,
            network=bold(ctx.runtime.settings.network.name),
        )
    )


async def help_(ctx: Context, args: Args) -> OutgoingMessage:
    text = RichText.of(ctx.t("What I can do for you:"))
    for command in ctx.runtime.registry.visible_commands(ctx.is_coordinator):
        text += RichText.of("\n", bold(usage_line(command, ctx.t)), " – ", ctx.t(command.help))
    return OutgoingMessage(text)


async def language(ctx: Context, args: Args) -> OutgoingMessage:
    catalogs = ctx.runtime.catalogs
    if not args.words:
        buttons = tuple(
            (Button(ctx.t.language_name(code), f"lang:{code}"),) for code in catalogs.languages
        )
        return OutgoingMessage(
            RichText.of(
                ctx.t(
                    "Your language is {language}. Which language should I use?",
                    language=ctx.t.language_name(ctx.t.code),
                )
            ),
            buttons=buttons,
        )
    return await _set_language(ctx, args.words[0])


async def language_button(ctx: Context, params: tuple[str, ...]) -> OutgoingMessage:
    return await _set_language(ctx, params[0] if params else "")


async def _set_language(ctx: Context, wanted: str) -> OutgoingMessage:
    catalogs = ctx.runtime.catalogs
    code = catalogs.resolve(wanted)
    if code is None:
        choices = ", ".join(f"{c} ({ctx.t.language_name(c)})" for c in catalogs.languages)
        raise UserError(
            N_("I do not speak {code}. Choose one of: {choices}."),
            code=wanted[:16],
            choices=choices,
        )
    await members.set_language(ctx.session, ctx.member, code)
    t = catalogs.translator(code)
    return OutgoingMessage.plain(
        t("From now on I write to you in {language}.", language=t.language_name(code))
    )


async def whoami(ctx: Context, args: Args) -> OutgoingMessage:
    t = ctx.t
    text = RichText.format(t("You are {name}."), name=bold(ctx.member.display_name))
    identities = await ctx.member.awaitable_attrs.identities
    accounts = ", ".join(f"{i.platform} {i.username or i.user_id}" for i in identities)
    text += "\n" + t("Accounts: {accounts}", accounts=accounts)
    text += "\n" + t("Language: {language}", language=t.language_name(t.code))
    if members.is_network_coordinator(ctx.runtime.settings, identities):
        text += "\n" + t("You coordinate the network.")
    memberships = await circles.member_circles(ctx.session, ctx.member.id)
    if memberships:
        listed = ", ".join(
            t("{circle} (coordinator)", circle=name) if role is Role.COORDINATOR else name
            for name, role in memberships
        )
        text += "\n" + t("Circles: {circles}", circles=listed)
    else:
        text += "\n" + t("You do not belong to any circle yet.")
    return OutgoingMessage(text)


CAPABILITY = Capability(
    name="basics",
    commands=(
        # Any argument is ignored: Telegram's links to a bot send "/start PAYLOAD".
        Command("start", start, N_("Say hello and show what I am for"), max_args=None),
        Command("help", help_, N_("Show this list")),
        Command(
            "language",
            language,
            N_("Choose the language I write to you in"),
            usage=N_("[CODE]"),
            max_args=1,
        ),
        Command("whoami", whoami, N_("Show what I know about you")),
    ),
    buttons=(ButtonAction("lang", language_button),),
)
