"""Sending to Telegram: neutral messages as Telegram messages within the flood limits, and
Telegram's answers as the outbox understands them."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import partial
from typing import TypeVar

import httpx
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    ReplyParameters,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    RetryAfter,
    TimedOut,
)
from telegram.warnings import PTBDeprecationWarning

from bot.events import ChatAddress, ChatKind
from bot.messages import Attachment, OutgoingMessage, RichText
from bot.transports import (
    ChatIdChanged,
    PermanentFailure,
    Progress,
    RecipientUnreachable,
    RetryLater,
)
from bot.transports.telegram.limits import SendLimits
from bot.transports.telegram.render import MAX_CAPTION, split, to_html, units

log = logging.getLogger(__name__)

T = TypeVar("T")
Part = Callable[[], Awaitable[Message]]

PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp"}
MAX_PHOTO = 10 * 1024 * 1024  # Telegram's limit for a photo; larger pictures go as files


class Sending:
    def __init__(self, bot: Bot, limits: SendLimits) -> None:
        self.bot = bot
        self._limits = limits

    async def send(
        self, chat: ChatAddress, message: OutgoingMessage, progress: Progress
    ) -> str | None:
        chat_id = int(chat.chat_id)
        group = chat.kind is ChatKind.GROUP
        sent_id: str | None = None
        try:
            for index, part in enumerate(self._parts(chat_id, message)):
                if index < progress.parts_done:
                    continue  # delivered by an earlier attempt
                if wait := self._limits.wait(chat_id, group):
                    # The outbox holds this chat (the rest of a long message included) and
                    # serves other chats meanwhile.
                    raise RetryLater(wait)
                self._limits.sent(chat_id, group)
                sent = await call(part())
                progress.parts_done = index + 1
                sent_id = str(sent.message_id)
        except Forbidden:
            if group:
                raise PermanentFailure("the bot is no longer in this group") from None
            raise RecipientUnreachable() from None
        return sent_id

    async def replace(self, chat: ChatAddress, message_id: str, message: OutgoingMessage) -> None:
        chat_id, group = int(chat.chat_id), chat.kind is ChatKind.GROUP
        try:
            if message.is_deletion:
                await call(self.bot.delete_message(chat_id, int(message_id)))
                return
            if wait := self._limits.wait(chat_id, group):
                raise RetryLater(wait)  # edits count against the flood limits too
            self._limits.sent(chat_id, group)
            markup = _keyboard(message)
            if message.text.plain:
                await self._edit_text(chat_id, int(message_id), message.text, markup)
            else:  # the same text, other buttons
                await call(
                    self.bot.edit_message_reply_markup(
                        chat_id, int(message_id), reply_markup=markup
                    )
                )
        except PermanentFailure as failure:
            if "message is not modified" not in str(failure).lower():
                raise  # an edit that changes nothing is done already
        except Forbidden:
            raise PermanentFailure("the bot can no longer write in this chat") from None

    async def _edit_text(
        self, chat_id: int, message_id: int, text: RichText, markup: InlineKeyboardMarkup | None
    ) -> None:
        """A live tally fits in one message; more than that is cut at the first part. A file
        with its text as the caption (a relayed photo, say) has its caption changed."""
        try:
            html = to_html(split(text)[0])
            await call(
                self.bot.edit_message_text(
                    html, chat_id, message_id, parse_mode=ParseMode.HTML, reply_markup=markup
                )
            )
        except PermanentFailure as failure:
            if "no text in the message" not in str(failure):
                raise
            caption = to_html(split(text, MAX_CAPTION)[0])
            await call(
                self.bot.edit_message_caption(
                    chat_id, message_id, caption=caption, parse_mode=ParseMode.HTML
                )
            )

    def _parts(self, chat_id: int, message: OutgoingMessage) -> list[Part]:
        """The Telegram messages that make up `message`, in order, each still to be sent."""
        markup = _keyboard(message)
        reply = (
            ReplyParameters(message_id=int(message.reply_to), allow_sending_without_reply=True)
            if message.reply_to and message.reply_to.isdecimal()
            else None
        )
        parts: list[Part] = []
        attachments = list(message.attachments)
        text = message.text
        if len(attachments) == 1 and not markup and 0 < units(text.plain) <= MAX_CAPTION:
            # One file with a short text: one message, the text as its caption.
            parts.append(partial(self._send_file, chat_id, attachments.pop(), text, reply))
            text, reply = RichText(), None
        chunks = split(text) if text.plain else []
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            parts.append(
                partial(
                    self.bot.send_message,
                    chat_id,
                    to_html(chunk),
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup if last else None,
                    reply_parameters=reply if index == 0 else None,
                )
            )
        parts += [partial(self._send_file, chat_id, a, RichText(), None) for a in attachments]
        return parts

    async def _send_file(
        self,
        chat_id: int,
        attachment: Attachment,
        caption: RichText,
        reply: ReplyParameters | None,
    ) -> Message:
        """Pictures as photos (shown in the chat), voice messages as voice, anything else as
        a document."""
        file = InputFile(attachment.data, filename=attachment.filename)
        text = to_html(caption) if caption.plain else None
        mode = ParseMode.HTML if caption.plain else None
        if attachment.mime_type == "audio/ogg":  # Opus, as Telegram records voice
            return await self.bot.send_voice(
                chat_id, file, caption=text, parse_mode=mode, reply_parameters=reply
            )
        if attachment.mime_type in PHOTO_TYPES and len(attachment.data) <= MAX_PHOTO:
            try:
                return await self.bot.send_photo(
                    chat_id, file, caption=text, parse_mode=mode, reply_parameters=reply
                )
            except BadRequest as error:  # Telegram takes a picture of odd shape as a file only
                log.info("telegram: not taken as a photo (%s); sent as a file", error.message)
        return await self.bot.send_document(
            chat_id, file, caption=text, parse_mode=mode, reply_parameters=reply
        )


def _keyboard(message: OutgoingMessage) -> InlineKeyboardMarkup | None:
    if not message.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.label, callback_data=b.data) for b in row]
            for row in message.buttons
        ]
    )


async def call(request: Awaitable[T]) -> T:
    """Telegram's answers as the outbox understands them."""
    try:
        return await request
    except RetryAfter as error:
        with warnings.catch_warnings():  # int today, timedelta in PTB 23: both are handled
            warnings.simplefilter("ignore", PTBDeprecationWarning)
            wait = error.retry_after
        raise RetryLater(wait.total_seconds() if isinstance(wait, timedelta) else wait) from None
    except ChatMigrated as error:
        raise ChatIdChanged(str(error.new_chat_id)) from None
    except TimedOut as error:
        if isinstance(error.__cause__, httpx.ConnectTimeout | httpx.PoolTimeout):
            raise  # never left this machine: the outbox tries again
        # It may have arrived: sending again could double it. Recorded, not repeated.
        raise PermanentFailure("uncertain: timed out, may or may not have been delivered") from None
    except BadRequest as error:
        raise PermanentFailure(f"BadRequest: {error.message}") from None
