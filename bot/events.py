"""Platform-neutral incoming events. Transports build them; nothing else sees a platform object."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.messages import RichText


class ChatKind(StrEnum):
    GROUP = "group"
    PRIVATE = "private"
    EMAIL = "email"  # an address that gets copies (of the minutes) and never writes back


@dataclass(frozen=True, slots=True)
class ChatAddress:
    """One chat on one platform: a Telegram group, a Matrix room, a console channel."""

    platform: str
    chat_id: str
    kind: ChatKind
    title: str | None = None


@dataclass(frozen=True, slots=True)
class Sender:
    platform: str
    user_id: str
    display_name: str
    username: str | None = None
    language: str | None = None  # what the platform says, a first guess only
    # Where the bot can write to this person privately, if the transport knows.
    private_chat: ChatAddress | None = None


@dataclass(frozen=True, slots=True)
class IncomingFile:
    filename: str
    mime_type: str
    # None: not fetched (see `ref`), or larger than the bot fetches (20 MB).
    data: bytes | None
    # Where the platform keeps a file that was not fetched, for its transport's fetch().
    ref: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    chat: ChatAddress
    sender: Sender
    message_id: str | None = None
    raw: Any = None  # the platform's own event, for the transport that made it
    receipt: int | None = None  # its row in the inbox, if the transport recorded it there


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageEvent(Event):
    text: str
    # The same text with its formatting (bold, italic, code), if it has any.
    formatted: RichText | None = None
    files: tuple[IncomingFile, ...] = ()
    reply_to: str | None = None
    reply_to_sender: Sender | None = None  # who wrote the message replied to, if known
    # Names under which this bot can be addressed as /cmd@name; other names are ignored.
    bot_usernames: tuple[str, ...] = ()
    edited: bool = False  # a correction of message `message_id`, not a new message

    @property
    def awaits_answer(self) -> bool:
        """Meant for the bot: a command, or anything in a private chat."""
        return not self.edited and (self.chat.kind is ChatKind.PRIVATE or self.text.startswith("/"))


@dataclass(frozen=True, slots=True, kw_only=True)
class ButtonEvent(Event):
    data: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MembersChanged(Event):
    """People joined or left a group chat; `sender` made the change (often they themselves)."""

    joined: tuple[Sender, ...] = ()
    left: tuple[Sender, ...] = ()
    bot_joined: bool = False  # the bot itself was added to the chat


@dataclass(frozen=True, slots=True, kw_only=True)
class Reaction(Event):
    """A person reacted to message `message_id` with `key` (an emoji, usually)."""

    key: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Retracted(Event):
    """A person withdrew message `message_id` (Matrix: a redaction)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Unreadable(Event):
    """An encrypted message the bot has no key for: the person should hear it was lost."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatMoved(Event):
    """The platform gave the chat a new id (Telegram: a group became a supergroup)."""

    new_chat_id: str
