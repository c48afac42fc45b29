"""Telegram updates to neutral events."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from telegram import Chat, Message, MessageEntity, Update, User

from bot.events import (
    ButtonEvent,
    ChatAddress,
    ChatKind,
    ChatMoved,
    Event,
    MembersChanged,
    MessageEvent,
    Sender,
)
from bot.messages import RichText, Span, Style

PLATFORM = "telegram"
MAX_DOWNLOAD = 20 * 1024 * 1024  # the largest file the Bot API lets a bot fetch
_TELEGRAM = Sender(PLATFORM, "0", "Telegram")  # for service messages without a person
TELEGRAM_SERVICE_ACCOUNT = 777000  # forwards a linked channel's posts into its group
_STYLES = {
    MessageEntity.BOLD: Style.BOLD,
    MessageEntity.ITALIC: Style.ITALIC,
    MessageEntity.CODE: Style.CODE,
    MessageEntity.PRE: Style.CODE,
}


def chat_address(chat: Chat) -> ChatAddress:
    if chat.type == Chat.PRIVATE:
        return ChatAddress(PLATFORM, str(chat.id), ChatKind.PRIVATE, chat.full_name)
    return ChatAddress(PLATFORM, str(chat.id), ChatKind.GROUP, chat.title)


def sender(user: User) -> Sender:
    return Sender(
        PLATFORM,
        str(user.id),
        user.full_name,
        username=user.username,
        language=user.language_code,
        # Works once the person has started the bot; until then Telegram refuses.
        private_chat=ChatAddress(PLATFORM, str(user.id), ChatKind.PRIVATE, user.full_name),
    )


def _author(message: Message | None) -> Sender | None:
    """Who wrote `message` (the one replied to), if it was a person."""
    user = message.from_user if message else None
    if user is None or user.is_bot or user.id == TELEGRAM_SERVICE_ACCOUNT:
        return None
    return sender(user)


@dataclass(frozen=True, slots=True)
class FileRef:
    """A file in a Telegram message, not fetched yet."""

    file_id: str
    filename: str
    mime_type: str
    size: int | None


def attached_files(update: Update) -> list[FileRef]:
    message = update.message
    if message is None:
        return []
    if message.photo:
        largest = message.photo[-1]  # Telegram lists the sizes smallest first
        return [FileRef(largest.file_id, "photo.jpg", "image/jpeg", largest.file_size)]
    if sticker := message.sticker:
        name, mime = (
            ("sticker.tgs", "application/x-tgsticker")
            if sticker.is_animated
            else ("sticker.webm", "video/webm")
            if sticker.is_video
            else ("sticker.webp", "image/webp")
        )
        return [FileRef(sticker.file_id, name, mime, sticker.file_size)]
    # Documents, voice messages, audio, video, GIFs (animations) and round videos.
    for found, name, mime in (
        (message.document, "file", "application/octet-stream"),
        (message.voice, "voice.ogg", "audio/ogg"),
        (message.audio, "audio.mp3", "audio/mpeg"),
        (message.animation, "animation.mp4", "video/mp4"),
        (message.video, "video.mp4", "video/mp4"),
        (message.video_note, "video.mp4", "video/mp4"),
    ):
        if found is not None:
            filename = getattr(found, "file_name", None) or name
            mime_type = getattr(found, "mime_type", None) or mime
            return [FileRef(found.file_id, filename, mime_type, found.file_size)]
    return []


def to_event(update: Update, receipt: int, bot_username: str) -> Event | None:
    """The neutral event for `update`, or None for kinds the bot does not act on (yet)."""
    if update.callback_query is not None:
        query = update.callback_query
        message = query.message
        if message is None or not query.data:
            return None
        return ButtonEvent(
            chat=chat_address(message.chat),
            sender=sender(query.from_user),
            message_id=str(message.message_id),
            data=query.data,
            receipt=receipt,
            raw=update,
        )
    message = update.message or update.edited_message
    if message is None:
        return None
    if message.migrate_to_chat_id:
        return ChatMoved(
            chat=chat_address(message.chat),
            sender=sender(message.from_user) if message.from_user else _TELEGRAM,
            new_chat_id=str(message.migrate_to_chat_id),
            receipt=receipt,
            raw=update,
        )
    if message.new_chat_members or message.left_chat_member:
        return _members_changed(message, receipt, update, bot_username)
    if (
        message.from_user is None
        or message.from_user.is_bot
        or message.sender_chat is not None  # posted as a channel or group, not a person
        or message.is_automatic_forward
        or message.from_user.id == TELEGRAM_SERVICE_ACCOUNT
    ):
        return None
    text = message.text or message.caption or ""
    reply = message.reply_to_message
    return MessageEvent(
        chat=chat_address(message.chat),
        sender=sender(message.from_user),
        message_id=str(message.message_id),
        text=text,
        formatted=formatted(text, message.entities or message.caption_entities),
        reply_to=str(reply.message_id) if reply else None,
        reply_to_sender=_author(reply),
        bot_usernames=(bot_username,),
        edited=update.edited_message is not None,
        receipt=receipt,
        raw=update,
    )


def formatted(text: str, entities: Sequence[MessageEntity]) -> RichText | None:
    """The text with the styles both platforms have, if it has any. Telegram counts offsets
    in UTF-16 code units; a style inside another one takes the outer one's place."""
    styled = sorted((e for e in entities if e.type in _STYLES), key=lambda e: e.offset)
    if not styled:
        return None
    encoded = text.encode("utf-16-le")

    def piece(start: int, end: int) -> str:
        return encoded[start * 2 : end * 2].decode("utf-16-le", errors="replace")

    spans: list[Span] = []
    position = 0
    for entity in styled:
        if entity.offset < position:
            continue  # nested in the one before
        end = entity.offset + entity.length
        spans += [
            Span(piece(position, entity.offset)),
            Span(piece(entity.offset, end), _STYLES[entity.type]),
        ]
        position = end
    spans.append(Span(piece(position, len(encoded) // 2)))
    return RichText(tuple(span for span in spans if span.text))


def _members_changed(
    message: Message, receipt: int, update: Update, bot_username: str
) -> MembersChanged | None:
    """A service message: people were added, joined by link, left or were removed."""
    arrived = list(message.new_chat_members)
    gone = [message.left_chat_member] if message.left_chat_member else []
    event = MembersChanged(
        chat=chat_address(message.chat),
        sender=sender(message.from_user) if message.from_user else _TELEGRAM,
        message_id=str(message.message_id),
        joined=tuple(sender(user) for user in arrived if not user.is_bot),
        left=tuple(sender(user) for user in gone if not user.is_bot),
        bot_joined=any(
            user.is_bot and (user.username or "").lower() == bot_username.lower()
            for user in arrived
        ),
        receipt=receipt,
        raw=update,
    )
    return event if event.joined or event.left or event.bot_joined else None
