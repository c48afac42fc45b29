"""The one-trip SQLite connection behaves like aiosqlite's for everything SQLAlchemy does."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bot.db import sqlite
from bot.db.engine import WriteTurns, create_engine


async def test_statements_rows_and_errors(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/one.db")
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)"))
            inserted = await connection.execute(text("INSERT INTO t (v) VALUES ('a')"))
            assert inserted.lastrowid == 1 and inserted.rowcount == 1
            await connection.execute(
                text("INSERT INTO t (v) VALUES (:v)"), [{"v": "b"}, {"v": "c"}]
            )
        async with engine.connect() as connection:
            result = await connection.execute(text("SELECT id, v FROM t ORDER BY id"))
            assert list(result.keys()) == ["id", "v"]
            assert result.fetchone() == (1, "a")
            assert result.fetchmany(1) == [(2, "b")]
            assert result.fetchall() == [(3, "c")]
            with pytest.raises(IntegrityError):
                await connection.execute(text("INSERT INTO t (v) VALUES ('a')"))
    finally:
        await engine.dispose()


async def test_one_trip_to_the_database_thread_per_statement(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trips: list[str] = []
    original = sqlite.OneTripConnection._execute

    async def counted(self: sqlite.OneTripConnection, fn: Any, *args: Any, **kw: Any) -> Any:
        trips.append(getattr(fn, "__name__", "?"))
        return await original(self, fn, *args, **kw)

    monkeypatch.setattr(sqlite.OneTripConnection, "_execute", counted)
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/trips.db")
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
            trips.clear()
            await connection.execute(text("SELECT 1"))
            await connection.commit()
        assert trips == ["_run", "commit"]
    finally:
        await engine.dispose()


async def test_writers_take_turns_on_sqlite_and_not_on_postgresql(tmp_path: Path) -> None:
    order: list[str] = []

    async def write(turns: WriteTurns, name: str) -> None:
        async with turns():
            order.append(f"{name} begins")
            await asyncio.sleep(0)  # the other writer runs meanwhile, if it may
            order.append(f"{name} commits")

    sqlite_engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/turns.db")
    postgres_engine = create_engine("postgresql+asyncpg://bot@127.0.0.1:1/none")  # not used
    try:
        turns = WriteTurns(sqlite_engine)
        await asyncio.gather(write(turns, "a"), write(turns, "b"))
        assert order == ["a begins", "a commits", "b begins", "b commits"]
        order.clear()
        turns = WriteTurns(postgres_engine)
        await asyncio.gather(write(turns, "a"), write(turns, "b"))
        assert order == ["a begins", "b begins", "a commits", "b commits"]
    finally:
        await sqlite_engine.dispose()
        await postgres_engine.dispose()
