"""First contact: /start, /help, /language, /chatlanguage, /whoami."""

from __future__ import annotations

from bot.context import Context
from bot.db.models import Role
from bot.errors import UserError
from bot.i18n import N_, Catalogs, Translator
from bot.messages import Button, OutgoingMessage, RichText, bold
from bot.registry import Args, ButtonAction, Capability, Command, Permission, usage_line
from bot.services import chat_languages, circles, members


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
        if command.example:
            example = f"/{command.name_in(ctx.t.language)} {ctx.t(command.example)}"
            text += "\n  " + ctx.t("For example: {example}", example=example)
    return OutgoingMessage(text)


async def language(ctx: Context, args: Args) -> OutgoingMessage:
    catalogs = ctx.runtime.catalogs
    if not args.words:
        buttons = tuple(
            (Button(ctx.t.language_name(code), f"lang:{code}"),) for code in _in_order(catalogs)
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


def _in_order(catalogs: Catalogs) -> list[str]:
    """The network's language and its variants first (Deutsch, Leichte Sprache), then the
    others by their code."""
    home = catalogs.default.split("@")[0]
    return sorted(catalogs.languages, key=lambda code: (code.split("@")[0] != home, code))


def _language_code(ctx: Context, wanted: str) -> str:
    catalogs = ctx.runtime.catalogs
    code = catalogs.resolve(wanted)
    if code is None:
        choices = ", ".join(f"{c} ({ctx.t.language_name(c)})" for c in catalogs.languages)
        raise UserError(
            N_("I do not speak {code}. Choose one of: {choices}."),
            code=wanted[:16],
            choices=choices,
        )
    return code


async def _set_language(ctx: Context, wanted: str) -> OutgoingMessage:
    catalogs = ctx.runtime.catalogs
    code = _language_code(ctx, wanted)
    await members.set_language(ctx.session, ctx.member, code)
    t = catalogs.translator(code)
    return OutgoingMessage.plain(
        t("From now on I write to you in {language}.", language=t.language_name(code))
    )


async def chat_language(ctx: Context, args: Args) -> OutgoingMessage:
    """A group chat's language, or two for a bilingual chat: what the bot posts there for
    everyone. What it says to one person stays in that person's language."""
    if ctx.is_private:
        raise UserError(N_("Please use /{name} in a group chat."), name="chatlanguage")
    if args.words:
        codes = [_language_code(ctx, word) for word in args.words]
        chat_languages.set_languages(ctx.channel, codes[0], codes[1] if len(codes) > 1 else None)
    catalogs = ctx.runtime.catalogs
    fallback = catalogs.translator(None)  # the network's, for a chat without its own

    def build(t: Translator) -> OutgoingMessage:
        names = [
            t.language_name(code)
            for code in (ctx.channel.language, ctx.channel.second_language)
            if code
        ]
        if not names:
            text = t(
                "My posts in this chat are in the language of whoever starts them, else in "
                "{language}. A coordinator chooses one with /chatlanguage CODE, or two with "
                "/chatlanguage CODE CODE.",
                language=fallback.language_name(fallback.code),
            )
        elif args.words:
            text = t(
                "From now on my posts in this chat are in {languages}.", languages=t.listing(names)
            )
        else:
            text = t("My posts in this chat are in {languages}.", languages=t.listing(names))
        return OutgoingMessage.plain(text)

    return chat_languages.post(chat_languages.translators(catalogs, ctx.channel, None), build)


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
        Command(
            "start",
            start,
            N_("Say hello and show what I am for"),
            max_args=None,
            aliases={"tr": "basla"},
        ),
        Command("help", help_, N_("Show this list"), aliases={"de": "hilfe", "tr": "yardim"}),
        Command(
            "language",
            language,
            N_("Choose the language I write to you in"),
            usage=N_("[CODE]"),
            max_args=1,
            aliases={"de": "sprache", "tr": "dil"},
        ),
        Command(
            "chatlanguage",
            chat_language,
            N_("Choose the language of my posts in this group chat, or two for both"),
            usage=N_("[CODE [CODE]]"),
            max_args=2,
            permission=Permission.COORDINATOR,
            aliases={"de": "chatsprache", "tr": "sohbetdili"},
        ),
        Command(
            "whoami",
            whoami,
            N_("Show what I know about you"),
            aliases={"de": "werbinich", "tr": "benkimim"},
        ),
    ),
    buttons=(ButtonAction("lang", language_button),),
)
