"""Engine and session factory for SQLite (aiosqlite) and PostgreSQL (asyncpg)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.config import normalise_database_url
from bot.db import sqlite


def create_engine(url: str) -> AsyncEngine:
    """hide_parameters: a failing statement's error text must not carry people's data into logs."""
    url = normalise_database_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_async_engine(url, pool_pre_ping=True, hide_parameters=True)
    database = parsed.database
    if not database or database == ":memory:":
        raise ValueError("netzwerkbot keeps its SQLite database in a file")
    Path(database).parent.mkdir(parents=True, exist_ok=True)

    async def connect() -> aiosqlite.Connection:
        return await sqlite.connector(database)

    engine = create_async_engine(
        url,
        async_creator=connect,
        # Every unit of work ends in an explicit commit or rollback, so the pool's own
        # rollback on check-in would only cost another trip to SQLite's thread.
        pool_reset_on_return=None,
        hide_parameters=True,
    )
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL with NORMAL sync: a commit no longer waits for a full fsync, still crash-safe.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


class WriteTurns:
    """SQLite lets one transaction write at a time. A writer that finds the database locked
    sleeps and tries again, in steps of up to 100 ms, and can lose again to a busy
    neighbour: under a burst, the outbox sender's bookkeeping after a send waited up to a
    quarter of a second behind the units of work. The bot's busy writers take turns here
    instead, in order. PostgreSQL locks rows, not the database: there this does nothing."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._lock = asyncio.Lock() if engine.dialect.name == "sqlite" else None

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[None]:
        if self._lock is None:
            yield
            return
        async with self._lock:
            yield
