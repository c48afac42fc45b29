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
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, "base")


async def test_downgrade_to_nothing_and_up_again(empty_db_url: str) -> None:
    engine = create_engine(empty_db_url)
    try:
        await migrate.upgrade(engine)
        async with engine.begin() as connection:
            await connection.run_sync(_downgrade)
            assert await connection.run_sync(_tables) == set()
        await migrate.upgrade(engine)
        async with engine.connect() as connection:
            assert await connection.run_sync(_tables) == set(Base.metadata.tables)
    finally:
        await engine.dispose()


def test_the_newest_file_is_alembics_head() -> None:
    assert (
        migrate.head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()
    )


def test_a_start_on_an_up_to_date_database_does_not_load_alembic(tmp_path: Path) -> None:
    program = f"""
import asyncio, sys
from bot.db import migrate
from bot.db.engine import create_engine

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
