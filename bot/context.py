"""What a handler gets: the event, who sent it, where, in which language, and the unit of work."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Channel, Circle, Member
from bot.errors import UserError
from bot.events import ChatKind, Event, MessageEvent
from bot.i18n import N_, Translator
from bot.messages import OutgoingMessage, RichText
from bot.registry import usage_line
from bot.runtime import Runtime
from bot.services import members
from bot.written import without_direction_marks

_TYPED = re.compile(r"\s*/([^\s@]+)")  # the command's name as typed, without @bot


@dataclass(slots=True)
class Context:
    session: AsyncSession
    event: Event
    member: Member
    channel: Channel
    circle: Circle | None
    t: Translator
    is_coordinator: bool  # of the whole network, or of this chat's circle
    is_network_coordinator: bool
    runtime: Runtime

    @property
    def now(self) -> datetime:
        return self.runtime.clock.now()

    @property
    def is_private(self) -> bool:
        return self.channel.kind == ChatKind.PRIVATE

    def circle_or_fail(self, command: str) -> Circle:
        """The circle of this chat, for a command that only makes sense in one."""
        if self.circle is None:
            raise UserError(N_("Please use /{name} in the group chat of a circle."), name=command)
        return self.circle

    @property
    def typed_command(self) -> str | None:
        """The name of the command as the person typed it ("termin"), if they typed one."""
        if isinstance(self.event, MessageEvent):
            found = _TYPED.match(without_direction_marks(self.event.text))
            return found[1].lower() if found else None
        return None

    def usage_error(self, command: str) -> UserError:
        """How to use `command` (named as the person typed it), for a wrong use of it."""
        usage = usage_line(self.runtime.registry.commands[command], self.t, self.typed_command)
        return UserError(N_("Usage: {usage}"), usage=usage)

    def coordinators_only(self, what: str = "") -> UserError:
        """The refusal of a command (and `what` follows it) to whoever is no coordinator."""
        name = " ".join(filter(None, (self.typed_command, what)))
        return UserError(N_("Sorry, only a coordinator can use /{name}."), name=name)

    def text(self, message: str, **params: Any) -> OutgoingMessage:
        """A plain reply: `message` translated into the sender's language."""
        return OutgoingMessage(RichText.of(self.t(message, **params)))

    async def ensure_private_chat(self) -> None:
        """Record the sender's private chat, if the transport knows how to reach them."""
        private = self.event.sender.private_chat
        if private is not None:
            await members.channel_for(self.session, private, self.member, self.now)

    async def send_privately(self, build: Callable[[Translator], OutgoingMessage]) -> bool:
        """Queue a message to the sender's private chat; False if there is none to reach."""
        await self.ensure_private_chat()
        return await self.runtime.outbox.queue_private(self.session, self.member, build)


@dataclass(slots=True)
class JobContext:
    """What a reminder's handler gets when it falls due."""

    session: AsyncSession
    runtime: Runtime

    @property
    def now(self) -> datetime:
        return self.runtime.clock.now()
