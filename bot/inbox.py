"""What transports keep in the database: the updates they took, and small state.

A transport records a batch of updates together with the state that confirms them to
the platform (Telegram's next offset, Matrix's sync token) in one transaction, and only
then confirms. Each update is handled exactly once: the unit of work that handles it
claims its row (bot/dispatcher.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any, cast

from sqlalchemy import CursorResult, Update, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.db.models import InboxUpdate, TransportState


class TransportStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def take(
        self,
        platform: str,
        updates: Sequence[tuple[str, dict[str, Any]]],
        state: Mapping[str, str],
    ) -> None:
        """Record `updates` (skipping any recorded before) and `state`, atomically."""
        # Plain statements, not ORM objects: this runs at every poll or sync.
        async with self._sessions.begin() as session:
            if updates:
                ids = [update_id for update_id, _ in updates]
                known = set(
                    await session.scalars(
                        select(InboxUpdate.update_id).where(
                            InboxUpdate.platform == platform, InboxUpdate.update_id.in_(ids)
                        )
                    )
                )
                now = self._clock.now()
                new = [
                    {"platform": platform, "update_id": i, "payload": p, "received_at": now}
                    for i, p in updates
                    if i not in known
                ]
                if new:
                    await session.execute(insert(InboxUpdate), new)
            for key, value in state.items():
                await _set(session, platform, key, value)

    async def pending(self, platform: str) -> list[tuple[int, dict[str, Any]]]:
        """Recorded updates not handled yet, oldest first, as (receipt, payload)."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(InboxUpdate.id, InboxUpdate.payload)
                .where(InboxUpdate.platform == platform, InboxUpdate.handled_at.is_(None))
                .order_by(InboxUpdate.id)
            )
            return [(receipt, payload or {}) for receipt, payload in rows]

    async def done(self, receipt: int) -> None:
        """Mark an update handled that no unit of work will (a kind the bot ignores)."""
        async with self._sessions.begin() as session:
            await claim(session, receipt, self._clock)

    async def state(self, platform: str, key: str) -> str | None:
        async with self._sessions() as session:
            row = await session.get(TransportState, (platform, key))
            return row.value if row else None

    async def set_state(self, platform: str, key: str, value: str) -> None:
        async with self._sessions.begin() as session:
            await _set(session, platform, key, value)


async def _set(session: AsyncSession, platform: str, key: str, value: str) -> None:
    changed = await session.execute(
        _state_update(), {"b_platform": platform, "b_key": key, "b_value": value}
    )
    if cast(CursorResult[Any], changed).rowcount == 0:
        await session.execute(
            insert(TransportState), {"platform": platform, "key": key, "value": value}
        )


@cache
def _state_update() -> Update:
    return (
        update(TransportState)
        .where(
            TransportState.platform == bindparam("b_platform"),
            TransportState.key == bindparam("b_key"),
        )
        .values(value=bindparam("b_value"))
    )


async def claim(session: AsyncSession, receipt: int, clock: Clock) -> bool:
    """Mark update `receipt` handled inside the caller's unit of work; False if it was."""
    result = await session.execute(_claim_update(), {"receipt": receipt, "now": clock.now()})
    return cast(CursorResult[Any], result).rowcount == 1


@cache
def _claim_update() -> Update:
    # Built once: every unit of work runs it, and building it cost more than running it.
    return (
        update(InboxUpdate)
        .where(InboxUpdate.id == bindparam("receipt"), InboxUpdate.handled_at.is_(None))
        .values(handled_at=bindparam("now"), payload=None)
    )
