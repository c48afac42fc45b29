"""The console transport: named people in named channels, in a terminal or a transcript.

Channels are `#name` (a group chat) or a person's private chat with the bot. The
transport remembers the bot's messages with buttons so that a person can tap one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.events import ButtonEvent, ChatAddress, ChatKind, IncomingFile, MessageEvent, Sender
from bot.inbox import TransportStore
from bot.messages import Button, OutgoingMessage
from bot.transports import EventHandler, PermanentFailure, Progress
from bot.written import without_direction_marks

PLATFORM = "console"
BOT_NAME = "netzwerkbot"


@dataclass(frozen=True, slots=True)
class _Sent:
    chat_id: str
    message_id: str
    buttons: tuple[Button, ...]


class ConsoleTransport:
    platform = PLATFORM

    def __init__(self, clock: Clock, tz: ZoneInfo, write: Callable[[str], None]) -> None:
        self._clock = clock
        self._tz = tz
        self._write = write
        self._with_buttons: list[_Sent] = []
        self._counter = 0
        self.on_event: EventHandler | None = None

    async def start(self, on_event: EventHandler, store: TransportStore) -> None:
        self.on_event = on_event

    def private_link(self) -> str | None:
        return None

    async def publish_commands(self, menus: Mapping[str, Sequence[tuple[str, str]]]) -> None:
        pass  # no menu here: /help lists them

    async def stop(self) -> None:
        self.on_event = None

    async def send(self, chat: ChatAddress, message: OutgoingMessage, progress: Progress) -> str:
        message_id = self._next_id("b")
        self._write(self.render(chat, message))
        buttons = tuple(button for row in message.buttons for button in row)
        if buttons:
            self._with_buttons.append(_Sent(chat.chat_id, message_id, buttons))
        return message_id

    async def replace(self, chat: ChatAddress, message_id: str, message: OutgoingMessage) -> None:
        self._with_buttons = [s for s in self._with_buttons if s.message_id != message_id]
        if message.is_deletion:
            self._write(f"[{self._stamp()}] bot -> {chat.chat_id}: (deletes {message_id})")
            return
        self._write(self.render(chat, message, f"(edits {message_id}) "))
        buttons = tuple(button for row in message.buttons for button in row)
        if buttons:
            self._with_buttons.append(_Sent(chat.chat_id, message_id, buttons))

    async def fetch(self, ref: str) -> bytes:
        raise PermanentFailure("files typed at the console come with their data")

    def render(self, chat: ChatAddress, message: OutgoingMessage, note: str = "") -> str:
        lines = message.text.plain.split("\n")
        out = [f"[{self._stamp()}] bot -> {chat.chat_id}: {note}{lines[0]}"]
        out += [f"  {line}" for line in lines[1:]]
        out += ["  " + " ".join(f"[{b.label}]" for b in row) for row in message.buttons]
        out += [f"  <file: {a.filename}, {len(a.data)} bytes>" for a in message.attachments]
        return "\n".join(out)

    def _stamp(self) -> str:
        return self._clock.now().astimezone(self._tz).strftime("%Y-%m-%d %H:%M")

    # What a person at the console does, as neutral events.

    def message(
        self, user: str, channel: str | None, text: str, files: tuple[IncomingFile, ...] = ()
    ) -> MessageEvent:
        return MessageEvent(
            chat=self._chat(user, channel),
            sender=self._sender(user),
            message_id=self._next_id("m"),
            text=text,
            files=files,
            bot_usernames=(BOT_NAME,),
        )

    def tap(self, user: str, channel: str | None, label: str) -> ButtonEvent:
        """Tap `label` on the newest bot message in that chat that has such a button."""
        chat = self._chat(user, channel)
        for sent in reversed(self._with_buttons):
            if sent.chat_id != chat.chat_id:
                continue
            for button in sent.buttons:
                if same_label(button.label, label):
                    return ButtonEvent(
                        chat=chat,
                        sender=self._sender(user),
                        message_id=sent.message_id,
                        data=button.data,
                    )
        raise LookupError(f"no button [{label}] in {chat.chat_id}")

    def press(self, user: str, channel: str | None, data: str) -> ButtonEvent:
        """A tap carrying `data`, whatever the bot sent: an old or a forged button."""
        chat = self._chat(user, channel)
        return ButtonEvent(chat=chat, sender=self._sender(user), message_id="b0", data=data)

    def _chat(self, user: str, channel: str | None) -> ChatAddress:
        if channel is None:
            return _private_chat(user)
        return ChatAddress(PLATFORM, f"#{channel}", ChatKind.GROUP, channel)

    def _sender(self, user: str) -> Sender:
        return Sender(PLATFORM, user, user, username=user, private_chat=_private_chat(user))

    def _next_id(self, prefix: str) -> str:
        self._counter += 1
        return f"{prefix}{self._counter}"


def same_label(shown: str, typed: str) -> bool:
    """Babel writes "6:00\u202fPM": any kind of space in a label matches a typed one; and
    the bidi isolates of a right-to-left label need not be typed."""
    return without_direction_marks(shown).split() == without_direction_marks(typed).split()


def _private_chat(user: str) -> ChatAddress:
    return ChatAddress(PLATFORM, f"@{user}", ChatKind.PRIVATE, user)
