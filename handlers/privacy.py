"""Data protection: /mydata and /forgetme."""

from __future__ import annotations

from collections.abc import Callable

from bot.context import Context
from bot.errors import UserError
from bot.i18n import N_, Translator
from bot.messages import Attachment, Button, OutgoingMessage, RichText
from bot.registry import Args, ButtonAction, Capability, Command
from bot.services import privacy


async def mydata(ctx: Context, args: Args) -> OutgoingMessage | None:
    await ctx.ensure_private_chat()  # so that the export lists it too
    data = await privacy.export(ctx.session, ctx.member, ctx.now)

    def build(t: Translator) -> OutgoingMessage:
        return OutgoingMessage(
            RichText.of(t("Here is everything I store about you.")),
            attachments=(Attachment("netzwerkbot-mydata.json", "application/json", data),),
        )

    return await _privately(ctx, build, "/mydata")


async def forgetme(ctx: Context, args: Args) -> OutgoingMessage | None:
    member_id = ctx.member.id

    def build(t: Translator) -> OutgoingMessage:
        return OutgoingMessage(
            RichText.of(
                t(
                    "Should I erase everything I store about you: your name, accounts, "
                    "language, circles and reminders? This cannot be undone."
                )
            ),
            buttons=(
                (
                    Button(t("Yes, erase everything"), f"forget:{member_id}"),
                    Button(t("No, keep it"), "keep"),
                ),
            ),
        )

    return await _privately(ctx, build, "/forgetme")


async def _privately(
    ctx: Context, build: Callable[[Translator], OutgoingMessage], command: str
) -> OutgoingMessage | None:
    if not await ctx.send_privately(build):
        raise UserError(
            N_("Please start a private chat with me first, then send {command} there."),
            command=command,
        )
    if ctx.is_private:
        return None
    return ctx.text(N_("I have written to you in our private chat."))


async def confirm_forget(ctx: Context, params: tuple[str, ...]) -> None:
    if params != (str(ctx.member.id),):
        raise UserError(N_("This button is meant for someone else."))
    goodbye = OutgoingMessage.plain(
        ctx.t("Done: I have erased everything I stored about you. Goodbye!")
    )
    for channel in await privacy.forget(ctx.session, ctx.member):
        await ctx.runtime.outbox.queue(ctx.session, channel, goodbye, purge_channel_after_send=True)
    return None


async def keep(ctx: Context, params: tuple[str, ...]) -> OutgoingMessage:
    return ctx.text(N_("Good, nothing was erased."))


CAPABILITY = Capability(
    name="privacy",
    commands=(
        Command(
            "mydata",
            mydata,
            N_("Get everything I store about you as a file"),
            aliases={"de": "meinedaten", "tr": "verilerim"},
        ),
        Command(
            "forgetme",
            forgetme,
            N_("Erase everything I store about you"),
            aliases={"de": "vergissmich", "tr": "beniunut"},
        ),
    ),
    buttons=(ButtonAction("forget", confirm_forget), ButtonAction("keep", keep)),
)
