"""The outbox: messages are queued as rows in the transaction that causes them, then sent.

A crash between commit and delivery loses nothing: the row is still pending and the
sender delivers it after the restart.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from enum import Enum
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from bot.clock import Clock
from bot.db.models import Channel, Identity, Member, OutboxMessage
from bot.events import ChatAddress, ChatKind
from bot.i18n import Catalogs, Translator
from bot.messages import OutgoingMessage
from bot.transports import PermanentFailure, RetryLater, Transport

log = logging.getLogger(__name__)

BATCH = 100
MAX_ATTEMPTS = 5


class _Outcome(Enum):
    SENT = "sent"
    HELD = "held"  # to be retried later; later rows of the same chat wait for it
    FAILED = "failed"


class Outbox:
    def __init__(self, clock: Clock, catalogs: Catalogs) -> None:
        self._clock = clock
        self._catalogs = catalogs

    def queue(
        self,
        session: AsyncSession,
        channel: Channel,
        message: OutgoingMessage,
        *,
        purge_channel_after_send: bool = False,
    ) -> OutboxMessage:
        now = self._clock.now()
        row = OutboxMessage(
            channel=channel,
            payload=message.to_json(),
            created_at=now,
            not_before=now,
            attempts=0,
            purge_channel_after_send=purge_channel_after_send,
        )
        session.add(row)
        return row

    async def queue_private(
        self,
        session: AsyncSession,
        member: Member,
        build: Callable[[Translator], OutgoingMessage],
    ) -> bool:
        """Queue a message to the member's private chat, in the member's language."""
        channel = await session.scalar(
            select(Channel)
            .where(Channel.member_id == member.id, Channel.kind == ChatKind.PRIVATE)
            .order_by(Channel.id.desc())
            .limit(1)
        )
        if channel is None:
            return False
        translator = await self.translator_for(session, member)
        self.queue(session, channel, build(translator))
        return True

    async def translator_for(self, session: AsyncSession, member: Member) -> Translator:
        hints = await session.scalars(
            select(Identity.language_hint).where(Identity.member_id == member.id)
        )
        return self._catalogs.translator(self._catalogs.negotiate([member.language, *hints]))


@cache
def _due_query() -> Select[tuple[OutboxMessage]]:
    # Built once: the sender runs it after every event.
    return (
        select(OutboxMessage)
        .options(joinedload(OutboxMessage.channel))
        .join(OutboxMessage.channel)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.failed_at.is_(None),
            OutboxMessage.not_before <= bindparam("now"),
            Channel.platform.in_(bindparam("platforms", expanding=True)),
        )
        .order_by(OutboxMessage.id)
        .limit(BATCH)
        .execution_options(populate_existing=True)
    )


class OutboxSender:
    """Delivers pending rows in order, one transaction per row, retrying what can be retried."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        transports: Mapping[str, Transport],
        clock: Clock,
    ) -> None:
        self._sessions = sessions
        self._transports = transports
        self._clock = clock
        self._lock = asyncio.Lock()
        self._wakeup = asyncio.Event()

    def wake(self) -> None:
        self._wakeup.set()

    async def run(self, idle_seconds: float = 30.0) -> None:
        """Drain whenever woken, and every `idle_seconds` for delayed retries."""
        while True:
            try:
                await self.drain()
            except Exception:
                log.exception("outbox drain failed; retrying later")
            try:
                await asyncio.wait_for(self._wakeup.wait(), idle_seconds)
            except TimeoutError:
                pass
            self._wakeup.clear()

    async def drain(self) -> int:
        """Send everything that is due now; return how many rows were delivered.

        One session serves the whole drain; each row's outcome is committed on its own,
        right after the platform answered, so a crash can repeat at most one message.
        That first commit also ends the read of the due rows.
        """
        delivered = 0
        async with self._lock, self._sessions() as session:
            while True:
                rows = await self._due_rows(session)
                skipped: set[int] = set()  # chats told to wait, or purged: the rest waits
                for row in rows:
                    if row.channel_id in skipped:
                        continue
                    try:
                        outcome = await self._deliver(session, row)
                        await session.commit()
                    except StaleDataError:  # the row was erased meanwhile (/forgetme)
                        await session.rollback()
                        continue
                    delivered += outcome is _Outcome.SENT
                    purged = row.purge_channel_after_send and row.channel.member_id is None
                    if outcome is _Outcome.HELD or purged:
                        skipped.add(row.channel_id)
                if len(rows) < BATCH:
                    return delivered

    async def _due_rows(self, session: AsyncSession) -> list[OutboxMessage]:
        rows = await session.scalars(
            _due_query(), {"now": self._clock.now(), "platforms": list(self._transports)}
        )
        return list(rows)

    async def _deliver(self, session: AsyncSession, row: OutboxMessage) -> _Outcome:
        channel = row.channel
        address = ChatAddress(
            channel.platform, channel.chat_id, ChatKind(channel.kind), channel.title
        )
        try:
            message = OutgoingMessage.from_json(row.payload or {})
        except (KeyError, TypeError, ValueError) as error:  # written by an older version?
            log.error("outbox row %s cannot be read: %r", row.id, error)
            await self._close(session, row, error=f"unreadable payload: {error!r}")
            return _Outcome.FAILED
        try:
            message_id = await self._transports[channel.platform].send(address, message)
        except RetryLater as error:
            until = self._clock.now() + timedelta(seconds=error.seconds)
            await self._hold_chat(session, row.channel_id, until)
            return _Outcome.HELD
        except PermanentFailure as error:
            log.warning("outbox row %s cannot be delivered: %s", row.id, error)
            await self._close(session, row, error=str(error) or type(error).__name__)
            return _Outcome.FAILED
        except Exception as error:
            log.exception("outbox row %s: sending failed", row.id)
            return await self._retry_or_fail(session, row, error)
        await self._close(session, row, message_id=message_id)
        return _Outcome.SENT

    async def _close(
        self,
        session: AsyncSession,
        row: OutboxMessage,
        *,
        message_id: str | None = None,
        error: str | None = None,
    ) -> None:
        """Mark the row delivered (no error) or given up; either way its text goes."""
        now = self._clock.now()
        row.payload = None
        row.platform_message_id = message_id
        if error is None:
            row.sent_at = now
        else:
            row.failed_at = now
            row.last_error = error[:500]
        if row.purge_channel_after_send:
            # Unless the person came back meanwhile and the chat is theirs again.
            await session.execute(
                delete(Channel).where(Channel.id == row.channel_id, Channel.member_id.is_(None))
            )

    async def _hold_chat(self, session: AsyncSession, channel_id: int, until: datetime) -> None:
        """Everything still pending for that chat waits too, so the order is kept."""
        await session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.channel_id == channel_id,
                OutboxMessage.sent_at.is_(None),
                OutboxMessage.failed_at.is_(None),
                OutboxMessage.not_before < until,
            )
            .values(not_before=until)
        )

    async def _retry_or_fail(
        self, session: AsyncSession, row: OutboxMessage, error: Exception
    ) -> _Outcome:
        row.attempts += 1
        description = f"{type(error).__name__}: {error}"
        if row.attempts >= MAX_ATTEMPTS:
            await self._close(session, row, error=description)
            return _Outcome.FAILED
        row.last_error = description[:500]
        backoff = timedelta(seconds=5 * 4**row.attempts)
        await self._hold_chat(session, row.channel_id, self._clock.now() + backoff)
        return _Outcome.HELD
