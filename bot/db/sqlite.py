"""aiosqlite connections that run each statement in one trip to the database thread.

SQLAlchemy's aiosqlite adapter makes up to four hand-overs between the event loop and
aiosqlite's thread per statement (cursor, execute, fetch, close); on this project's
machines those waits were most of a command's latency (bench/README.md). Here a statement
is executed, fetched and closed in a single hand-over, and SQLAlchemy gets a cursor that
already holds its rows. Everything else is aiosqlite's own Connection.

Like SQLAlchemy's adapter, this relies on aiosqlite's Connection._execute and _conn;
tests/test_sqlite_connection.py pins that contract.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from functools import partial
from typing import Any

import aiosqlite

Description = tuple[tuple[Any, ...], ...] | None
_Outcome = tuple[Description, int, int | None, list[Any]]


def _run(connection: sqlite3.Connection, sql: str, parameters: Any, many: bool) -> _Outcome:
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(sql, parameters)
        else:
            cursor.execute(sql, parameters)
        rows = cursor.fetchall() if cursor.description else []
        return cursor.description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


class PrefetchedCursor:
    """The part of aiosqlite's Cursor that SQLAlchemy uses, with the rows fetched at once."""

    arraysize = 1

    def __init__(self, connection: OneTripConnection) -> None:
        self._connection = connection
        self.description: Description = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self._rows: list[Any] = []

    async def __aenter__(self) -> PrefetchedCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._rows = []

    async def execute(self, sql: str, parameters: Any = ()) -> PrefetchedCursor:
        await self._take(sql, parameters, many=False)
        return self

    async def executemany(self, sql: str, parameters: Sequence[Any]) -> PrefetchedCursor:
        await self._take(sql, parameters, many=True)
        return self

    async def _take(self, sql: str, parameters: Any, many: bool) -> None:
        connection = self._connection
        outcome: _Outcome = await connection._execute(_run, connection._conn, sql, parameters, many)
        self.description, self.rowcount, self.lastrowid, self._rows = outcome

    async def fetchall(self) -> list[Any]:
        rows, self._rows = self._rows, []
        return rows

    async def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        count = size or self.arraysize
        rows, self._rows = self._rows[:count], self._rows[count:]
        return rows

    async def close(self) -> None:
        self._rows = []


class OneTripConnection(aiosqlite.Connection):
    def cursor(self) -> PrefetchedCursor:  # type: ignore[override]
        return PrefetchedCursor(self)


def connector(database: str) -> OneTripConnection:
    """An unopened connection to the SQLite file `database`; await it to open it."""
    connection = OneTripConnection(partial(sqlite3.connect, database), iter_chunk_size=64)
    connection._thread.daemon = True  # as SQLAlchemy does: never hold up the interpreter's exit
    return connection
