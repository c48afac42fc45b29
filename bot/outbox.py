"""The outbox: messages are queued as rows in the transaction that causes them, then sent.

A crash between commit and delivery loses nothing: the row is still pending and the
sender delivers it after the restart.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    CursorResult,
    Delete,
    Exists,
    Insert,
    Select,
    Update,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement

from bot.clock import Clock
from bot.db.engine import WriteTurns
from bot.db.models import Channel, Identity, Member, OutboxFile, OutboxMessage
from bot.events import ChatAddress, ChatKind
from bot.i18n import Catalogs, Translator
from bot.messages import Attachment, OutgoingMessage, RichText
from bot.transports import (
    ChatIdChanged,
    PermanentFailure,
    Progress,
    RecipientUnreachable,
    RetryLater,
    Transport,
)
from bot.transports.pieces import units

log = logging.getLogger(__name__)

BATCH = 100
SENDER_LOCK = 0x6E62_6F78  # the advisory lock's key on PostgreSQL: "nbox"
_LOCK = text("SELECT pg_advisory_lock(:key)")
_UNLOCK = text("SELECT pg_advisory_unlock(:key)")
MAX_ATTEMPTS = 5
MAX_MOVES = 10  # chat moves followed within one drain
MERGED_UNITS = 4000  # a merged message stays one message: Telegram takes 4,096 (UTF-16)


@dataclass(frozen=True, slots=True)
class Merge:
    """A message that may be merged with the next ones to the same chat while they wait
    together (a chat held back by a rate limit): those of the same `sender` become one
    message, this one's text followed by their `body`s, a line each."""

    sender: str
    body: RichText


@dataclass(frozen=True, slots=True)
class _Attempt:
    """How sending a row went: the platform's id for the message, or what went wrong (and
    how many of its parts had gone by then)."""

    message_id: str | None = None
    error: Exception | None = None
    parts_done: int = 0


class _Outcome(Enum):
    SENT = "sent"
    HELD = "held"  # to be retried later (or parked); later rows of the same chat wait too
    NEWLY_UNREACHABLE = "newly unreachable"  # parked, and the person is to be told
    FAILED = "failed"


class Outbox:
    def __init__(self, clock: Clock, catalogs: Catalogs) -> None:
        self._clock = clock
        self._catalogs = catalogs

    def with_clock(self, clock: Clock) -> Outbox:
        return Outbox(clock, self._catalogs)

    async def queue(
        self,
        session: AsyncSession,
        channel: Channel,
        message: OutgoingMessage,
        *,
        purge_channel_after_send: bool = False,
        reply_to_row: int | None = None,
        replaces_row: int | None = None,
        key: str | None = None,
        merge: Merge | None = None,
    ) -> int:
        """Queue `message` for `channel`; returns the outbox row's id.

        `reply_to_row` and `replaces_row` name an earlier row for the same chat whose
        message this one answers or changes (deletes, if it has no text): its platform id
        is known only once it is sent, so it is looked up then. `key` names the message
        for the platform's idempotency (Matrix transaction ids), if not its row id."""
        await session.flush()  # the channel may be new; its id goes into the row
        payload, file_id = await self._stored(session, message)
        links = {"reply_to_row": reply_to_row, "replaces_row": replaces_row, "key": key}
        payload |= {name: value for name, value in links.items() if value is not None}
        if merge is not None:
            payload["merge"] = {"sender": merge.sender, "body": merge.body.to_json()}
        row = self._row(channel, (payload, file_id), purge_channel_after_send)
        connection = await session.connection()  # past the ORM: nothing here needs it
        result = await connection.execute(_queue_insert(), row)
        inserted = result.inserted_primary_key
        assert inserted is not None
        return int(inserted[0])

    async def _stored(
        self, session: AsyncSession, message: OutgoingMessage
    ) -> tuple[dict[str, Any], int | None]:
        """The row's payload, and the file that keeps its first attachment's data: once
        per transaction, however many rows send it."""
        if not message.attachments:
            return message.to_json(), None
        data = message.attachments[0].data
        kept = _files_kept(session)
        if data not in kept:
            connection = await session.connection()
            result = await connection.execute(
                insert(OutboxFile).values(data=data, created_at=self._clock.now())
            )
            assert result.inserted_primary_key is not None
            kept[data] = int(result.inserted_primary_key[0])
        return message.to_json(first_data_elsewhere=True), kept[data]

    def _row(
        self, channel: Channel, stored: tuple[dict[str, Any], int | None], purge: bool
    ) -> dict[str, Any]:
        now = self._clock.now()
        payload, file_id = stored
        return {
            "channel_id": channel.id,
            "payload": payload,
            "file_id": file_id,
            "created_at": now,
            "not_before": now,
            "attempts": 0,
            "purge_channel_after_send": purge,
            # No point trying a chat the platform refuses: wait with the others.
            "parked_at": now if channel.unreachable_since else None,
        }

    async def queue_to_each(
        self,
        session: AsyncSession,
        members: Sequence[Member],
        build: Callable[[Translator], OutgoingMessage],
        kind: ChatKind = ChatKind.PRIVATE,
    ) -> None:
        """`queue_private` to each of `members` (or to their email address: `kind`), in
        two queries and one insert however many they are; built once per language."""
        ids = [member.id for member in members]
        chats: dict[int | None, Channel] = {}
        for private in await session.scalars(
            select(Channel)
            .where(Channel.member_id.in_(ids), Channel.kind == kind)
            .order_by(Channel.id)
        ):
            chats[private.member_id] = private  # the newest one, as queue_private takes
        hints: dict[int, list[str | None]] = {}
        for member_id, hint in await session.execute(
            select(Identity.member_id, Identity.language_hint).where(Identity.member_id.in_(ids))
        ):
            hints.setdefault(member_id, []).append(hint)
        stored: dict[str, tuple[dict[str, Any], int | None]] = {}
        rows = []
        for member in members:
            if (chat := chats.get(member.id)) is None:
                continue
            code = self._catalogs.negotiate([member.language, *hints.get(member.id, [])])
            if code not in stored:
                stored[code] = await self._stored(session, build(self._catalogs.translator(code)))
            rows.append(self._row(chat, stored[code], purge=False))
        if rows:
            connection = await session.connection()
            await connection.execute(_queue_insert(), rows)

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
        await self.queue(session, channel, build(translator))
        return True

    async def unpark(self, session: AsyncSession, channel: Channel) -> None:
        """The person opened the private chat: what waited for that goes out now, in order."""
        for statement in _reopen(channel.id, self._clock.now()):
            await session.execute(statement)
        channel.unreachable_since = None

    async def translator_for(self, session: AsyncSession, member: Member) -> Translator:
        hints = await session.scalars(
            select(Identity.language_hint).where(Identity.member_id == member.id)
        )
        return self._catalogs.translator(self._catalogs.negotiate([member.language, *hints]))


def _files_kept(session: AsyncSession) -> dict[bytes, int]:
    """Attachment data already kept in the session's transaction, and the files' ids."""
    transaction = session.sync_session.get_transaction()
    kept = session.info.get("outbox files")
    if kept is None or kept[0] is not transaction:  # a rolled back one's are gone
        kept = session.info["outbox files"] = (transaction, {})
    return cast(dict[bytes, int], kept[1])


@cache
def _unused_files_delete() -> Delete:
    waiting = select(OutboxMessage.id).where(
        OutboxMessage.file_id == OutboxFile.id,
        OutboxMessage.sent_at.is_(None),
        OutboxMessage.failed_at.is_(None),
    )
    return delete(OutboxFile).where(~waiting.exists())


@cache
def _queue_insert() -> Insert:
    # A plain INSERT, built once: the ORM's unit of work costs more than the row is worth.
    return insert(OutboxMessage)


@cache
def _close_update() -> Update:
    return (
        update(OutboxMessage)
        .where(OutboxMessage.id == bindparam("row_id"))
        .values(
            payload=None,
            platform_message_id=bindparam("message_id"),
            sent_at=bindparam("sent"),
            failed_at=bindparam("failed"),
            last_error=bindparam("error"),
        )
    )


def _reopen(channel_id: int, now: datetime) -> tuple[Update, Update]:
    """A private chat can be written to again: its parked rows are due, in their order."""
    return (
        update(OutboxMessage)
        .where(OutboxMessage.channel_id == channel_id, OutboxMessage.parked_at.is_not(None))
        .values(parked_at=None, not_before=now),
        update(Channel).where(Channel.id == channel_id).values(unreachable_since=None),
    )


def _pending_in(channel_id: int) -> tuple[ColumnElement[bool], ...]:
    """The rows of one chat that are neither delivered nor given up."""
    return (
        OutboxMessage.channel_id == channel_id,
        OutboxMessage.sent_at.is_(None),
        OutboxMessage.failed_at.is_(None),
    )


@cache
def _next_query() -> Select[Any]:
    return (
        select(func.min(OutboxMessage.not_before))
        .join(OutboxMessage.channel)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.failed_at.is_(None),
            OutboxMessage.parked_at.is_(None),
            Channel.platform.in_(bindparam("platforms", expanding=True)),
            # Not a row queued behind a held one: it may not go first, however early.
            ~_waits_behind_an_earlier_row(),
        )
    )


def _waits_behind_an_earlier_row() -> Exists:
    """An earlier row of the same chat is held or parked: a message queued after a hold
    must not overtake the ones held back."""
    earlier = aliased(OutboxMessage)
    return (
        select(earlier.id)
        .where(
            earlier.channel_id == OutboxMessage.channel_id,
            earlier.id < OutboxMessage.id,
            earlier.sent_at.is_(None),
            earlier.failed_at.is_(None),
            or_(earlier.not_before > bindparam("now"), earlier.parked_at.is_not(None)),
        )
        .exists()
    )


def _row_query() -> Select[Any]:
    """The rows with what sending them needs: plain rows rather than ORM objects."""
    return (
        select(
            OutboxMessage.id,
            OutboxMessage.channel_id,
            OutboxMessage.payload,
            OutboxMessage.attempts,
            OutboxMessage.parts_done,
            OutboxMessage.purge_channel_after_send,
            OutboxMessage.file_id,
            OutboxMessage.merged_into,
            Channel.platform,
            Channel.chat_id,
            Channel.kind,
            Channel.title,
            Channel.member_id,
            Channel.unreachable_since,
        )
        .join(OutboxMessage.channel)
        .order_by(OutboxMessage.id)
    )


@cache
def _due_query() -> Select[Any]:
    # Built once: the sender runs it after every event.
    return (
        _row_query()
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.failed_at.is_(None),
            OutboxMessage.parked_at.is_(None),
            OutboxMessage.not_before <= bindparam("now"),
            Channel.platform.in_(bindparam("platforms", expanding=True)),
            ~_waits_behind_an_earlier_row(),
        )
        .limit(BATCH)
    )


@cache
def _merged_query() -> Select[Any]:
    """The rows still to go merged into a row's message (`_merged_with`)."""
    return _row_query().where(
        OutboxMessage.merged_into == bindparam("first"),
        OutboxMessage.id != bindparam("first"),
        OutboxMessage.sent_at.is_(None),
        OutboxMessage.failed_at.is_(None),
    )


async def _merge(connection: AsyncConnection, row_ids: Sequence[int], first: int | None) -> None:
    """Rows to go in the message of row `first` (None: each on its own again)."""
    await connection.execute(
        update(OutboxMessage).where(OutboxMessage.id.in_(row_ids)).values(merged_into=first)
    )


class OutboxSender:
    """Delivers pending rows in order, one transaction per row, retrying what can be retried."""

    def __init__(
        self,
        engine: AsyncEngine,
        turns: WriteTurns,
        transports: Mapping[str, Transport],
        clock: Clock,
        on_unreachable: Callable[[int], Awaitable[None]],
        on_moved: Callable[[ChatAddress, str], Awaitable[None]],
        on_failed: Callable[[int], Awaitable[None]],
    ) -> None:
        self._engine = engine
        self._turns = turns  # the bookkeeping after a send waits its turn, not for SQLite
        self._transports = transports
        self._clock = clock
        # Called with a private chat's id the first time its person turns out unreachable.
        self._on_unreachable = on_unreachable
        # Called with a chat and its new id when the platform says it moved.
        self._on_moved = on_moved
        # Called with a row's id when it is given up (after its failure is recorded).
        self._on_failed = on_failed
        self._lock = asyncio.Lock()
        self._wakeup = asyncio.Event()
        self._stopping = False
        self._open = list(transports)  # the platforms sent to: those started

    def wake(self) -> None:
        self._wakeup.set()

    def before_start(self) -> None:
        """Send to no platform until its transport says it has started (`started`)."""
        self._open = []

    def started(self, platform: str) -> None:
        self._open.append(platform)
        self.wake()

    def stop(self) -> None:
        """Let run() return once the send in hand is recorded (no new one starts).

        Cancelling run() instead could cut a send off after the platform took it and
        before it was marked sent: it would go out again after the restart.
        """
        self._stopping = True
        self._wakeup.set()

    async def run(self, idle_seconds: float = 30.0) -> None:
        """Drain whenever woken, when a held message may go, and every `idle_seconds`."""
        while not self._stopping:
            try:
                drained_at = self._clock.now()
                await self.drain()
                timeout = await self.next_wake(idle_seconds, drained_at)
            except Exception:
                log.exception("outbox drain failed; retrying later")
                timeout = idle_seconds
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout)
            self._wakeup.clear()

    async def next_wake(self, idle_seconds: float, drained_at: datetime | None = None) -> float:
        """Seconds until the earliest held message may go, at most `idle_seconds`.

        A message that was due when the drain that ended at `drained_at` began was left by
        it (a chat that keeps moving): that is tried again in 50 ms, not in a busy loop."""
        async with self._engine.connect() as connection:
            earliest = await connection.scalar(
                _next_query(), {"platforms": self._open, "now": self._clock.now()}
            )
        if earliest is None:
            return idle_seconds
        if drained_at is not None and earliest <= drained_at:
            return 0.05
        # To the millisecond, and at once for what fell due during the drain: reminders are
        # queued ahead of their time.
        return min(idle_seconds, max(0.0, (earliest - self._clock.now()).total_seconds()))

    async def drain(self) -> int:
        """Send everything that is due now; return how many rows were delivered.

        Each row's outcome is committed on its own, right after the platform answered, so
        a crash can repeat at most one message. That first commit also ends the read of
        the due rows.
        """
        async with self._lock, self._engine.connect() as connection:
            shared = connection.dialect.name == "postgresql"
            if shared:
                # Another bot process may use the same database: one sender at a time, or
                # both would read the same due rows and send them twice.
                await connection.execute(_LOCK, {"key": SENDER_LOCK})
                await connection.commit()
            try:
                return await self._drain(connection)
            finally:
                if shared:
                    await _unlock(connection)

    async def _drain(self, connection: AsyncConnection) -> int:
        delivered = 0
        moves = 0
        while True:
            params = {"now": self._clock.now(), "platforms": self._open}
            rows = (await connection.execute(_due_query(), params)).all()
            skipped: set[int] = set()  # chats told to wait, or purged: the rest waits
            merged: set[int] = set()  # rows sent with an earlier one
            chosen: dict[int, list[Row[Any]]] = {}  # row: what goes merged into it
            moved = False  # a chat's rows are to be read again under its new id
            for index, row in enumerate(rows):
                if self._stopping:
                    return delivered  # the rest waits for the next start
                if row.channel_id in skipped or row.id in merged:
                    continue
                try:
                    followers = chosen.pop(row.id, None)
                    if followers is None:
                        async with self._turns():
                            followers = await self._merged_with(connection, row, rows[index + 1 :])
                            await connection.commit()
                    merged.update(follower.id for follower in followers)
                    if followers:
                        skipped.add(row.channel_id)  # its rows are read again after this
                    attempt = await self._attempt(connection, row, followers)
                    async with self._turns():
                        outcome = await self._record(connection, row, followers, attempt)
                        purged = row.purge_channel_after_send and row.member_id is None
                        if outcome in (_Outcome.HELD, _Outcome.NEWLY_UNREACHABLE) or purged:
                            skipped.add(row.channel_id)
                        # The next row's merge choice goes in with this outcome: one commit.
                        upcoming = _next_to_send(rows, index, skipped, merged)
                        if upcoming is not None:
                            chosen[rows[upcoming].id] = await self._merged_with(
                                connection, rows[upcoming], rows[upcoming + 1 :]
                            )
                        await connection.commit()
                except ChatIdChanged as change:
                    await connection.commit()
                    await self._on_moved(_address(row), change.new_chat_id)
                    skipped.add(row.channel_id)
                    moved = moves < MAX_MOVES  # a chat that keeps moving waits
                    moves += 1
                    continue
                delivered += (outcome is _Outcome.SENT) * (1 + len(followers))
                if outcome is _Outcome.NEWLY_UNREACHABLE:
                    await self._on_unreachable(row.channel_id)
                    self.wake()  # for what it queued
                elif outcome is _Outcome.FAILED:
                    await self._on_failed(row.id)
                    self.wake()
                if outcome is _Outcome.HELD:
                    # run() may be waiting for its idle time-out: it is to wait for this.
                    self.wake()
            if len(rows) < BATCH and not moved and not merged:
                return delivered

    async def _merged_with(
        self, connection: AsyncConnection, first: Row[Any], later: Sequence[Row[Any]]
    ) -> list[Row[Any]]:
        """The rows after `first` that go merged into one message with it (Merge):
        consecutive rows of the same chat and sender, none of which answers or changes a
        message or carries files or buttons, up to one message's length.

        The choice (alone, too) is written here, for the caller to commit before the
        message is first sent, and kept: a message that may have reached the platform
        before a crash goes again as it was, under the same key, so that a platform that
        knows the key (Matrix) takes it once and no row is marked sent that was not in it."""
        payload = first.payload or {}
        merge = payload.get("merge")
        if merge is None or first.parts_done or not _mergeable(payload, first=True):
            return []
        if first.merged_into is not None:  # chosen before a crash or a failed send
            chosen = await connection.execute(_merged_query(), {"first": first.id})
            return list(chosen.all())
        followers = []
        with suppress(KeyError, TypeError, ValueError):  # unreadable: it fails on its own
            size = units(RichText.from_json(payload["text"]).plain)
            for row in later:
                if row.channel_id != first.channel_id:
                    continue
                other = row.payload or {}
                if (
                    not _mergeable(other, first=False)
                    or other["merge"]["sender"] != merge["sender"]
                ):
                    break
                size += 1 + units(RichText.from_json(other["merge"]["body"]).plain)
                if size > MERGED_UNITS:
                    break
                followers.append(row)
        await _merge(connection, [first.id, *(row.id for row in followers)], first.id)
        return followers

    async def _attempt(
        self, connection: AsyncConnection, row: Row[Any], followers: Sequence[Row[Any]]
    ) -> _Attempt:
        """Send the row, merged with `followers`. Nothing is written: see _record."""
        try:
            message = OutgoingMessage.from_json(row.payload or {}, await _kept(connection, row))
            for follower in followers:
                body = RichText.from_json((follower.payload or {})["merge"]["body"])
                message = dataclasses.replace(message, text=message.text + "\n" + body)
        except (KeyError, TypeError, ValueError) as error:  # written by an older version?
            unreadable = PermanentFailure(f"unreadable payload: {error!r}")
            return _Attempt(error=unreadable, parts_done=row.parts_done)
        progress = Progress(row.parts_done, key=(row.payload or {}).get("key", f"outbox-{row.id}"))
        try:
            message = await _linked(connection, row, message)
            message = await self._fetched(message)
            return _Attempt(message_id=await self._send(row, message, progress))
        except Exception as error:
            return _Attempt(error=error, parts_done=progress.parts_done)

    async def _record(
        self,
        connection: AsyncConnection,
        row: Row[Any],
        followers: Sequence[Row[Any]],
        attempt: _Attempt,
    ) -> _Outcome:
        """Record how the attempt went: the row and its `followers` sent, or held, parked,
        given up (the followers are then each on their own again)."""
        error = attempt.error
        if error is None:
            for sent in (row, *followers):
                await self._close(connection, sent, message_id=attempt.message_id)
            if row.unreachable_since is not None:
                # Delivered after all (the person opened the chat meanwhile): release the rest.
                for statement in _reopen(row.channel_id, self._clock.now()):
                    await connection.execute(statement)
            return _Outcome.SENT
        if attempt.parts_done != row.parts_done:
            # Whatever comes next, the parts already delivered are never sent again.
            await connection.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id)
                .values(parts_done=attempt.parts_done)
            )
        if isinstance(error, ChatIdChanged):
            raise error  # drain() commits, has the chat moved, and reads its rows again
        if isinstance(error, RetryLater):
            until = self._clock.now() + timedelta(seconds=error.seconds)
            await self._hold_chat(connection, row.channel_id, until)
            if "merge" in (row.payload or {}):  # not sent: merged anew with what waits then
                await _merge(connection, [row.id, *(follower.id for follower in followers)], None)
            return _Outcome.HELD
        if isinstance(error, RecipientUnreachable):
            return await self._park(connection, row.channel_id)
        if isinstance(error, PermanentFailure):
            log.warning("outbox row %s cannot be delivered: %s", row.id, error)
            await self._close(connection, row, error=str(error) or type(error).__name__)
            outcome = _Outcome.FAILED
        else:
            log.error("outbox row %s: sending failed", row.id, exc_info=error)
            outcome = await self._retry_or_fail(connection, row, error)
        if outcome is _Outcome.FAILED:
            await _merge(connection, [follower.id for follower in followers], None)
        return outcome

    async def _fetched(self, message: OutgoingMessage) -> OutgoingMessage:
        """Its remote files fetched from the platform they are on, as attachments."""
        if not message.remote_files:
            return message
        fetched = []
        for remote in message.remote_files:
            source = self._transports.get(remote.platform)
            if source is None:
                raise PermanentFailure(f"no {remote.platform} transport to fetch a file from")
            if remote.platform not in self._open:
                raise RetryLater(1.0)  # starting: it will be in a moment
            data = await source.fetch(remote.ref)
            fetched.append(Attachment(remote.filename, remote.mime_type, data))
        return dataclasses.replace(
            message, attachments=message.attachments + tuple(fetched), remote_files=()
        )

    async def _send(
        self, row: Row[Any], message: OutgoingMessage, progress: Progress
    ) -> str | None:
        transport = self._transports[row.platform]
        if message.replaces is not None:
            await transport.replace(_address(row), message.replaces, message)
            return message.replaces
        return await transport.send(_address(row), message, progress)

    async def _close(
        self,
        connection: AsyncConnection,
        row: Row[Any],
        *,
        message_id: str | None = None,
        error: str | None = None,
    ) -> None:
        """Mark the row delivered (no error) or given up; either way its text goes."""
        now = self._clock.now()
        await connection.execute(
            _close_update(),
            {
                "row_id": row.id,
                "message_id": message_id,
                "sent": now if error is None else None,
                "failed": now if error is not None else None,
                "error": error[:500] if error is not None else None,
            },
        )
        if row.file_id is not None:
            # Also those of rows gone with their chat.
            await connection.execute(_unused_files_delete())
        if row.purge_channel_after_send:
            # Unless the person came back meanwhile and the chat is theirs again.
            await connection.execute(
                delete(Channel).where(Channel.id == row.channel_id, Channel.member_id.is_(None))
            )

    async def _park(self, connection: AsyncConnection, channel_id: int) -> _Outcome:
        """Keep the chat's messages until its person opens it (Outbox.unpark)."""
        now = self._clock.now()
        await connection.execute(
            update(OutboxMessage)
            .where(*_pending_in(channel_id), OutboxMessage.parked_at.is_(None))
            .values(parked_at=now)
        )
        marked = await connection.execute(
            update(Channel)
            .where(Channel.id == channel_id, Channel.unreachable_since.is_(None))
            .values(unreachable_since=now)
        )
        first_time = cast(CursorResult[Any], marked).rowcount == 1
        return _Outcome.NEWLY_UNREACHABLE if first_time else _Outcome.HELD

    async def _hold_chat(
        self, connection: AsyncConnection, channel_id: int, until: datetime
    ) -> None:
        """Everything still pending for that chat waits too, so the order is kept."""
        await connection.execute(
            update(OutboxMessage)
            .where(*_pending_in(channel_id), OutboxMessage.not_before < until)
            .values(not_before=until)
        )

    async def _retry_or_fail(
        self, connection: AsyncConnection, row: Row[Any], error: Exception
    ) -> _Outcome:
        attempts = row.attempts + 1
        description = f"{type(error).__name__}: {error}"
        await connection.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row.id)
            .values(attempts=attempts, last_error=description[:500])
        )
        if attempts >= MAX_ATTEMPTS:
            await self._close(connection, row, error=description)
            return _Outcome.FAILED
        backoff = timedelta(seconds=5 * 4**attempts)
        await self._hold_chat(connection, row.channel_id, self._clock.now() + backoff)
        return _Outcome.HELD


async def _unlock(connection: AsyncConnection) -> None:
    """Let the other processes send. The lock belongs to the database session, which the
    pool keeps open: a connection that cannot unlock is closed, and that frees it."""
    try:
        await connection.execute(_UNLOCK, {"key": SENDER_LOCK})
        await connection.commit()
    except Exception:
        log.exception("outbox: could not release the sender lock; closing the connection")
        await connection.invalidate()


async def _kept(connection: AsyncConnection, row: Row[Any]) -> bytes | None:
    """The data of the row's first attachment, if kept in a file."""
    if row.file_id is None:
        return None
    return cast(
        bytes | None,
        await connection.scalar(select(OutboxFile.data).where(OutboxFile.id == row.file_id)),
    )


def _mergeable(payload: dict[str, Any], first: bool) -> bool:
    """Whether the row's message may go merged with others: only the first one may answer."""
    links = (
        ("replaces_row", "replaces")
        if first
        else ("replaces_row", "replaces", "reply_to_row", "reply_to")
    )
    return (
        "merge" in payload
        and not any(payload.get(link) for link in links)
        and not any(payload.get(part) for part in ("attachments", "remote_files", "buttons"))
    )


async def _linked(
    connection: AsyncConnection, row: Row[Any], message: OutgoingMessage
) -> OutgoingMessage:
    """The message with the platform ids of the rows it answers or changes (Outbox.queue).
    An answer to a message that was never delivered goes as a message of its own; so does a
    change to one that went merged with others, in answer to it (it cannot be deleted)."""
    payload = row.payload or {}
    links = {key: payload.get(key) for key in ("reply_to_row", "replaces_row")}
    if not any(links.values()):
        return message
    wanted = [row for row in links.values() if row]
    query = select(OutboxMessage.id, OutboxMessage.platform_message_id)
    found = await connection.execute(query.where(OutboxMessage.id.in_(wanted)))
    sent = {row_id: platform_id for row_id, platform_id in found}
    if links["replaces_row"]:
        replaces = sent.get(links["replaces_row"])
        if replaces is None:
            raise PermanentFailure("the message it changes was not delivered")
        if await _merged(connection, links["replaces_row"]):
            if not message.text.plain:  # a deletion
                raise PermanentFailure("the message it deletes went merged with others")
            return dataclasses.replace(message, reply_to=replaces)
        message = dataclasses.replace(message, replaces=replaces)
    if links["reply_to_row"]:
        message = dataclasses.replace(message, reply_to=sent.get(links["reply_to_row"]))
    return message


async def _merged(connection: AsyncConnection, row_id: int) -> bool:
    """Whether the row's message went merged with others (Merge)."""
    group = select(OutboxMessage.merged_into).where(OutboxMessage.id == row_id).scalar_subquery()
    together = await connection.scalar(
        select(func.count()).where(OutboxMessage.merged_into == group)
    )
    return bool(together and together > 1)


def _next_to_send(
    rows: Sequence[Row[Any]], after: int, skipped: set[int], merged: set[int]
) -> int | None:
    """The index of the row that _drain sends after `rows[after]`, if any."""
    for index in range(after + 1, len(rows)):
        if rows[index].channel_id not in skipped and rows[index].id not in merged:
            return index
    return None


def _address(row: Row[Any]) -> ChatAddress:
    return ChatAddress(row.platform, row.chat_id, ChatKind(row.kind), row.title)
