"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from bot.db import migrate
from bot.db.engine import create_engine
from bot.db.migrate import alembic_config
from bot.db.models import Base
from bot.paths import ROOT


def _differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, Base.metadata)


async def test_models_and_migrations_agree(empty_db_url: str) -> None:
    engine = create_engine(empty_db_url)
    try:
        await migrate.upgrade(engine)
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
    finally:
        await engine.dispose()


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


def _downgrade(connection: Connection) -> None:
    migrate.run(connection, command.downgrade, "base")


async def test_downgrade_to_nothing_and_up_again(empty_db_url: str) -> None:
    engine = create_engine(empty_db_url)
    try:
        await migrate.upgrade(engine)
        async with engine.connect() as connection:
            await connection.run_sync(_downgrade)
            assert await connection.run_sync(_tables) == set()
        await migrate.upgrade(engine)
        async with engine.connect() as connection:
            assert await connection.run_sync(_tables) == set(Base.metadata.tables)
    finally:
        await engine.dispose()


# Minutes with a version, as migration 0010 made them.
MINUTES_ROWS = (
    "INSERT INTO networks VALUES (1, 'n', 'Europe/Berlin', 'de', '2026-11-01')",
    "INSERT INTO circles VALUES (1, 1, 'Plenum', 'plenum', '2026-11-01', NULL, NULL, '', 'all')",
    "INSERT INTO minutes VALUES (1, 1, NULL, 'open', 'all', NULL, '2026-11-01', NULL)",
    "INSERT INTO minutes_versions VALUES (1, 1, 1, 'p.md', 'text/markdown', 'text', 'ab', "
    "'x', 'x', '[]', '[]', NULL, '2026-11-01')",
)


async def test_rebuilding_a_table_keeps_the_rows_that_point_at_it(empty_db_url: str) -> None:
    # SQLite rebuilds a table to alter it (0011 and 0012 rebuild minutes); with foreign keys
    # on, dropping the old table used to delete the minutes' versions (ON DELETE CASCADE).
    engine = create_engine(empty_db_url)
    try:
        await migrate.upgrade(engine, "0010")
        async with engine.begin() as connection:
            for row in MINUTES_ROWS:
                await connection.exec_driver_sql(row)
        await migrate.upgrade(engine)
        async with engine.connect() as connection:
            versions = await connection.exec_driver_sql("SELECT minutes_id FROM minutes_versions")
            assert versions.scalars().all() == [1]
            if connection.dialect.name == "sqlite":  # and foreign keys are on again
                enforced = await connection.exec_driver_sql("PRAGMA foreign_keys")
                assert enforced.scalar() == 1
    finally:
        await engine.dispose()


async def test_ids_are_never_reused_where_the_models_say_so(tmp_path: Path) -> None:
    # Ids of deleted rows must not come again (the outbox id names the Matrix transaction);
    # on SQLite that takes AUTOINCREMENT, which rebuilding a table can lose.
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/bot.db")
    try:
        await migrate.upgrade(engine)
        async with engine.connect() as connection:
            rows = await connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%AUTOINCREMENT%'"
            )
            made = set(rows.scalars())
    finally:
        await engine.dispose()
    wanted = {
        t.name
        for t in Base.metadata.tables.values()
        if t.dialect_options["sqlite"]["autoincrement"]
    }
    assert made == wanted


def test_the_newest_file_is_alembics_head() -> None:
    assert (
        migrate.head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()
    )


def test_a_start_on_an_up_to_date_database_does_not_load_alembic(tmp_path: Path) -> None:
    program = f"""
import asyncio, sys
from bot.db import migrate
from bot.db.engine import create_engine
from bot.db.migrate import alembic_config

async def main() -> None:
    engine = create_engine("sqlite+aiosqlite:///{tmp_path}/bot.db")
    await migrate.upgrade(engine)  # a new database: migrated
    for name in [n for n in sys.modules if n.split(".")[0] == "alembic"]:
        del sys.modules[name]
    await migrate.upgrade(engine)  # up to date: nothing to load
    await engine.dispose()
    print(any(n.split(".")[0] == "alembic" for n in sys.modules))

asyncio.run(main())
"""
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == "False"
