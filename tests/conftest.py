"""Fixtures: every database test runs on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from bot.config import DatabaseSettings, NetworkSettings, Settings
from bot.db import migrate
from bot.db.engine import create_engine
from handlers import capabilities
from tests.helpers import Chat
from tests.postgres import find_binaries, throwaway_postgres
from tests.smtp_running import Mailbox, smtp_server
from tests.synapse import Homeserver, throwaway_synapse
from tests.synapse import is_installed as synapse_installed
from tests.telegram_running import Running, fake_bot_api, running, with_anna

TEMPLATE = "netzwerkbot_template"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server: $NETZWERKBOT_TEST_POSTGRES_URL, else a throwaway one."""
    if url := os.environ.get("NETZWERKBOT_TEST_POSTGRES_URL"):
        asyncio.run(_prepare_template(url))
        yield url
        return
    bindir = find_binaries()
    if bindir is None:
        if os.environ.get("NETZWERKBOT_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL is required (NETZWERKBOT_REQUIRE_POSTGRES=1) but not installed")
        pytest.skip("PostgreSQL binaries are not installed")
    with throwaway_postgres(bindir) as url:
        asyncio.run(_prepare_template(url))
        yield url


async def _admin(url: str) -> asyncpg.Connection:
    parsed = make_url(url)
    for _ in range(200):
        try:
            return await asyncpg.connect(
                host=parsed.host,
                port=parsed.port,
                user=parsed.username,
                password=parsed.password,
                database=parsed.database,
            )
        except (asyncpg.CannotConnectNowError, ConnectionError):
            await asyncio.sleep(0.05)  # the server is still starting
    raise RuntimeError("PostgreSQL does not accept connections")


async def _prepare_template(url: str) -> None:
    admin = await _admin(url)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {TEMPLATE}")
        await admin.execute(f"CREATE DATABASE {TEMPLATE}")
    finally:
        await admin.close()
    engine = create_engine(str(make_url(url).set(database=TEMPLATE)))
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()


async def _create_database(url: str, template: str | None) -> str:
    name = f"test_{uuid.uuid4().hex[:12]}"
    admin = await _admin(url)
    try:
        await admin.execute(
            f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else "")
        )
    finally:
        await admin.close()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def _database(request: pytest.FixtureRequest, tmp_path: Path, migrated: bool) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/netzwerkbot.db"
    server = request.getfixturevalue("postgres_server")
    return asyncio.run(_create_database(server, TEMPLATE if migrated else None))


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database the bot may use (on PostgreSQL already migrated, to save time)."""
    return _database(request, tmp_path, migrated=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database with no tables at all."""
    return _database(request, tmp_path, migrated=False)


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(
        network=NetworkSettings(name="Inklusionsnetz Musterstadt", coordinators=("console:anna",)),
        database=DatabaseSettings(url=db_url),
    )


@pytest.fixture
async def chat(settings: Settings) -> AsyncIterator[Chat]:
    async with Chat(settings, capabilities()) as running:
        yield running


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    """A real SMTP server on 127.0.0.1, and its port."""
    with smtp_server() as running:
        yield running


@pytest.fixture
async def telegram(settings: Settings) -> AsyncIterator[Running]:
    """The bot on Telegram, against a fresh fake Bot API; Anna coordinates the network."""
    async with fake_bot_api() as fake, running(with_anna(settings), fake) as bot:
        yield bot


@pytest.fixture(scope="session")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Homeserver]:
    """A real Synapse homeserver on loopback, one for the whole session (it starts in ~3 s)."""
    if not synapse_installed():
        if os.environ.get("NETZWERKBOT_REQUIRE_SYNAPSE") == "1":
            pytest.fail("Synapse is required (NETZWERKBOT_REQUIRE_SYNAPSE=1) but not installed")
        pytest.skip("Synapse is not installed: run scripts/setup-synapse")
    with throwaway_synapse(tmp_path_factory.mktemp("synapse")) as homeserver:
        yield homeserver
