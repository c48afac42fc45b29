"""Driving the real bot through the console transport and reading what it said."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.db.models import Base, Channel, OutboxMessage, Reminder
from bot.events import ChatAddress, IncomingFile
from bot.inbox import TransportStore
from bot.messages import OutgoingMessage
from bot.registry import Capability
from bot.transports import EventHandler, Progress, Transport
from bot.transports.console.script import ConsoleSession


class Chat(ConsoleSession):
    """A ConsoleSession that records the bot's messages for assertions."""

    def __init__(
        self,
        settings: Settings,
        capabilities: Sequence[Capability],
        base_dir: Path = Path("."),
        others: Sequence[Transport] = (),
    ) -> None:
        self.lines: list[str] = []
        super().__init__(settings, capabilities, self.lines.append, base_dir, others)

    def said(self) -> str:
        """Everything the bot said since the last call."""
        text = "\n".join(self.lines)
        self.lines.clear()
        return text

    async def ask(self, user: str, channel: str | None, text: str) -> str:
        await self.say(user, channel, text)
        return self.said()

    async def add_reminder_rows(
        self, kind: str, due: Sequence[datetime], chat_id: str = "#plenum"
    ) -> None:
        """Reminder rows of `kind` for the group chat, numbered in their payload from 1."""
        async with self.core.sessions.begin() as session:
            channel = await session.scalar(select(Channel).where(Channel.chat_id == chat_id))
            assert channel is not None
            for n, at in enumerate(due, start=1):
                session.add(
                    Reminder(
                        kind=kind,
                        due_at=at,
                        channel_id=channel.id,
                        payload={"n": n},
                        created_at=self.clock.now(),
                        attempts=0,
                    )
                )

    async def send_and_read(
        self, user: str, channel: str | None, caption: str, *files: IncomingFile
    ) -> str:
        await self._handle(self.console.message(user, channel, caption, files=files))
        return self.said()

    async def tap_and_read(self, user: str, channel: str | None, label: str) -> str:
        await self.tap(user, channel, label)
        return self.said()

    async def press_and_read(self, user: str, channel: str | None, data: str) -> str:
        await self._handle(self.console.press(user, channel, data))
        return self.said()

    async def rows(self) -> dict[str, list[dict[str, Any]]]:
        """Every row of every table, for before/after comparisons."""
        return await all_rows(self.core.sessions)


async def all_rows(sessions: async_sessionmaker[AsyncSession]) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, by table."""
    snapshot: dict[str, list[dict[str, Any]]] = {}
    async with sessions() as session:
        for mapper in Base.registry.mappers:
            model = mapper.class_
            rows = await session.scalars(select(model))
            snapshot[model.__tablename__] = sorted(
                (
                    {attr.key: getattr(row, attr.key) for attr in inspect(model).column_attrs}
                    for row in rows
                ),
                key=repr,
            )
    return snapshot


class Recorder:
    """A transport that keeps what it is asked to send, or fails as told (the outer edge)."""

    def __init__(self, platform: str = "console") -> None:
        self.platform = platform
        self.sent: list[tuple[ChatAddress, OutgoingMessage]] = []
        self.keys: list[str | None] = []  # each send's idempotency key, failed ones too
        self.failures: list[Exception] = []

    async def start(self, on_event: EventHandler, store: TransportStore) -> None:
        pass

    def private_link(self) -> str | None:
        return None

    async def publish_commands(self, menus: Mapping[str, Sequence[tuple[str, str]]]) -> None:
        pass  # no menu here: /help lists them

    async def stop(self) -> None:
        pass

    async def send(self, chat: ChatAddress, message: OutgoingMessage, progress: Progress) -> str:
        self.keys.append(progress.key)
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((chat, message))
        return f"sent-{len(self.sent)}"

    async def replace(self, chat: ChatAddress, message_id: str, message: OutgoingMessage) -> None:
        await self.send(chat, message, Progress())


async def held_until(sessions: async_sessionmaker[AsyncSession], clock: Clock) -> list[datetime]:
    """When the messages the outbox holds back may go."""
    async with sessions() as session:
        rows = await session.scalars(
            select(OutboxMessage.not_before).where(
                OutboxMessage.sent_at.is_(None), OutboxMessage.not_before > clock.now()
            )
        )
        return list(rows)
