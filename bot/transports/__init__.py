"""Transports: the only code that talks to a messenger. Each one turns platform updates
into neutral events and renders neutral messages for its platform."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.events import ChatAddress, Event
from bot.inbox import TransportStore
from bot.messages import OutgoingMessage

EventHandler = Callable[[Event], Awaitable[None]]


class StartupError(Exception):
    """A transport cannot start (wrong token, unreachable server); str() is the one line shown."""


class RetryLater(Exception):
    """The platform asked us to slow down (Telegram 429, Matrix M_LIMIT_EXCEEDED)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds:.1f}s")
        self.seconds = seconds


class RecipientUnreachable(Exception):
    """A person has not opened a private chat with the bot (Telegram: never pressed Start,
    or blocked the bot). Their messages wait until they do."""


class ChatIdChanged(Exception):
    """The chat lives on under a new id (Telegram: a group became a supergroup)."""

    def __init__(self, new_chat_id: str) -> None:
        super().__init__(f"the chat's new id is {new_chat_id}")
        self.new_chat_id = new_chat_id


class PermanentFailure(Exception):
    """The message can never be delivered (chat gone, bot blocked); retrying is pointless."""


@dataclass(slots=True)
class Progress:
    """How many parts of one message are delivered (a long text goes in several, and so do
    several files). The transport counts up as it goes and skips what is counted; the outbox
    keeps the count with the message, so a retry resumes where the last attempt stopped."""

    parts_done: int = 0
    # The same on every attempt at this message: platforms that take a transaction id
    # (Matrix) recognise a repeated send by it and do not post it twice.
    key: str = ""


class Transport(Protocol):
    platform: str

    async def start(self, on_event: EventHandler, store: TransportStore) -> None:
        """Begin receiving; call on_event for each update, one at a time per chat.

        Updates that must not be lost are recorded in `store` before they are confirmed
        to the platform, and carry their receipt on the event."""
        ...

    async def stop(self) -> None: ...

    async def send(
        self, chat: ChatAddress, message: OutgoingMessage, progress: Progress
    ) -> str | None:
        """Deliver one message, or what is left of it; return the platform's id for it.

        Raises RetryLater rather than waiting: the outbox holds the chat and goes on with
        others."""
        ...

    async def replace(self, chat: ChatAddress, message_id: str, message: OutgoingMessage) -> None:
        """Change the text and buttons of a message the bot sent, or delete it when
        `message.is_deletion`."""
        ...

    async def fetch(self, ref: str) -> bytes:
        """The data of a file people sent, by the `ref` of its IncomingFile; PermanentFailure
        if it is gone."""
        ...

    def private_link(self) -> str | None:
        """A link that opens a private chat with the bot, if the platform has one."""
        ...

    async def publish_commands(self, menus: Mapping[str, Sequence[tuple[str, str]]]) -> None:
        """Show the commands in the platform's menu: per language, (name, one-line help);
        the key "" is for readers whose language has no menu of its own."""
        ...
