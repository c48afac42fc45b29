"""Running the Alembic migrations under migrations/ from inside the bot.

Alembic is imported only when there is something to migrate: it costs about 11 MiB and a
tenth of a second at every start, and the database is up to date at nearly all of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.paths import MIGRATIONS_DIR

if TYPE_CHECKING:
    from alembic.config import Config


def alembic_config(url: str | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    """The newest migration's revision: migrations are numbered, 0001_*.py, 0002_*.py, …,
    each revision its file's number."""
    files = (MIGRATIONS_DIR / "versions").glob("[0-9][0-9][0-9][0-9]_*.py")
    return max(path.name.split("_", 1)[0] for path in files)


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the database to `revision`; the bot calls this on every start."""
    async with engine.connect() as connection:
        await connection.run_sync(_upgrade, revision)


def _upgrade(connection: Connection, revision: str) -> None:
    if revision == "head" and _current(connection) == head_revision():
        return
    from alembic import command

    run(connection, command.upgrade, revision)


def run(connection: Connection, step: Callable[[Config, str], None], revision: str) -> None:
    """An Alembic command (`command.upgrade`, `command.downgrade`) to `revision`, committed.

    On SQLite, foreign keys are off meanwhile: SQLite alters a table by building a new one
    and dropping the old, and with them on, the drop would delete every row that points at
    the old one (ON DELETE CASCADE). Whether all rows still point somewhere is checked
    before the commit."""
    config = alembic_config()
    config.attributes["connection"] = connection
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        connection.commit()  # SQLite ignores the pragma inside a transaction
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    try:
        step(config, revision)
        if sqlite and (broken := connection.exec_driver_sql("PRAGMA foreign_key_check").all()):
            raise RuntimeError(f"the migration left rows pointing nowhere: {broken[:5]}")
        connection.commit()
    except BaseException:
        connection.rollback()
        raise
    finally:
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()


def _current(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
